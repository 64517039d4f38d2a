/*
 * Message files of a folder: listing, duplicate base names and canonical
 * names; see repair.h and repair-folder.c, which uses these.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "keywords.h"
#include "maildir-name.h"
#include "repair-int.h"
#include "util.h"

int repair_canonical_name(const char *name, uint32_t named_keywords,
			  struct buf *out, const char **why_r)
{
	size_t base_len = maildir_name_base_len(name);
	const char *p = name + base_len, *extra = NULL;
	uint32_t flags = 0, kw = 0, bit;
	char prev = '\0';

	*why_r = NULL;
	buf_reset(out);
	buf_append(out, name, base_len);
	if (*p == '\0')
		return 0;	/* no info part: a name as new/ has them */
	if (strncmp(p, ":2,", 3) != 0) {
		buf_puts(out, ":2,");
		*why_r = "the info part is not in the \":2,\" form";
		return 1;
	}
	for (p += 3; *p != '\0' && *p != ','; p++) {
		if (*p >= 'a' && *p <= 'z') {
			bit = 1u << (*p - 'a');
			if (!(named_keywords & bit) && *why_r == NULL)
				*why_r = "keyword letters with no name in "
					 KEYWORDS_NAME;
			if (named_keywords & bit) {
				if ((kw & bit) && *why_r == NULL)
					*why_r = "a flag letter appears twice";
				kw |= bit;
			}
		} else if ((bit = maildir_flag_from_letter(*p)) != 0) {
			if ((flags & bit) && *why_r == NULL)
				*why_r = "a flag letter appears twice";
			flags |= bit;
		} else if (*why_r == NULL) {
			*why_r = *p >= 'A' && *p <= 'Z' ?
				 "unknown flag letters" :
				 "bytes that are not flag letters";
		}
		if (*p < prev && *why_r == NULL)
			*why_r = "flag letters out of ASCII order";
		prev = *p;
	}
	if (*p == ',')
		extra = p + 1;
	maildir_name_info(out, flags, kw, extra);
	if (strcmp(out->data, name) == 0)
		return 0;
	if (*why_r == NULL)
		*why_r = "flag letters not in canonical form";
	return 1;
}

static const char *sub_of(const struct mfile *m)
{
	return m->in_new ? "new" : "cur";
}

static void file_path(const struct fstate *st, const struct mfile *m,
		      struct buf *out)
{
	buf_reset(out);
	buf_printf(out, "%s/%s/%s", st->dir, sub_of(m), m->name);
}

/* A rename that never replaces a file: two messages must not become one. */
static int rename_noreplace(const char *from, const char *to)
{
	if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -errno;
	/* A file system without RENAME_NOREPLACE: link() never replaces. */
	if (link(from, to) < 0)
		return -errno;
	return unlink(from) < 0 ? -errno : 0;
}

int repair_scan_files(struct fstate *st)
{
	static const char *const subs[] = { "new", "cur" };
	struct buf p = BUF_INIT;
	struct dirent *de;
	size_t i;
	DIR *d;
	int ret = 0;

	for (i = 0; i < ARRAY_SIZE(subs) && ret == 0; i++) {
		buf_reset(&p);
		buf_printf(&p, "%s/%s", st->dir, subs[i]);
		d = opendir(p.data);
		if (d == NULL) {
			ret = -errno;
			break;
		}
		while ((de = readdir(d)) != NULL) {
			struct maildir_name mn;
			struct mfile *m;

			/* The names folder.c reads as messages. */
			if (maildir_name_parse(de->d_name, &mn) < 0 ||
			    strpbrk(de->d_name, "\r\n") != NULL)
				continue;
			st->files = xgrow(st->files, &st->cap, st->nfiles + 1,
					  sizeof(*st->files));
			m = &st->files[st->nfiles++];
			m->name = xstrdup(de->d_name);
			m->base_len = mn.base_len;
			m->in_new = i == 0;
			m->gone = m->rebased = false;
		}
		closedir(d);
	}
	buf_release(&p);
	return ret;
}

static int flag_count(const struct mfile *m)
{
	struct maildir_name mn;

	maildir_name_parse(m->name, &mn);
	return __builtin_popcount(mn.flags) + __builtin_popcount(mn.keywords);
}

