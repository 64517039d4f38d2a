/* Exporting folders as mbox or as a Maildir++ tree; see export.h. */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "export.h"
#include "folder.h"
#include "header.h"
#include "mailbox.h"
#include "mbox.h"
#include "util.h"

#define COPY_CHUNK (64 * 1024)

struct return_path {
	struct buf *sender;
	bool found;
};

static int return_path_field(void *ctx, const struct header_field *field)
{
	struct return_path *rp = ctx;
	const char *v = field->value, *lt, *gt;
	size_t len = field->value_len;

	if (rp->found || !header_field_is(field, "Return-Path"))
		return 0;
	rp->found = true;
	/* "<addr>", possibly with comments or junk around it; a bare
	 * address is taken up to the first space. */
	lt = memchr(v, '<', len);
	gt = lt != NULL ? memchr(lt, '>', len - (size_t)(lt - v)) : NULL;
	if (lt != NULL && gt != NULL) {
		v = lt + 1;
		len = (size_t)(gt - v);
	} else {
		len = strcspn(v, " \t");
	}
	if (len <= MBOX_SENDER_MAX && memchr(v, '\0', len) == NULL)
		buf_append(rp->sender, v, len);
	/* Nothing after the first Return-Path matters. */
	return -ECANCELED;
}

int export_return_path(int fd, struct buf *sender)
{
	struct return_path rp = { .sender = sender };
	struct header_parser hp;
	char *chunk = xmalloc(COPY_CHUNK);
	uint64_t seen = 0;
	size_t used;
	int ret = 0;

	buf_reset(sender);
	header_parser_init(&hp, MBOX_SENDER_MAX + 64, return_path_field, &rp);
	while (ret == 0 && seen < EXPORT_HEADER_MAX) {
		ssize_t n = read(fd, chunk, COPY_CHUNK);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			break;
		}
		if (n == 0) {
			ret = header_parser_finish(&hp);
			break;
		}
		seen += (uint64_t)n;
		ret = header_parser_feed(&hp, chunk, (size_t)n, &used);
	}
	header_parser_release(&hp);
	free(chunk);
	if (ret == -ECANCELED || ret == 1)
		ret = 0;
	return ret;
}

/* The UIDs of f as of now: messages may move in f->msgs while we work. */
static uint32_t *snapshot_uids(const struct folder *f, size_t *count_r)
{
	uint32_t *uids = xmalloc((f->count + 1) * sizeof(*uids));
	size_t i;

	for (i = 0; i < f->count; i++)
		uids[i] = f->msgs[i].uid;
	*count_r = f->count;
	return uids;
}

static void vanished(struct folder *f, uint32_t uid, struct import_progress *p)
{
	log_warn("%s: UID %u was expunged while exporting; skipped", f->dir,
		 uid);
	p->vanished++;
}

static void progress_message(struct import_progress *p, uint64_t size)
{
	p->messages++;
	p->bytes += size;
	p->current = 0;
	if (p->update != NULL)
		p->update(p, p->ctx);
}

int export_folder_mbox(struct folder *f, struct mbox_writer *w,
		       struct import_progress *p)
{
	struct buf sender = BUF_INIT;
	uint32_t *uids, uid = 0;
	size_t i, count;
	int ret = 0;

	buf_reset(&p->where);
	uids = snapshot_uids(f, &count);
	for (i = 0; i < count && ret == 0; i++) {
		struct message *m;
		int fd;

		uid = uids[i];
		ret = folder_msg_open(f, uids[i], &fd);
		if (ret == -ENOENT) {
			vanished(f, uids[i], p);
			ret = 0;
			continue;
		}
		if (ret < 0)
			break;
		/* Opening may have synced the folder: look it up again. */
		m = folder_find_uid(f, uids[i]);
		ret = export_return_path(fd, &sender);
		if (ret == 0 && lseek(fd, 0, SEEK_SET) < 0)
			ret = -errno;
		if (ret == 0)
			ret = mbox_writer_copy_fd(w, sender.data,
						  m->internal_date, fd);
		close(fd);
		if (ret == 0)
			progress_message(p, m->size);
	}
	if (ret < 0)
		buf_printf(&p->where, "UID %u", uid);
	free(uids);
	buf_release(&sender);
	return ret;
}

static void count_bytes(void *ctx, size_t len)
{
	struct import_progress *p = ctx;

	p->current += (uint64_t)len;
	if (p->update != NULL)
		p->update(p, p->ctx);
}

/* Copies fd into a new file at path, gives it the mtime, fsync()s it. */
static int write_message_file(int fd, const char *path, time_t mtime,
			      struct import_progress *p)
{
	return file_write_durable(fd, path, mtime, count_bytes, p);
}

static int write_keywords(const struct folder *f, const char *dir)
{
	struct buf data = BUF_INIT, path = BUF_INIT;
	size_t i;
	int ret = 0;

	for (i = 0; i < KEYWORDS_MAX; i++)
		if (f->keywords.names[i] != NULL)
			buf_printf(&data, "%zu %s\n", i, f->keywords.names[i]);
	if (data.len > 0) {
		buf_printf(&path, "%s/" KEYWORDS_NAME, dir);
		ret = write_file_atomic(path.data, data.data, data.len, 0600);
	}
	buf_release(&data);
	buf_release(&path);
	return ret;
}

