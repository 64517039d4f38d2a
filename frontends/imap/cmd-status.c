/*
 * STATUS (RFC 3501 6.3.10) with HIGHESTMODSEQ (RFC 7162), SIZE (RFC 8438)
 * and DELETED (RFC 9051); also used by LIST-STATUS (RFC 5819).
 *
 * The counts come from the folder's index: a STATUS of a large folder
 * that did not change costs two stat() calls and reading mailtree.index.
 * RECENT counts the messages in new/ that no session of this daemon has
 * been given as \Recent; for the folder the session has selected, the
 * ones it was given.
 */

#include <errno.h>
#include <string.h>
#include <strings.h>

#include "conn.h"
#include "folder.h"
#include "imap-int.h"
#include "mailbox.h"
#include "maildir-name.h"
#include "util.h"

static const struct {
	const char *name;
	unsigned int bit;
} status_items[] = {
	{ "MESSAGES", IMAP_STATUS_MESSAGES },
	{ "RECENT", IMAP_STATUS_RECENT },
	{ "UIDNEXT", IMAP_STATUS_UIDNEXT },
	{ "UIDVALIDITY", IMAP_STATUS_UIDVALIDITY },
	{ "UNSEEN", IMAP_STATUS_UNSEEN },
	{ "HIGHESTMODSEQ", IMAP_STATUS_HIGHESTMODSEQ },
	{ "SIZE", IMAP_STATUS_SIZE },
	{ "DELETED", IMAP_STATUS_DELETED },
};

int imap_status_parse(const struct imap_arg *arg, unsigned int *items_r)
{
	const struct imap_list *list;
	const char *name;
	size_t i, j;

	*items_r = 0;
	if (!imap_arg_get_list(arg, &list) || list->count == 0)
		return -EINVAL;
	for (i = 0; i < list->count; i++) {
		if (!imap_arg_get_atom(&list->args[i], &name))
			return -EINVAL;
		for (j = 0; j < ARRAY_SIZE(status_items); j++)
			if (strcasecmp(name, status_items[j].name) == 0)
				break;
		if (j == ARRAY_SIZE(status_items))
			return -EINVAL;
		*items_r |= status_items[j].bit;
	}
	return 0;
}

int imap_status_write(struct imap_session *s, const char *name,
		      unsigned int items, struct buf *out)
{
	struct imap_shared_folder *sf = NULL;
	struct buf dir = BUF_INIT;
	struct folder *f;
	uint64_t size = 0;
	uint32_t unseen = 0, recent = 0, deleted = 0, claim;
	size_t i, j;
	int ret;

	if (!mailbox_folder_exists(s->mbox, name))
		return -ENOENT;
	ret = mailbox_folder_dir(s->mbox, name, &dir);
	if (ret == 0)
		ret = imap_folders_get(dir.data, false, &sf);
	buf_release(&dir);
	if (ret < 0)
		return ret;
	f = imap_folders_folder(sf);
	claim = imap_folders_recent_take(sf, 0);
	for (i = 0; i < f->count; i++) {
		const struct message *m = &f->msgs[i];

		size += m->vsize;
		unseen += !(m->flags & MFLAG_SEEN);
		/* \Recent not yet given to a session of this daemon. */
		recent += m->in_new && m->uid >= claim;
		deleted += (m->flags & MFLAG_DELETED) != 0;
	}
	if (s->view.shared == sf)
		recent = s->view.recent_count;
	buf_puts(out, "* STATUS ");
	imap_append_mailbox(s, name, out);
	buf_puts(out, " (");
	for (j = 0; j < ARRAY_SIZE(status_items); j++) {
		unsigned int bit = status_items[j].bit;
		unsigned long long v;

		if (!(items & bit))
			continue;
		v = bit == IMAP_STATUS_MESSAGES ? f->count :
		    bit == IMAP_STATUS_RECENT ? recent :
		    bit == IMAP_STATUS_UIDNEXT ? folder_uidnext(f) :
		    bit == IMAP_STATUS_UIDVALIDITY ? folder_uidvalidity(f) :
		    bit == IMAP_STATUS_UNSEEN ? unseen :
		    bit == IMAP_STATUS_HIGHESTMODSEQ ? imap_modseq(f) :
		    bit == IMAP_STATUS_SIZE ? size : deleted;
		buf_printf(out, "%s%s %llu", out->data[out->len - 1] == '(' ?
			   "" : " ", status_items[j].name, v);
	}
	buf_puts(out, ")\r\n");
	imap_folders_put(&sf);
	return 0;
}

void imap_cmd_status(struct imap_cmd *cmd)
{
	struct buf name = BUF_INIT, out = BUF_INIT;
	unsigned int items;
	int ret;

	if (cmd->count != 2 || imap_status_parse(&cmd->args[1], &items) < 0) {
		imap_cmd_bad(cmd, "STATUS needs a mailbox and a list of items");
		return;
	}
	if (!imap_arg_mailbox(cmd, &cmd->args[0], &name))
		goto out;
	if (items & IMAP_STATUS_HIGHESTMODSEQ)
		imap_view_condstore_enable(cmd->s);
	ret = imap_status_write(cmd->s, name.data, items, &out);
	if (ret < 0) {
		imap_cmd_errno(cmd, ret, NULL);
		goto out;
	}
	conn_write(cmd->s->c, out.data, out.len);
	imap_cmd_ok(cmd, "Status completed.");
out:
	buf_release(&name);
	buf_release(&out);
}
