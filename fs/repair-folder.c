/*
 * The messages of one folder, checked and repaired: duplicate files,
 * badly named files, dovecot-uidlist and mailtree.index; see repair.h.
 *
 * Everything is first read as it is (files, a forgiving parse of the
 * uidlist, the index, the keywords), then judged, then, in a repair and
 * under the folder lock, put right in an order where each step can only
 * help the next: duplicates, names, the uidlist, the index, and last a
 * folder_sync() that gives UIDs to files still without one and rebuilds
 * the index.
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

#include "dotlock.h"
#include "folder.h"
#include "index.h"
#include "keywords.h"
#include "maildir-name.h"
#include "repair-int.h"
#include "util.h"

struct mfile {
	char *name;
	size_t base_len;
	bool in_new;
	bool gone;	/* deleted: a copy of a file that is kept */
	bool rebased;	/* given a new base name, so it gets a new UID */
};

struct fstate {
	struct repair *r;
	const char *dir, *name;
	struct folder *f;		/* locked, in a repair */
	struct mfile *files;
	size_t nfiles, cap;
	struct strmap by_base;		/* files still there, by base name */
	struct repair_uidlist ul;
	bool ul_exists;
	struct index_summary idx;
	int idx_ret;
	struct keywords kw;
	uint32_t named_kw;		/* keyword letters with a name */
	bool changed;			/* a repair changed something */
	const char *what;		/* the step under way, for errors */
};

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

static int scan_files(struct fstate *st)
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

static int fix_duplicates(struct fstate *st)
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

static int fix_names(struct fstate *st)
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

static int cmp_index_uid(const void *key, const void *elem)
{
	uint32_t uid = *(const uint32_t *)key;
	const struct index_entry *e = elem;

	return uid < e->uid ? -1 : uid > e->uid;
}

static bool index_has_uid(const struct index_summary *idx, uint32_t uid)
{
	return idx->count > 0 &&
	       bsearch(&uid, idx->entries, idx->count, sizeof(*idx->entries),
		       cmp_index_uid) != NULL;
}

static int cmp_rec_uid(const void *key, const void *elem)
{
	uint32_t uid = *(const uint32_t *)key;
	const struct repair_uidrec *r = elem;

	return uid < r->uid ? -1 : uid > r->uid;
}

/* Is the UID taken by a record that stays?  (Records are sorted by UID;
 * a dropped one may share its UID with one that stays.) */
static bool uid_taken(const struct repair_uidlist *ul, uint32_t uid)
{
	const struct repair_uidrec *r;
	size_t i;

	if (ul->count == 0)
		return false;
	r = bsearch(&uid, ul->recs, ul->count, sizeof(*ul->recs), cmp_rec_uid);
	if (r == NULL)
		return false;
	for (i = (size_t)(r - ul->recs); i > 0 && ul->recs[i - 1].uid == uid; )
		i--;
	for (; i < ul->count && ul->recs[i].uid == uid; i++)
		if (!ul->recs[i].dropped)
			return true;
	return false;
}

/* What the records and files say of each other. */
struct verdict {
	uint32_t uidvalidity;		/* 0: nothing records it */
	const char *uidv_from;
	bool idx_match;			/* index made for that UIDVALIDITY */
	unsigned long kept;		/* records with a file */
	unsigned long lost;		/* records without a file, not
					   expunged by mailtree */
	unsigned long expunged;		/* records of expunged messages */
	unsigned long nouid_cur;	/* files in cur/ without a record */
	unsigned long nouid_new;	/* files in new/ without a record */
	unsigned long restorable;	/* of those, known to the index */
	unsigned long idx_gone;		/* index entries without a file */
	uint32_t *restore_uid;		/* per file: UID from the index */
	bool rewrite;			/* the uidlist must be rewritten */
	bool drop_index;
};