static bool same_base(const struct mfile *x, const struct mfile *y)
{
	return x->base_len == y->base_len &&
	       memcmp(x->name, y->name, x->base_len) == 0;
}

/* Groups equal base names, the file to keep first: in cur/, with the
 * most flags, then by name so the choice is stable. */
static int cmp_dup(const void *a, const void *b)
{
	const struct mfile *x = *(const struct mfile *const *)a;
	const struct mfile *y = *(const struct mfile *const *)b;
	size_t n = x->base_len < y->base_len ? x->base_len : y->base_len;
	int c = memcmp(x->name, y->name, n), fx, fy;

	if (c != 0)
		return c;
	if (x->base_len != y->base_len)
		return x->base_len < y->base_len ? -1 : 1;
	if (x->in_new != y->in_new)
		return x->in_new ? 1 : -1;
	fx = flag_count(x);
	fy = flag_count(y);
	if (fx != fy)
		return fx > fy ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* 1 when two files hold the same bytes, 0 when not, or a negative errno. */
static int same_content(const char *a, const char *b)
{
	char ca[65536], cb[65536];
	struct stat sa, sb;
	int fa, fb, ret = 1;

	fa = open(a, O_RDONLY | O_CLOEXEC);
	if (fa < 0)
		return -errno;
	fb = open(b, O_RDONLY | O_CLOEXEC);
	if (fb < 0) {
		ret = -errno;
		close(fa);
		return ret;
	}
	if (fstat(fa, &sa) < 0 || fstat(fb, &sb) < 0)
		ret = -errno;
	else if (sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino)
		ret = 1;	/* hard links of one file */
	else if (sa.st_size != sb.st_size)
		ret = 0;
	else {
		for (;;) {
			size_t na, nb;

			if (read_full(fa, ca, sizeof(ca), &na) < 0 ||
			    read_full(fb, cb, sizeof(cb), &nb) < 0) {
				ret = -EIO;
				break;
			}
			if (na != nb || memcmp(ca, cb, na) != 0) {
				ret = 0;
				break;
			}
			if (na == 0)
				break;
		}
	}
	close(fa);
	close(fb);
	return ret;
}

/* Size and size with CRLF line ends, for a new base name. */
static int message_sizes(const char *path, uint64_t *size_r, uint64_t *vsize_r)
{
	char chunk[65536], prev = '\0';
	uint64_t size = 0, lf = 0;
	size_t n, i;
	int fd, ret = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		if ((ret = read_full(fd, chunk, sizeof(chunk), &n)) < 0 ||
		    n == 0)
			break;
		for (i = 0; i < n; i++) {
			if (chunk[i] == '\n' && prev != '\r')
				lf++;
			prev = chunk[i];
		}
		size += n;
	}
	close(fd);
	*size_r = size;
	*vsize_r = size + lf;
	return ret;
}

/* Gives a file a fresh base name in the same directory, keeping its info
 * part, so the next sync gives it a UID of its own. */
static int rebase(struct fstate *st, struct mfile *m)
{
	struct buf from = BUF_INIT, to = BUF_INIT, name = BUF_INIT;
	struct timespec now;
	uint64_t size, vsize;
	size_t base_len;
	int ret;

	file_path(st, m, &from);
	ret = message_sizes(from.data, &size, &vsize);
	if (ret < 0)
		goto out;
	clock_gettime(CLOCK_REALTIME, &now);
	maildir_name_new_base(&name, (uint64_t)now.tv_sec * 1000000 +
			      (uint64_t)now.tv_nsec / 1000, size, vsize);
	base_len = name.len;
	buf_puts(&name, m->name + m->base_len);
	buf_printf(&to, "%s/%s/%s", st->dir, sub_of(m), name.data);
	ret = rename_noreplace(from.data, to.data);
	if (ret < 0)
		goto out;
	free(m->name);
	m->name = buf_detach(&name);
	m->base_len = base_len;
	m->rebased = true;
out:
	buf_release(&from);
	buf_release(&to);
	buf_release(&name);
	return ret;
}

