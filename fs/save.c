/* Saving new messages into a folder; see save.h. */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "folder.h"
#include "maildir-name.h"
#include "save.h"
#include "util.h"

struct save {
	struct folder *folder;
	int fd;
	struct buf tmp_path;	/* empty once renamed into place */
	/* Set by save_prepare(): the final name and path. */
	struct buf name, dest;
	size_t base_len;	/* of name, without ":2,..." */
	bool in_cur;
	uint32_t want_uid;
	uint64_t size;
	uint64_t bare_lf;	/* LFs without a CR before them */
	char last;
	uint64_t start_usec;
};

static uint64_t now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

int save_begin(struct folder *f, struct save **save_r)
{
	struct save *s = xcalloc(1, sizeof(*s));
	struct buf name = BUF_INIT;
	int attempt;

	s->folder = f;
	s->fd = -1;
	buf_init(&s->tmp_path);
	buf_init(&s->name);
	buf_init(&s->dest);
	for (attempt = 0; attempt < 10; attempt++) {
		s->start_usec = now_usec();
		buf_reset(&name);
		/* The sizes are not known yet; the final name gets them. */
		maildir_name_new_base(&name, s->start_usec, 0, 0);
		name.len = strcspn(name.data, ",");
		name.data[name.len] = '\0';
		buf_reset(&s->tmp_path);
		buf_printf(&s->tmp_path, "%s/tmp/%s", f->dir, name.data);
		s->fd = open(s->tmp_path.data,
			     O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (s->fd >= 0 || errno != EEXIST)
			break;
	}
	buf_release(&name);
	if (s->fd < 0) {
		int ret = -errno;
		buf_release(&s->tmp_path);
		buf_release(&s->name);
		buf_release(&s->dest);
		free(s);
		return ret;
	}
	*save_r = s;
	return 0;
}

int save_write(struct save *s, const void *data, size_t len)
{
	const char *p = data;
	size_t i;
	int ret;

	for (i = 0; i < len; i++) {
		if (p[i] == '\n' && (i > 0 ? p[i - 1] : s->last) != '\r')
			s->bare_lf++;
	}
	if (len > 0)
		s->last = p[len - 1];
	ret = write_full(s->fd, data, len);
	if (ret < 0)
		return ret;
	s->size += len;
	return 0;
}

int save_sink(void *ctx, const void *data, size_t len)
{
	return save_write(ctx, data, len);
}

uint64_t save_size(const struct save *s)
{
	return s->size;
}

static void save_free(struct save **sp, bool unlink_tmp)
{
	struct save *s = *sp;

	if (s == NULL)
		return;
	if (s->fd >= 0)
		close(s->fd);
	if (unlink_tmp && s->tmp_path.len > 0)
		unlink(s->tmp_path.data);
	buf_release(&s->tmp_path);
	buf_release(&s->name);
	buf_release(&s->dest);
	free(s);
	*sp = NULL;
}

void save_abort(struct save **s)
{
	save_free(s, true);
}

int save_finish(struct save **sp, uint32_t flags, uint32_t keywords,
		time_t internal_date, uint32_t *uid_r)
{
	return save_finish_uid(sp, flags, keywords, internal_date, 0, uid_r);
}

int save_finish_uid(struct save **sp, uint32_t flags, uint32_t keywords,
		    time_t internal_date, uint32_t want_uid, uint32_t *uid_r)
{
	struct save *s = *sp;
	struct folder *f = s->folder;
	int ret;

	ret = save_prepare(s, flags, keywords, internal_date);
	if (ret < 0) {
		save_abort(sp);
		return ret;
	}
	s->want_uid = want_uid;
	save_commit(f, sp, 1, &ret, uid_r);
	return ret;
}

int save_prepare(struct save *s, uint32_t flags, uint32_t keywords,
		 time_t internal_date)
{
	struct timespec ts[2];

	if (internal_date != 0) {
		ts[0].tv_sec = ts[1].tv_sec = internal_date;
		ts[0].tv_nsec = ts[1].tv_nsec = 0;
		if (futimens(s->fd, ts) < 0)
			return -errno;
	}
	if (fsync(s->fd) < 0)
		return -errno;
	if (close(s->fd) < 0) {
		s->fd = -1;
		return -errno;
	}
	s->fd = -1;

	buf_reset(&s->name);
	maildir_name_new_base(&s->name, s->start_usec, s->size,
			      s->size + s->bare_lf);
	s->base_len = s->name.len;
	flags &= MFLAG_ALL;
	s->in_cur = flags != 0 || keywords != 0;
	if (s->in_cur)
		maildir_name_info(&s->name, flags, keywords, NULL);
	buf_reset(&s->dest);
	buf_printf(&s->dest, "%s/%s/%s", s->folder->dir,
		   s->in_cur ? "cur" : "new", s->name.data);
	return 0;
}

const char *save_folder_dir(const struct save *s)
{
	return s->folder->dir;
}

/* Renames the saves into place; ret[i] says which made it. */
static void commit_rename(struct save **saves, size_t n, int *ret)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct save *s = saves[i];

		ret[i] = rename(s->tmp_path.data, s->dest.data) < 0 ? -errno : 0;
		if (ret[i] == 0)
			buf_reset(&s->tmp_path);
	}
}

