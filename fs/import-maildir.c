/* Importing Maildir folders, keeping flags, keywords, dates and UIDs;
 * see import.h. */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "folder.h"
#include "import-int.h"
#include "mailbox.h"
#include "maildir-name.h"
#include "save.h"
#include "util.h"

/* A long import under the folder lock refreshes the lock this often, so
 * other processes do not take it for stale (see dotlock.h). */
#define LOCK_TOUCH_SECS 10

/* Maildir sources */

static int cmp_source_msg(const void *a, const void *b)
{
	const struct maildir_source_msg *x = a, *y = b;

	if (x->uid != 0 && y->uid != 0)
		return x->uid < y->uid ? -1 : x->uid > y->uid;
	if (x->uid != 0 || y->uid != 0)
		return x->uid != 0 ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* Lists new/ then cur/ of a source folder into src->msgs. */
static int source_scan(struct maildir_source *src)
{
	static const char *const subs[] = { "new", "cur" };
	struct buf path = BUF_INIT;
	struct strmap seen;
	char **keys = NULL;	/* the map's keys: names change, bases not */
	size_t i, cap = 0, keys_cap = 0;
	int ret = 0;

	strmap_init(&seen);
	for (i = 0; i < ARRAY_SIZE(subs) && ret == 0; i++) {
		struct dirent *de;
		DIR *d;

		buf_reset(&path);
		buf_printf(&path, "%s/%s", src->dir, subs[i]);
		d = opendir(path.data);
		if (d == NULL) {
			ret = -errno;
			break;
		}
		while ((de = readdir(d)) != NULL) {
			struct maildir_source_msg *m;
			struct maildir_name mn;
			size_t dup;

			if (maildir_name_parse(de->d_name, &mn) < 0 ||
			    strpbrk(de->d_name, "\r\n") != NULL)
				continue;
			/* In new/ and cur/ at once: a rename raced with our
			 * listing, and cur/ is the newer name. */
			if (strmap_get(&seen, de->d_name, mn.base_len, &dup)) {
				m = &src->msgs[dup];
			} else {
				src->msgs = xgrow(src->msgs, &cap,
						  src->count + 1,
						  sizeof(*src->msgs));
				keys = xgrow(keys, &keys_cap, src->count + 1,
					     sizeof(*keys));
				keys[src->count] = xstrndup(de->d_name,
							    mn.base_len);
				strmap_put(&seen, keys[src->count],
					   mn.base_len, src->count);
				m = &src->msgs[src->count++];
				m->name = NULL;
			}
			free(m->name);
			m->name = xstrdup(de->d_name);
			m->base_len = (uint32_t)mn.base_len;
			m->in_new = i == 0;
			m->flags = mn.flags;
			m->keywords = mn.keywords;
			m->uid = 0;
			if (src->uidlist.exists) {
				const struct uidlist_rec *r = uidlist_find_base(
					&src->uidlist, m->name, m->base_len);
				if (r != NULL)
					m->uid = r->uid;
			}
		}
		closedir(d);
	}
	strmap_release(&seen);
	for (i = 0; i < src->count; i++)
		free(keys[i]);
	free(keys);
	buf_release(&path);
	if (ret == 0 && src->count > 1)
		qsort(src->msgs, src->count, sizeof(*src->msgs),
		      cmp_source_msg);
	return ret;
}

int maildir_source_open(const char *dir, struct maildir_source **src_r)
{
	struct maildir_source *src;
	struct buf cur = BUF_INIT;
	struct stat st;
	int ret;

	buf_printf(&cur, "%s/cur", dir);
	ret = stat(cur.data, &st) < 0 ? -errno : 0;
	if (ret == 0 && !S_ISDIR(st.st_mode))
		ret = -ENOTDIR;
	buf_release(&cur);
	if (ret < 0)
		return ret;
	src = xcalloc(1, sizeof(*src));
	src->dir = xstrdup(dir);
	uidlist_init(&src->uidlist, dir);
	keywords_init(&src->keywords, dir);
	ret = uidlist_refresh(&src->uidlist);
	if (ret == -EINVAL || (ret >= 0 && src->uidlist.exists &&
			       (src->uidlist.broken ||
				src->uidlist.uidvalidity == 0))) {
		log_warn("%s: dovecot-uidlist is damaged; its messages get "
			 "new UIDs", dir);
		uidlist_release(&src->uidlist);
		uidlist_init(&src->uidlist, dir);
		ret = 0;
	}
	if (ret >= 0)
		ret = keywords_refresh(&src->keywords);
	if (ret >= 0)
		ret = source_scan(src);
	if (ret < 0) {
		maildir_source_free(&src);
		return ret;
	}
	*src_r = src;
	return 0;
}

void maildir_source_free(struct maildir_source **srcp)
{
	struct maildir_source *src = *srcp;
	size_t i;

	if (src == NULL)
		return;
	for (i = 0; i < src->count; i++)
		free(src->msgs[i].name);
	free(src->msgs);
	uidlist_release(&src->uidlist);
	keywords_release(&src->keywords);
	free(src->dir);
	free(src);
	*srcp = NULL;
}

static int cmp_source_folder(const void *a, const void *b)
{
	const struct maildir_source_folder *x = a, *y = b;

	return strcmp(x->name, y->name);
}

static bool has_cur(const char *dir)
{
	struct buf p = BUF_INIT;
	struct stat st;
	bool ok;

	buf_printf(&p, "%s/cur", dir);
	ok = stat(p.data, &st) == 0 && S_ISDIR(st.st_mode);
	buf_release(&p);
	return ok;
}

int maildir_source_folders(const char *root,
			   struct maildir_source_folder **folders_r,
			   size_t *count_r)
{
	struct maildir_source_folder *fl = NULL;
	struct buf dir = BUF_INIT, name = BUF_INIT;
	size_t n = 0, cap = 0, first = 0;
	struct dirent *de;
	DIR *d;

	d = opendir(root);
	if (d == NULL)
		return -errno;
	if (has_cur(root)) {
		fl = xgrow(fl, &cap, 1, sizeof(*fl));
		fl[0].name = xstrdup("INBOX");
		fl[0].dir = xstrdup(root);
		n = first = 1;
	}
	while ((de = readdir(d)) != NULL) {
		/* ".", "..", and the "..new"/"..trash" work directories of
		 * mailtree are not folders. */
		if (de->d_name[0] != '.' || de->d_name[1] == '\0' ||
		    de->d_name[1] == '.')
			continue;
		buf_reset(&dir);
		buf_printf(&dir, "%s/%s", root, de->d_name);
		if (!has_cur(dir.data))
			continue;
		if (mailbox_dir_to_name(de->d_name, &name) < 0) {
			log_warn("%s: not a Maildir++ folder name; skipped",
				 dir.data);
			continue;
		}
		fl = xgrow(fl, &cap, n + 1, sizeof(*fl));
		fl[n].name = buf_detach(&name);
		fl[n].dir = buf_detach(&dir);
		n++;
	}
	closedir(d);
	buf_release(&dir);
	buf_release(&name);
	if (n > first)
		qsort(fl + first, n - first, sizeof(*fl), cmp_source_folder);
	*folders_r = fl;
	*count_r = n;
	return 0;
}

void maildir_source_folders_free(struct maildir_source_folder *folders,
				 size_t count)
{
	size_t i;

	for (i = 0; i < count; i++) {
		free(folders[i].name);
		free(folders[i].dir);
	}
	free(folders);
}

/* Finds a message again after its file was renamed (a flag change by the
 * source's owner).  Returns -ENOENT when it was expunged. */
static int source_refind(const struct maildir_source *src,
			 struct maildir_source_msg *m)
{
	static const char *const subs[] = { "cur", "new" };
	struct buf path = BUF_INIT;
	size_t i;
	int ret = -ENOENT;

	for (i = 0; i < ARRAY_SIZE(subs) && ret == -ENOENT; i++) {
		struct dirent *de;
		DIR *d;

		buf_reset(&path);
		buf_printf(&path, "%s/%s", src->dir, subs[i]);
		d = opendir(path.data);
		if (d == NULL)
			continue;
		while ((de = readdir(d)) != NULL) {
			struct maildir_name mn;

			if (maildir_name_parse(de->d_name, &mn) < 0 ||
			    mn.base_len != m->base_len ||
			    memcmp(de->d_name, m->name, m->base_len) != 0)
				continue;
			free(m->name);
			m->name = xstrdup(de->d_name);
			m->in_new = i == 1;
			m->flags = mn.flags;
			m->keywords = mn.keywords;
			ret = 0;
			break;
		}
		closedir(d);
	}
	buf_release(&path);
	return ret;
}

static int source_msg_open(const struct maildir_source *src,
			   struct maildir_source_msg *m, struct buf *path,
			   int *fd_r)
{
	int attempt, fd, ret = 0;

	for (attempt = 0; attempt < 3; attempt++) {
		buf_reset(path);
		buf_printf(path, "%s/%s/%s", src->dir, m->in_new ? "new" : "cur",
			   m->name);
		fd = open(path->data, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			*fd_r = fd;
			return 0;
		}
		ret = -errno;
		if (ret != -ENOENT || (ret = source_refind(src, m)) < 0)
			break;
	}
	return ret;
}

/* Source keyword letter -> target letter, worked out on first use. */
struct keyword_map {
	int to[KEYWORDS_MAX];	/* -2 not yet known, -1 dropped */
};

static int map_keywords(struct keyword_map *km, const struct maildir_source *src,
			struct folder *dst, uint32_t kw, uint32_t *kw_r)
{
	uint32_t out = 0;
	int i, idx;

	for (i = 0; i < KEYWORDS_MAX; i++) {
		if (!(kw & (1u << i)))
			continue;
		if (km->to[i] == -2) {
			const char *name = src->keywords.names[i];

			/* A letter without a name means nothing we could
			 * keep; Dovecot ignores it too. */
			idx = -1;
			if (name != NULL) {
				idx = folder_keyword_index(dst, name, true);
				if (idx == -ENOSPC) {
					log_warn("%s: no keyword letter left "
						 "for %s; dropped", dst->dir,
						 name);
					idx = -1;
				} else if (idx < 0) {
					return idx;
				}
			}
			km->to[i] = idx;
		}
		if (km->to[i] >= 0)
			out |= 1u << km->to[i];
	}
	*kw_r = out;
	return 0;
}

/* Copies one source message; want_uid 0 lets the folder give the UID. */
static int import_one(struct maildir_source *src, struct maildir_source_msg *m,
		      struct folder *dst, struct keyword_map *km,
		      uint32_t want_uid, struct import_progress *p)
{
	struct buf path = BUF_INIT;
	struct save *s = NULL;
	struct stat st;
	uint32_t kw = 0, uid = 0;
	uint64_t size;
	int fd = -1, ret;

	ret = source_msg_open(src, m, &path, &fd);
	if (ret == -ENOENT) {
		log_warn("%s/%s/%.*s: expunged while importing; skipped",
			 src->dir, m->in_new ? "new" : "cur", (int)m->base_len,
			 m->name);
		p->vanished++;
		buf_release(&path);
		return 0;
	}
	if (ret == 0 && fstat(fd, &st) < 0)
		ret = -errno;
	if (ret == 0)
		ret = map_keywords(km, src, dst, m->keywords, &kw);
	if (ret == 0)
		ret = save_begin(dst, &s);
	if (ret == 0)
		ret = import_copy_fd(fd, s, p);
	if (ret == 0) {
		size = save_size(s);
		ret = save_finish_uid(&s, m->flags, kw, st.st_mtim.tv_sec,
				      want_uid, &uid);
		if (ret == 0 && want_uid != 0 && uid != want_uid)
			ret = -EIO;
		if (ret == 0)
			import_progress_message(p, size);
	}
	if (s != NULL)
		save_abort(&s);
	if (fd >= 0)
		close(fd);
	if (ret < 0) {
		buf_reset(&p->where);
		buf_append(&p->where, path.data, path.len);
	}
	buf_release(&path);
	return ret;
}

static bool keep_none(uint32_t uid, void *ctx)
{
	(void)uid;
	(void)ctx;
	return false;
}

int import_maildir_folder(struct maildir_source *src, struct folder *dst,
			  struct import_progress *p, bool *kept_uids_r)
{
	struct keyword_map km;
	bool keep = false;
	time_t touched;
	size_t i;
	int ret;

	for (i = 0; i < KEYWORDS_MAX; i++)
		km.to[i] = -2;
	buf_reset(&p->where);
	ret = folder_lock(dst);
	if (ret < 0)
		return ret;
	ret = folder_sync(dst);
	if (ret > 0)
		ret = 0;	/* it changed: fine, we work on the new view */
	if (ret == 0 && src->uidlist.exists && dst->count == 0) {
		/* An empty folder may take a new UIDVALIDITY: clients throw
		 * away what they knew of it, which was nothing. */
		keep = true;
		uidlist_filter(&dst->uidlist, keep_none, NULL);
		uidlist_new_validity(&dst->uidlist, src->uidlist.uidvalidity);
		dst->uidlist.next_uid = 1;
		ret = uidlist_write(&dst->uidlist, true);
	}
	if (ret < 0 || !keep)
		folder_unlock(dst);
	if (ret < 0)
		return ret;

	touched = time(NULL);
	for (i = 0; i < src->count && ret == 0; i++) {
		struct maildir_source_msg *m = &src->msgs[i];
		uint32_t want = 0;

		if (keep && m->uid != 0) {
			want = m->uid;
		} else if (keep && dst->uidlist.next_uid < src->uidlist.next_uid) {
			/* Messages the source had no UID for come after
			 * every UID the source gave out. */
			dst->uidlist.next_uid = src->uidlist.next_uid;
		}
		ret = import_one(src, m, dst, &km, want, p);
		if (keep && ret == 0 && time(NULL) - touched >= LOCK_TOUCH_SECS) {
			ret = dotlock_touch(&dst->lock);
			touched = time(NULL);
		}
	}
	if (keep) {
		/* Appends leave the header as it was written first; rewrite
		 * it so that it shows the next UID, as the source's did. */
		if (ret == 0) {
			if (dst->uidlist.next_uid < src->uidlist.next_uid)
				dst->uidlist.next_uid = src->uidlist.next_uid;
			ret = uidlist_write(&dst->uidlist, true);
		}
		/* The view (and the index written when the lock goes) must
		 * show the messages, not the empty folder we started with. */
		if (ret == 0)
			ret = folder_sync(dst);
		if (ret > 0)
			ret = 0;
		folder_unlock(dst);
	}
	if (kept_uids_r != NULL)
		*kept_uids_r = keep;
	return ret;
}