/* One base name held by several files, the one to keep first. */
static int fix_group(struct fstate *st, struct mfile **g, size_t n)
{
	struct repair *r = st->r;
	struct buf pa = BUF_INIT, pb = BUF_INIT;
	struct mfile **kept = xcalloc(n, sizeof(*kept));
	size_t i, k, nkept = 1;
	int ret = 0, same = 0;

	kept[0] = g[0];
	for (i = 1; i < n && ret == 0; i++) {
		struct mfile *m = g[i], *twin = NULL;
		char *old = xstrdup(m->name);
		const char *old_sub = sub_of(m);

		file_path(st, m, &pb);
		for (k = 0; k < nkept && twin == NULL; k++) {
			file_path(st, kept[k], &pa);
			same = same_content(pa.data, pb.data);
			if (same < 0)
				ret = same;
			else if (same)
				twin = kept[k];
		}
		if (ret < 0) {
			st->what = "cannot compare duplicates";
		} else if (twin != NULL) {
			repair_say(r, st->name, REPAIR_PROBLEM,
				   "%s/%s is a second copy of %s/%s", old_sub,
				   old, sub_of(twin), twin->name);
			if (r->fix) {
				if (unlink(pb.data) < 0) {
					ret = -errno;
					st->what = "cannot delete a copy";
				} else {
					m->gone = true;
					st->changed = true;
					repair_say(r, st->name, REPAIR_FIXED,
						   "deleted the copy %s/%s",
						   old_sub, old);
				}
			}
		} else {
			repair_say(r, st->name, REPAIR_PROBLEM,
				   "%s/%s and %s/%s share a base name but "
				   "differ", old_sub, old, sub_of(g[0]),
				   g[0]->name);
			if (r->fix) {
				ret = rebase(st, m);
				if (ret < 0)
					st->what = "cannot rename a duplicate";
				if (ret == 0) {
					st->changed = true;
					repair_say(r, st->name, REPAIR_FIXED,
						   "renamed %s/%s to %s/%s, "
						   "to get a UID of its own",
						   old_sub, old, sub_of(m),
						   m->name);
				}
			}
			kept[nkept++] = m;
		}
		free(old);
	}
	free(kept);
	buf_release(&pa);
	buf_release(&pb);
	return ret;
}

int repair_fix_duplicates(struct fstate *st)
{
	struct mfile **v = xcalloc(st->nfiles ? st->nfiles : 1, sizeof(*v));
	size_t i, j;
	int ret = 0;

	for (i = 0; i < st->nfiles; i++)
		v[i] = &st->files[i];
	qsort(v, st->nfiles, sizeof(*v), cmp_dup);
	for (i = 0; i < st->nfiles && ret == 0; i = j) {
		for (j = i + 1; j < st->nfiles && same_base(v[i], v[j]); j++)
			;
		if (j - i > 1)
			ret = fix_group(st, v + i, j - i);
	}
	free(v);
	return ret;
}

int repair_fix_names(struct fstate *st)
{
	struct repair *r = st->r;
	struct buf canon = BUF_INIT, from = BUF_INIT, to = BUF_INIT;
	const char *why;
	size_t i;
	int ret = 0;

	for (i = 0; i < st->nfiles && ret == 0; i++) {
		struct mfile *m = &st->files[i];

		if (m->gone ||
		    repair_canonical_name(m->name, st->named_kw, &canon,
					  &why) == 0)
			continue;
		repair_say(r, st->name, REPAIR_PROBLEM, "%s/%s: %s",
			   sub_of(m), m->name, why);
		if (!r->fix)
			continue;
		file_path(st, m, &from);
		buf_reset(&to);
		buf_printf(&to, "%s/%s/%s", st->dir, sub_of(m), canon.data);
		ret = rename_noreplace(from.data, to.data);
		if (ret < 0) {
			st->what = "cannot rename a message file";
			break;
		}
		repair_say(r, st->name, REPAIR_FIXED, "renamed %s/%s to %s",
			   sub_of(m), m->name, canon.data);
		free(m->name);
		m->name = buf_detach(&canon);
		st->changed = true;
	}
	buf_release(&canon);
	buf_release(&from);
	buf_release(&to);
	return ret;
}