/* Copies one message into dir under its own file name. */
static int export_one(struct folder *f, uint32_t uid, const char *dir,
		      struct uidlist *ul, struct import_progress *p)
{
	struct buf tmp = BUF_INIT, dest = BUF_INIT;
	struct message *m;
	int fd, ret;

	ret = folder_msg_open(f, uid, &fd);
	if (ret == -ENOENT) {
		vanished(f, uid, p);
		return 0;
	}
	if (ret < 0)
		return ret;
	m = folder_find_uid(f, uid);
	buf_printf(&tmp, "%s/tmp/%.*s", dir, (int)m->base_len, m->name);
	buf_printf(&dest, "%s/%s/%s", dir, m->in_new ? "new" : "cur", m->name);
	ret = write_message_file(fd, tmp.data, m->internal_date, p);
	close(fd);
	if (ret == 0 && rename(tmp.data, dest.data) < 0) {
		ret = -errno;
		unlink(tmp.data);
	}
	if (ret == 0)
		ret = uidlist_add_uid(ul, uid, m->name, m->base_len);
	if (ret == 0)
		progress_message(p, m->size);
	buf_release(&tmp);
	buf_release(&dest);
	return ret;
}

int export_folder_maildir(struct folder *f, const char *dir,
			  bool maildirfolder, struct import_progress *p)
{
	struct buf sub = BUF_INIT;
	struct uidlist ul;
	uint32_t *uids;
	size_t i = 0, count;
	int ret;

	buf_reset(&p->where);
	uidlist_init(&ul, dir);
	uids = snapshot_uids(f, &count);
	ret = folder_create_dirs(dir, maildirfolder);
	if (ret == 0)
		ret = write_keywords(f, dir);
	for (i = 0; i < count && ret == 0; i++) {
		ret = export_one(f, uids[i], dir, &ul, p);
		if (ret < 0)
			buf_printf(&p->where, "UID %u", uids[i]);
	}
	/* The files must be on disk before a uidlist names them. */
	if (ret == 0) {
		buf_printf(&sub, "%s/cur", dir);
		ret = fsync_dir(sub.data);
	}
	if (ret == 0) {
		buf_reset(&sub);
		buf_printf(&sub, "%s/new", dir);
		ret = fsync_dir(sub.data);
	}
	if (ret == 0) {
		/* The same mailbox, so the same UIDVALIDITY and GUID. */
		uint32_t next = ul.next_uid;

		uidlist_new_validity(&ul, folder_uidvalidity(f));
		if (f->uidlist.guid[0] != '\0')
			memcpy(ul.guid, f->uidlist.guid, sizeof(ul.guid));
		ul.next_uid = folder_uidnext(f) > next ? folder_uidnext(f)
						       : next;
		ret = uidlist_write(&ul, true);
	}
	free(uids);
	uidlist_release(&ul);
	buf_release(&sub);
	return ret;
}

/* Copies the subscriptions file as it is: the format is Dovecot's in both
 * places, and the folder names on disk are the same. */
static int copy_subscriptions(const struct mailbox *mbox, const char *root)
{
	struct buf from = BUF_INIT, to = BUF_INIT, data = BUF_INIT;
	int ret;

	buf_printf(&from, "%s/subscriptions", mbox->root);
	buf_printf(&to, "%s/subscriptions", root);
	ret = read_file_small(from.data, 16 << 20, &data);
	if (ret == 0)
		ret = write_file_atomic(to.data, data.data, data.len, 0600);
	else if (ret == -ENOENT)
		ret = 0;
	buf_release(&from);
	buf_release(&to);
	buf_release(&data);
	return ret;
}

int export_mailbox_maildir(struct mailbox *mbox, const char *root,
			   struct import_progress *p, unsigned int *folders_r)
{
	/* Only its root is used: folder directories are worked out the
	 * same way for the copy as for the store. */
	struct mailbox dest = { .root = (char *)root };
	struct buf dir = BUF_INIT;
	char **names;
	size_t i, count;
	int ret;

	*folders_r = 0;
	ret = mailbox_list(mbox, &names, &count);
	if (ret < 0)
		return ret;
	for (i = 0; i < count && ret == 0; i++) {
		struct folder *f = NULL;

		ret = mailbox_folder_dir(&dest, names[i], &dir);
		if (ret == 0)
			ret = mailbox_folder_open(mbox, names[i], &f);
		if (ret == 0)
			ret = export_folder_maildir(f, dir.data, i > 0, p);
		if (ret < 0) {
			struct buf where = BUF_INIT;

			buf_printf(&where, "folder %s", names[i]);
			if (p->where.len > 0)
				buf_printf(&where, ", %s", p->where.data);
			buf_reset(&p->where);
			buf_append(&p->where, where.data, where.len);
			buf_release(&where);
		} else {
			(*folders_r)++;
		}
		folder_free(&f);
	}
	if (ret == 0)
		ret = copy_subscriptions(mbox, root);
	mailbox_list_free(names, count);
	buf_release(&dir);
	return ret;
}