/* One fsync per directory that received a message.  A directory that
 * cannot be synced takes its messages back: not durable, so not a
 * success, and a retry by the sender must not store them twice (the
 * uidlist line it may have got names a file that is gone: the next sync
 * treats it as expunged). */
static void commit_sync_dirs(const char *folder_dir, struct save **saves,
			     size_t n, int *ret)
{
	static const char *const sub[2] = { "new", "cur" };
	struct buf dir = BUF_INIT;
	size_t i;
	int d, err;

	for (d = 0; d < 2; d++) {
		for (i = 0; i < n; i++)
			if (ret[i] == 0 && saves[i]->in_cur == (d == 1))
				break;
		if (i == n)
			continue;
		buf_reset(&dir);
		buf_printf(&dir, "%s/%s", folder_dir, sub[d]);
		err = fsync_dir(dir.data);
		if (err == 0)
			continue;
		for (i = 0; i < n; i++) {
			if (ret[i] == 0 && saves[i]->in_cur == (d == 1)) {
				unlink(saves[i]->dest.data);
				ret[i] = err;
			}
		}
	}
	buf_release(&dir);
}

/* When one save failed, removes the others from where they were put and
 * gives them its error (save_commit_all()). */
static void take_back_all(struct save **saves, size_t n, int *ret)
{
	int err = 0;
	size_t i;

	for (i = 0; i < n && err == 0; i++)
		if (ret[i] < 0)
			err = ret[i];
	if (err == 0)
		return;
	for (i = 0; i < n; i++) {
		if (ret[i] == 0)
			unlink(saves[i]->dest.data);
		ret[i] = err;
	}
}

/* UIDs for the saves that are in place, in one uidlist write whose
 * fdatasync() is left to *sync_fd (see uidlist_write_later()). */
static int commit_uids(struct folder *f, struct save **saves, size_t n,
		       const int *ret, uint32_t *uid_r, int *sync_fd)
{
	size_t i;
	int err;

	*sync_fd = -1;
	err = uidlist_refresh(&f->uidlist);
	if (err < 0)
		return err;
	if (!f->uidlist.exists && f->uidlist.uidvalidity == 0)
		uidlist_new_validity(&f->uidlist, (uint32_t)time(NULL));
	for (i = 0; i < n; i++) {
		struct save *s = saves[i];

		if (ret[i] < 0)
			continue;
		if (s->want_uid == 0) {
			uid_r[i] = uidlist_add(&f->uidlist, s->name.data,
					       s->base_len);
		} else if (uidlist_add_uid(&f->uidlist, s->want_uid,
					   s->name.data, s->base_len) == 0) {
			uid_r[i] = s->want_uid;
		}
	}
	return uidlist_write_later(&f->uidlist, false, sync_fd);
}

void save_commit_begin(struct folder *f, struct save **saves, size_t n,
		       int *ret_r, uint32_t *uids, struct save_later *later)
{
	size_t i;
	int ret;

	later->dir = xstrdup(f->dir);
	later->uidlist_fd = -1;
	later->uids_lost = false;
	for (i = 0; i < n; i++)
		uids[i] = 0;
	/* UIDs are given under the lock, right after the renames, so that
	 * UIDs follow the order in which messages became visible.  The
	 * fsyncs wait until the lock is released: the next commit into
	 * the folder (another process's, or the next group's) need not
	 * wait for this one's disk writes. */
	ret = folder_lock(f);
	for (i = 0; i < n; i++)
		ret_r[i] = ret;
	if (ret < 0)
		return;
	commit_rename(saves, n, ret_r);
	if (later->all_or_none)
		take_back_all(saves, n, ret_r);
	ret = commit_uids(f, saves, n, ret_r, uids, &later->uidlist_fd);
	folder_unlock(f);
	if (ret < 0) {
		log_warn("%s: %zu message(s) saved but UIDs not recorded: %s",
			 f->dir, n, strerror(-ret));
		later->uids_lost = true;
	}
}

