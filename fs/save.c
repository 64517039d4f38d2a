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
	struct buf tmp_path;
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
	struct buf name = BUF_INIT, dest = BUF_INIT, dir = BUF_INIT;
	struct timespec ts[2];
	size_t base_len;
	uint32_t uid;
	int ret;

	if (internal_date != 0) {
		ts[0].tv_sec = ts[1].tv_sec = internal_date;
		ts[0].tv_nsec = ts[1].tv_nsec = 0;
		if (futimens(s->fd, ts) < 0) {
			ret = -errno;
			goto fail;
		}
	}
	if (fsync(s->fd) < 0) {
		ret = -errno;
		goto fail;
	}
	if (close(s->fd) < 0) {
		s->fd = -1;
		ret = -errno;
		goto fail;
	}
	s->fd = -1;

	maildir_name_new_base(&name, s->start_usec, s->size,
			      s->size + s->bare_lf);
	base_len = name.len;
	flags &= MFLAG_ALL;
	if (flags != 0 || keywords != 0) {
		maildir_name_info(&name, flags, keywords, NULL);
		buf_printf(&dir, "%s/cur", f->dir);
	} else {
		buf_printf(&dir, "%s/new", f->dir);
	}
	buf_printf(&dest, "%s/%s", dir.data, name.data);

	/* The UID is given under the lock, right after the rename, so that
	 * UIDs follow the order in which messages became visible. */
	ret = folder_lock(f);
	if (ret < 0)
		goto fail;
	if (rename(s->tmp_path.data, dest.data) < 0) {
		ret = -errno;
		folder_unlock(f);
		goto fail;
	}
	buf_reset(&s->tmp_path);
	ret = fsync_dir(dir.data);
	if (ret < 0) {
		/* Not durable, so not a success; take the message back so a
		 * retry by the sender does not store it twice. */
		unlink(dest.data);
		folder_unlock(f);
		goto fail;
	}
	ret = uidlist_refresh(&f->uidlist);
	if (ret >= 0) {
		if (!f->uidlist.exists && f->uidlist.uidvalidity == 0)
			uidlist_new_validity(&f->uidlist, (uint32_t)time(NULL));
		if (want_uid == 0) {
			uid = uidlist_add(&f->uidlist, name.data, base_len);
		} else {
			uid = want_uid;
			ret = uidlist_add_uid(&f->uidlist, uid, name.data,
					      base_len);
		}
		if (ret >= 0)
			ret = uidlist_write(&f->uidlist, false);
		if (ret == 0 && uid_r != NULL)
			*uid_r = uid;
	}
	folder_unlock(f);
	if (ret < 0) {
		/* The message is safely in place; only the UID line could
		 * not be written.  The next sync of the folder gives it one,
		 * so this is still a success for the sender. */
		log_warn("%s: message saved but UID not recorded: %s",
			 f->dir, strerror(-ret));
		if (uid_r != NULL)
			*uid_r = 0;
		ret = 0;
	}
	buf_release(&name);
	buf_release(&dest);
	buf_release(&dir);
	save_free(sp, false);
	return ret;
fail:
	buf_release(&name);
	buf_release(&dest);
	buf_release(&dir);
	save_free(sp, true);
	return ret;
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