static void judge(struct fstate *st, struct verdict *v)
{
	const struct repair_uidlist *ul = &st->ul;
	struct strmap by_rec, by_idx;
	size_t i, k;

	memset(v, 0, sizeof(*v));
	if (ul->header_ok) {
		v->uidvalidity = ul->hdr.uidvalidity;
		v->uidv_from = "kept";
	} else if (st->idx_ret == 0 && st->idx.uidvalidity != 0) {
		v->uidvalidity = st->idx.uidvalidity;
		v->uidv_from = "recovered from " INDEX_NAME;
	}
	v->idx_match = st->idx_ret == 0 && v->uidvalidity != 0 &&
		       st->idx.uidvalidity == v->uidvalidity;

	strmap_init(&by_rec);
	for (i = 0; i < ul->count; i++) {
		const struct repair_uidrec *r = &ul->recs[i];

		if (r->dropped)
			continue;
		strmap_put(&by_rec, r->base, strlen(r->base), i);
		if (strmap_get(&st->by_base, r->base, strlen(r->base), &k))
			v->kept++;
		else if (v->idx_match && !index_has_uid(&st->idx, r->uid))
			v->expunged++;
		else
			v->lost++;
	}
	strmap_init(&by_idx);
	for (i = 0; i < st->idx.count; i++) {
		const struct index_entry *e = &st->idx.entries[i];

		strmap_put(&by_idx, e->name, e->base_len, i);
		if (!strmap_get(&st->by_base, e->name, e->base_len, &k))
			v->idx_gone++;
	}
	v->restore_uid = xcalloc(st->nfiles ? st->nfiles : 1,
				 sizeof(*v->restore_uid));
	for (i = 0; i < st->nfiles; i++) {
		const struct mfile *m = &st->files[i];

		if (m->gone || strmap_get(&by_rec, m->name, m->base_len, &k))
			continue;
		if (m->in_new)
			v->nouid_new++;
		else
			v->nouid_cur++;
		if (v->idx_match && !m->rebased &&
		    strmap_get(&by_idx, m->name, m->base_len, &k) &&
		    !uid_taken(ul, st->idx.entries[k].uid)) {
			v->restore_uid[i] = st->idx.entries[k].uid;
			v->restorable++;
		}
	}
	strmap_release(&by_rec);
	strmap_release(&by_idx);

	if (st->ul_exists)
		v->rewrite = !ul->header_ok || ul->broken_lines > 0 ||
			     ul->out_of_order > 0 || ul->dup_bases > 0 ||
			     ul->dup_uids > 0 || v->lost > 0 ||
			     v->restorable > 0;
	else
		v->rewrite = st->nfiles > 0 || st->idx_ret == 0;
	v->drop_index = st->idx_ret == -EINVAL ||
			(st->idx_ret == 0 && !v->idx_match) ||
			(v->idx_match && v->idx_gone > 0);
}