void save_commit_end(struct save **saves, size_t n, int *ret_r,
		     uint32_t *uids, struct save_later *later)
{
	size_t i;

	commit_sync_dirs(later->dir, saves, n, ret_r);
	if (later->all_or_none)
		take_back_all(saves, n, ret_r);
	if (later->uidlist_fd >= 0) {
		if (fdatasync(later->uidlist_fd) < 0) {
			log_warn("%s: UIDs of %zu message(s) not synced: %s",
				 later->dir, n, strerror(errno));
			later->uids_lost = true;
		}
		close(later->uidlist_fd);
		later->uidlist_fd = -1;
	}
	/* The messages are safely in place even when their UID lines are
	 * not: the next sync of the folder gives them UIDs, so this is
	 * still a success for the sender, without a UID. */
	for (i = 0; i < n; i++) {
		if (ret_r[i] < 0 || later->uids_lost)
			uids[i] = 0;
		save_free(&saves[i], ret_r[i] < 0);
	}
	free(later->dir);
	later->dir = NULL;
}

static void commit_both(struct folder *f, struct save **saves, size_t n,
			int *ret_r, uint32_t *uid_r, bool all_or_none)
{
	uint32_t one_uid, *uids = n == 1 ? &one_uid : xcalloc(n, sizeof(*uids));
	struct save_later later = { .all_or_none = all_or_none };
	size_t i;

	save_commit_begin(f, saves, n, ret_r, uids, &later);
	save_commit_end(saves, n, ret_r, uids, &later);
	if (uid_r != NULL)
		for (i = 0; i < n; i++)
			uid_r[i] = uids[i];
	if (uids != &one_uid)
		free(uids);
}

void save_commit(struct folder *f, struct save **saves, size_t n, int *ret_r,
		 uint32_t *uid_r)
{
	commit_both(f, saves, n, ret_r, uid_r, false);
}

void save_commit_all(struct folder *f, struct save **saves, size_t n,
		     int *ret_r, uint32_t *uid_r)
{
	commit_both(f, saves, n, ret_r, uid_r, true);
}

int save_open_read(const struct save *s)
{
	int fd = open(s->tmp_path.data, O_RDONLY | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

/* The fallback of save_link(): the bytes copied into dst. */
static int save_copy_from(const struct save *src, struct save *dst)
{
	int fd = save_open_read(src), ret;

	if (fd < 0)
		return fd;
	ret = fd_copy(fd, save_sink, dst);
	close(fd);
	return ret;
}

int save_link(const struct save *src, struct folder *f, struct save **save_r)
{
	struct save *s;
	int ret;

	/* save_begin() reserves a unique name in f's tmp/ with O_EXCL; the
	 * empty file it made then gives way to the link. */
	ret = save_begin(f, &s);
	if (ret < 0)
		return ret;
	close(s->fd);
	s->fd = -1;
	if (unlink(s->tmp_path.data) < 0) {
		ret = -errno;
		goto fail;
	}
	if (link(src->tmp_path.data, s->tmp_path.data) < 0) {
		ret = -errno;
		if (ret != -EXDEV && ret != -EPERM) {
			/* The name is not ours any more: leave it be. */
			buf_reset(&s->tmp_path);
			goto fail;
		}
		s->fd = open(s->tmp_path.data, O_WRONLY | O_CREAT | O_EXCL |
			     O_CLOEXEC, 0600);
		if (s->fd < 0) {
			ret = -errno;
			goto fail;
		}
		ret = save_copy_from(src, s);
		if (ret < 0)
			goto fail;
		*save_r = s;
		return 0;
	}
	/* fsync() in save_finish() needs a descriptor; a read-only one
	 * will do. */
	s->fd = open(s->tmp_path.data, O_RDONLY | O_CLOEXEC);
	if (s->fd < 0) {
		ret = -errno;
		goto fail;
	}
	s->size = src->size;
	s->bare_lf = src->bare_lf;
	s->last = src->last;
	*save_r = s;
	return 0;
fail:
	save_abort(&s);
	return ret;
}
