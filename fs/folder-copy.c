/* Copying and moving messages between folders; see folder.h. */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "folder-int.h"
#include "index.h"
#include "maildir-name.h"
#include "util.h"

/* Copies a file's bytes when a hard link is not possible. */
static int copy_file(const char *from, const char *to, time_t mtime)
{
	int in, ret;

	in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	ret = file_write_durable(in, to, mtime, NULL, NULL);
	close(in);
	return ret;
}

/* Maps keyword letters of one folder to those of another. */
static int translate_keywords(struct folder *f, uint32_t kw, struct folder *dst,
			      uint32_t *kw_r)
{
	uint32_t out = 0;
	int i, idx;

	for (i = 0; i < KEYWORDS_MAX; i++) {
		if (!(kw & (1u << i)) || f->keywords.names[i] == NULL)
			continue;
		idx = keywords_assign(&dst->keywords, f->keywords.names[i]);
		if (idx == -ENOSPC)
			continue;	/* no letter left: dropped, as Dovecot does */
		if (idx < 0)
			return idx;
		out |= 1u << idx;
	}
	*kw_r = out;
	return 0;
}

int folder_copy(struct folder *f, uint32_t uid, struct folder *dst,
		uint32_t *uid_r)
{
	struct buf from = BUF_INIT, to = BUF_INIT, name = BUF_INIT;
	struct timespec now;
	struct message *m;
	uint32_t kw = 0;
	int ret, fd;

	ret = folder_msg_open(f, uid, &fd);
	if (ret < 0)
		return ret;
	close(fd);
	m = folder_find_uid(f, uid);
	ret = folder_lock(dst);
	if (ret < 0)
		goto out;
	ret = folder_sync_locked(dst, false);
	/* A sync of dst == f (COPY or MOVE to the same folder) may have
	 * moved f's messages: look the message up again. */
	if (ret >= 0 && (m = folder_find_uid(f, uid)) == NULL)
		ret = -ENOENT;
	if (ret >= 0)
		ret = translate_keywords(f, m->keywords, dst, &kw);
	if (ret < 0)
		goto unlock;
	clock_gettime(CLOCK_REALTIME, &now);
	maildir_name_new_base(&name, (uint64_t)now.tv_sec * 1000000 +
			      (uint64_t)now.tv_nsec / 1000, m->size, m->vsize);
	size_t base_len = name.len;
	maildir_name_info(&name, m->flags, kw, NULL);
	folder_msg_path(f, m, &from);
	buf_printf(&to, "%s/cur/%s", dst->dir, name.data);
	if (link(from.data, to.data) < 0) {
		ret = -errno;
		if (ret == -EXDEV || ret == -EPERM || ret == -EMLINK ||
		    ret == -ENOTSUP)
			ret = copy_file(from.data, to.data, m->internal_date);
		if (ret < 0)
			goto unlock;
	}
	buf_reset(&from);
	buf_printf(&from, "%s/cur", dst->dir);
	ret = fsync_dir(from.data);
	if (ret == 0) {
		*uid_r = uidlist_add(&dst->uidlist, name.data, base_len);
		ret = uidlist_write(&dst->uidlist, false);
	}
unlock:
	folder_unlock(dst);
out:
	buf_release(&from);
	buf_release(&to);
	buf_release(&name);
	return ret;
}

int folder_move(struct folder *f, uint32_t uid, struct folder *dst,
		uint32_t *uid_r)
{
	int ret = folder_copy(f, uid, dst, uid_r);

	if (ret < 0)
		return ret;
	ret = folder_expunge(f, uid);
	/* Already gone is fine: someone else expunged it meanwhile. */
	return ret == -ENOENT ? 0 : ret;
}