static void report(struct fstate *st, const struct verdict *v)
{
	struct repair *r = st->r;
	const struct repair_uidlist *ul = &st->ul;
	const char *recover = v->uidvalidity != 0 ?
		"; its UIDVALIDITY can be recovered from " INDEX_NAME :
		"; nothing else records its UIDVALIDITY, so a repair must "
		"give the folder a new one and clients will download it again";

	if (!st->ul_exists && v->rewrite)
		repair_say(r, st->name, REPAIR_PROBLEM,
			   UIDLIST_NAME " is missing%s", recover);
	else if (!st->ul_exists)
		repair_say(r, st->name, REPAIR_NOTE,
			   "no " UIDLIST_NAME " yet; the first sync makes it");
	else if (!ul->header_ok)
		repair_say(r, st->name, REPAIR_PROBLEM,
			   UIDLIST_NAME " has an unreadable header%s", recover);
	if (ul->broken_lines > 0)
		repair_say(r, st->name, REPAIR_PROBLEM,
			   "%u unreadable %s in " UIDLIST_NAME,
			   ul->broken_lines,
			   repair_plural(ul->broken_lines, "line", "lines"));
	if (ul->out_of_order > 0)
		repair_say(r, st->name, REPAIR_PROBLEM,
			   "%u %s out of order in " UIDLIST_NAME,
			   ul->out_of_order,
			   repair_plural(ul->out_of_order, "UID", "UIDs"));
	if (ul->dup_bases > 0)
		repair_say(r, st->name, REPAIR_PROBLEM,
			   "%u base %s listed twice in " UIDLIST_NAME
			   " (the later line wins)", ul->dup_bases,
			   repair_plural(ul->dup_bases, "name", "names"));
	if (ul->dup_uids > 0)
		repair_say(r, st->name, REPAIR_PROBLEM,
			   "%u %s given to two files in " UIDLIST_NAME
			   " (the earlier line keeps it)", ul->dup_uids,
			   repair_plural(ul->dup_uids, "UID", "UIDs"));
	if (v->lost > 0)
		repair_say(r, st->name, REPAIR_PROBLEM,
			   "%lu UID %s in " UIDLIST_NAME
			   " for files that are gone", v->lost,
			   repair_plural(v->lost, "line", "lines"));
	if (v->expunged > 0)
		repair_say(r, st->name, REPAIR_NOTE,
			   "%lu UID %s of expunged messages kept until the "
			   "next compaction of " UIDLIST_NAME, v->expunged,
			   repair_plural(v->expunged, "line", "lines"));
	if (v->nouid_cur > 0)
		repair_say(r, st->name, REPAIR_PROBLEM,
			   "%lu message %s in cur/ %s no UID", v->nouid_cur,
			   repair_plural(v->nouid_cur, "file", "files"),
			   repair_plural(v->nouid_cur, "has", "have"));
	/* Dovecot's and procmail's deliveries leave new mail in new/
	 * for the next sync to number: normal, unless the index knew it. */
	if (v->nouid_new > 0)
		repair_say(r, st->name, v->restorable > 0 || !ul->header_ok ?
			   REPAIR_PROBLEM : REPAIR_NOTE,
			   "%lu message %s in new/ %s no UID yet",
			   v->nouid_new,
			   repair_plural(v->nouid_new, "file", "files"),
			   repair_plural(v->nouid_new, "has", "have"));
	if (v->restorable > 0)
		repair_say(r, st->name, REPAIR_NOTE,
			   "%lu of the files without a UID can get their old "
			   "UID back from " INDEX_NAME, v->restorable);
	if (st->idx_ret == -EINVAL)
		repair_say(r, st->name, REPAIR_PROBLEM,
			   INDEX_NAME " is damaged (bad size or checksum)");
	else if (st->idx_ret == 0 && !v->idx_match)
		repair_say(r, st->name, REPAIR_PROBLEM,
			   INDEX_NAME " was made for UIDVALIDITY %u, the "
			   "folder has %u", st->idx.uidvalidity,
			   v->uidvalidity);
	else if (v->drop_index)
		repair_say(r, st->name, REPAIR_PROBLEM,
			   INDEX_NAME " lists %lu %s whose files are gone",
			   v->idx_gone,
			   repair_plural(v->idx_gone, "message", "messages"));
}

/*
 * A UIDVALIDITY for a folder whose old one is lost: the current time, but
 * above the last one given in this mailbox, kept in dovecot-uidvalidity
 * as mailbox.c and Dovecot keep it, so it differs from the lost one even
 * when the folder was made this very second.
 */
static uint32_t new_uidvalidity(const struct repair *r)
{
	static const struct dotlock_settings set = { 120, 30 };
	struct buf path = BUF_INIT, data = BUF_INIT;
	struct dotlock lock;
	uint32_t last = 0, v = (uint32_t)r->now;

	if (r->mailbox_root == NULL)
		return v;
	buf_printf(&path, "%s/dovecot-uidvalidity", r->mailbox_root);
	if (dotlock_create(path.data, &set, &lock) == 0) {
		if (read_file_small(path.data, 64, &data) == 0)
			last = (uint32_t)strtoul(data.data, NULL, 16);
		if (v <= last)
			v = last + 1;
		buf_reset(&data);
		buf_printf(&data, "%08x", v);
		if (write_file_atomic(path.data, data.data, data.len, 0600) < 0)
			log_warn("%s: cannot record UIDVALIDITY %u", path.data,
				 v);
		dotlock_delete(&lock);
	}
	buf_release(&path);
	buf_release(&data);
	return v;
}

struct newrec {
	uint32_t uid;
	const char *base;
	size_t base_len;
	const char *ext;
};

static int cmp_newrec(const void *a, const void *b)
{
	const struct newrec *x = a, *y = b;

	return x->uid < y->uid ? -1 : x->uid > y->uid;
}

/* Writes the uidlist from the records that have files and those the
 * index gives back.  A separate struct uidlist is used so the folder
 * reads the result afresh at its next sync.  *next_r is the next UID. */
static int rewrite_uidlist(struct fstate *st, const struct verdict *v,
			   uint32_t *next_r)
{
	struct repair *r = st->r;
	const struct repair_uidlist *ul = &st->ul;
	struct newrec *nr;
	struct uidlist out;
	size_t i, n = 0, k;
	uint32_t next;
	bool fresh = v->uidvalidity == 0;
	int ret = 0;

	nr = xcalloc(ul->count + st->nfiles + 1, sizeof(*nr));
	for (i = 0; i < ul->count; i++) {
		const struct repair_uidrec *rec = &ul->recs[i];

		if (!rec->dropped &&
		    strmap_get(&st->by_base, rec->base, strlen(rec->base), &k))
			nr[n++] = (struct newrec){ rec->uid, rec->base,
						   strlen(rec->base), rec->ext };
	}
	for (i = 0; i < st->nfiles; i++)
		if (v->restore_uid[i] != 0)
			nr[n++] = (struct newrec){ v->restore_uid[i],
						   st->files[i].name,
						   st->files[i].base_len, NULL };
	qsort(nr, n, sizeof(*nr), cmp_newrec);

	uidlist_init(&out, st->dir);
	out.version = 3;
	out.uidvalidity = fresh ? new_uidvalidity(r) : v->uidvalidity;
	if (ul->header_ok) {
		memcpy(out.guid, ul->hdr.guid, sizeof(out.guid));
		if (ul->hdr.hdr_extra != NULL)
			out.hdr_extra = xstrdup(ul->hdr.hdr_extra);
	}
	for (i = 0; i < n && ret == 0; i++) {
		ret = uidlist_add_uid(&out, nr[i].uid, nr[i].base,
				      nr[i].base_len);
		if (ret == 0 && nr[i].ext != NULL)
			out.recs[out.count - 1].ext = xstrdup(nr[i].ext);
	}
	/* Never lower the next UID: not below any UID ever read, the
	 * header's, or the index's. */
	next = out.next_uid;
	if (ul->header_ok && ul->hdr.next_uid > next)
		next = ul->hdr.next_uid;
	if (ul->count > 0 && ul->max_uid + 1 > next)
		next = ul->max_uid + 1;
	if (v->idx_match && st->idx.next_uid > next)
		next = st->idx.next_uid;
	out.next_uid = next;
	if (ret == 0)
		ret = uidlist_write(&out, true);
	if (ret == 0) {
		struct buf what = BUF_INIT;

		buf_printf(&what, "%lu %s kept", v->kept,
			   repair_plural(v->kept, "UID", "UIDs"));
		if (v->restorable > 0)
			buf_printf(&what, ", %lu restored from " INDEX_NAME,
				   v->restorable);
		if (v->lost + v->expunged > 0)
			buf_printf(&what, ", %lu %s without files dropped",
				   v->lost + v->expunged,
				   repair_plural(v->lost + v->expunged, "line",
						 "lines"));
		repair_say(r, st->name, REPAIR_FIXED,
			   "rewrote " UIDLIST_NAME ": %s; UIDVALIDITY %u "
			   "(%s), next UID %u", what.data, out.uidvalidity,
			   fresh ? "NEW" : v->uidv_from, next);
		buf_release(&what);
		if (fresh) {
			log_warn("%s: gave the folder a new UIDVALIDITY %u; "
				 "IMAP clients will download it again",
				 st->dir, out.uidvalidity);
			repair_say(r, st->name, REPAIR_FIXED,
				   "gave the folder a NEW UIDVALIDITY %u: "
				   "IMAP clients will download it again",
				   out.uidvalidity);
		}
	} else {
		st->what = "cannot rewrite " UIDLIST_NAME;
	}
	*next_r = next;
	uidlist_release(&out);
	free(nr);
	return ret;
}

/* The next UID the uidlist says, when it is not rewritten. */
static uint32_t current_next(const struct fstate *st)
{
	uint32_t next = st->ul.header_ok ? st->ul.hdr.next_uid : 1;

	if (st->ul.count > 0 && st->ul.max_uid + 1 > next)
		next = st->ul.max_uid + 1;
	return next;
}

static int fix(struct fstate *st, const struct verdict *v)
{
	struct repair *r = st->r;
	struct buf p = BUF_INIT;
	uint32_t next = current_next(st);
	unsigned long nouid = v->nouid_cur + v->nouid_new - v->restorable;
	int ret = 0;

	if (v->rewrite) {
		ret = rewrite_uidlist(st, v, &next);
		st->changed = true;
	}
	if (ret == 0 && v->drop_index) {
		buf_printf(&p, "%s/" INDEX_NAME, st->dir);
		if (unlink(p.data) < 0 && errno != ENOENT) {
			ret = -errno;
			st->what = "cannot delete " INDEX_NAME;
		}
		st->changed = true;
	}
	if (ret < 0 || (!st->changed && nouid == 0))
		goto out;
	/* The folder's own sync numbers what is left and rebuilds the
	 * index, keeping MODSEQs above its change log. */
	st->what = "sync after the repair failed";
	ret = folder_sync(st->f);
	if (ret < 0)
		goto out;
	if (folder_uidnext(st->f) == next + 1)
		repair_say(r, st->name, REPAIR_FIXED,
			   "gave 1 message file UID %u", next);
	else if (folder_uidnext(st->f) > next)
		repair_say(r, st->name, REPAIR_FIXED,
			   "gave %u message files UIDs %u-%u",
			   folder_uidnext(st->f) - next, next,
			   folder_uidnext(st->f) - 1);
	if (v->drop_index)
		repair_say(r, st->name, REPAIR_FIXED,
			   "deleted " INDEX_NAME " and rebuilt it from the "
			   "files (highest MODSEQ now %llu)",
			   (unsigned long long)st->f->highest_modseq);
out:
	buf_release(&p);
	return ret;
}

static void fstate_release(struct fstate *st)
{
	size_t i;

	for (i = 0; i < st->nfiles; i++)
		free(st->files[i].name);
	free(st->files);
	strmap_release(&st->by_base);
	repair_uidlist_release(&st->ul);
	index_summary_release(&st->idx);
	keywords_release(&st->kw);
	folder_free(&st->f);
}

int repair_messages(struct repair *r, const char *dir, const char *name)
{
	struct fstate st;
	struct verdict v;
	struct buf p = BUF_INIT;
	size_t i;
	int ret;

	memset(&st, 0, sizeof(st));
	memset(&v, 0, sizeof(v));
	st.r = r;
	st.dir = dir;
	st.name = name;
	strmap_init(&st.by_base);
	keywords_init(&st.kw, dir);
	repair_uidlist_init(&st.ul);
	st.what = "cannot lock the folder";
	if (r->fix) {
		ret = folder_open_lazy(dir, &st.f);
		if (ret == 0)
			ret = folder_lock(st.f);
		if (ret < 0)
			goto out;
	}
	st.what = "cannot read the folder";
	ret = scan_files(&st);
	if (ret < 0)
		goto out;
	buf_printf(&p, "%s/" UIDLIST_NAME, dir);
	repair_uidlist_release(&st.ul);
	st.what = "cannot read " UIDLIST_NAME;
	ret = repair_uidlist_read(p.data, &st.ul);
	st.ul_exists = ret != -ENOENT;
	if (ret < 0 && ret != -ENOENT)
		goto out;
	st.what = "cannot read " INDEX_NAME;
	st.idx_ret = index_read_summary(dir, &st.idx);
	if (st.idx_ret < 0 && st.idx_ret != -ENOENT && st.idx_ret != -EINVAL) {
		ret = st.idx_ret;
		goto out;
	}
	st.what = "cannot read " KEYWORDS_NAME;
	ret = keywords_refresh(&st.kw);
	if (ret < 0)
		goto out;
	for (i = 0; i < KEYWORDS_MAX; i++)
		if (st.kw.names[i] != NULL)
			st.named_kw |= 1u << i;

	ret = fix_duplicates(&st);
	if (ret == 0)
		ret = fix_names(&st);
	if (ret < 0)
		goto out;
	for (i = 0; i < st.nfiles; i++)
		if (!st.files[i].gone)
			strmap_put(&st.by_base, st.files[i].name,
				   st.files[i].base_len, i);
	judge(&st, &v);
	report(&st, &v);
	if (r->fix)
		ret = fix(&st, &v);
out:
	if (ret < 0)
		log_error("%s: %s: %s", dir, st.what, strerror(-ret));
	free(v.restore_uid);
	buf_release(&p);
	fstate_release(&st);
	return ret;
}
