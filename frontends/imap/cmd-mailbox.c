/*
 * CREATE, DELETE, RENAME, SUBSCRIBE and UNSUBSCRIBE (RFC 3501 6.3.3-7).
 *
 * Folder names are checked by the store (mailbox_name_check()): no "..",
 * no empty levels, no control characters, nothing that leaves the
 * user's mailbox.  Deleting a folder that has children removes its
 * messages and leaves the name as a \Noselect parent, as RFC 3501 6.3.4
 * allows.  Renaming INBOX moves its messages into the new folder and
 * leaves INBOX empty (6.3.5).
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conn.h"
#include "folder.h"
#include "imap-int.h"
#include "mailbox.h"
#include "util.h"

static bool is_inbox(const char *name)
{
	return strcasecmp(name, "INBOX") == 0;
}

void imap_cmd_create(struct imap_cmd *cmd)
{
	struct buf name = BUF_INIT;
	int ret;

	if (cmd->count != 1) {
		imap_cmd_bad(cmd, "CREATE needs a mailbox name");
		return;
	}
	if (!imap_arg_mailbox(cmd, &cmd->args[0], &name))
		goto out;
	if (is_inbox(name.data) || mailbox_folder_exists(cmd->s->mbox,
							  name.data)) {
		imap_cmd_no(cmd, "[ALREADYEXISTS] Mailbox already exists");
		goto out;
	}
	ret = mailbox_folder_create(cmd->s->mbox, name.data);
	if (ret < 0) {
		imap_cmd_errno(cmd, ret, NULL);
		goto out;
	}
	conn_log_info(cmd->s->c, "create %s", name.data);
	imap_cmd_ok(cmd, "Create completed.");
out:
	buf_release(&name);
}

/* Does any folder live below name? */
static bool has_children(const struct mailbox *mbox, const char *name)
{
	char **names;
	size_t count, i, len = strlen(name);
	bool found = false;

	if (mailbox_list(mbox, &names, &count) < 0)
		return false;
	for (i = 0; i < count && !found; i++)
		found = strncmp(names[i], name, len) == 0 &&
			names[i][len] == '/';
	mailbox_list_free(names, count);
	return found;
}

void imap_cmd_delete(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->s;
	struct buf name = BUF_INIT;
	bool subscribed;
	int ret;

	if (cmd->count != 1) {
		imap_cmd_bad(cmd, "DELETE needs a mailbox name");
		return;
	}
	if (!imap_arg_mailbox(cmd, &cmd->args[0], &name))
		goto out;
	if (is_inbox(name.data)) {
		imap_cmd_no(cmd, "[CANNOT] INBOX can't be deleted.");
		goto out;
	}
	if (!mailbox_folder_exists(s->mbox, name.data)) {
		if (has_children(s->mbox, name.data))
			imap_cmd_no(cmd, "[HASCHILDREN] Mailbox has children, "
				    "delete them first");
		else
			imap_cmd_no(cmd, "[NONEXISTENT] Mailbox doesn't exist");
		goto out;
	}
	if (s->view.name != NULL && strcmp(s->view.name, name.data) == 0)
		imap_view_close(s);
	subscribed = mailbox_is_subscribed(s->mbox, name.data);
	ret = mailbox_folder_delete(s->mbox, name.data, false);
	if (ret < 0) {
		imap_cmd_errno(cmd, ret, NULL);
		goto out;
	}
	/* The store drops the subscription with the folder, but RFC 3501
	 * 6.3.6 says the server must not remove a name from the
	 * subscriptions on its own: LIST (SUBSCRIBED) then shows it as
	 * \NonExistent (RFC 5258 3). */
	if (subscribed)
		(void)mailbox_subscribe(s->mbox, name.data, true);
	conn_log_info(s->c, "delete %s", name.data);
	imap_cmd_ok(cmd, "Delete completed.");
out:
	buf_release(&name);
}

/* Moves every message of INBOX into the folder `to`, which is new. */
static int rename_inbox(struct mailbox *mbox, const char *to)
{
	struct folder *src = NULL, *dst = NULL;
	uint32_t uid, *uids;
	size_t i, n;
	int ret;

	ret = mailbox_folder_create(mbox, to);
	if (ret == 0)
		ret = mailbox_folder_open(mbox, "INBOX", &src);
	if (ret == 0)
		ret = mailbox_folder_open(mbox, to, &dst);
	if (ret < 0)
		goto out;
	n = src->count;
	uids = xmalloc((n + 1) * sizeof(*uids));
	for (i = 0; i < n; i++)
		uids[i] = src->msgs[i].uid;
	for (i = 0; i < n && ret == 0; i++) {
		ret = folder_move(src, uids[i], dst, &uid);
		if (ret == -ENOENT)
			ret = 0;
	}
	free(uids);
out:
	if (src != NULL)
		imap_folders_touch(src->dir);
	if (dst != NULL)
		imap_folders_touch(dst->dir);
	folder_free(&src);
	folder_free(&dst);
	return ret;
}

void imap_cmd_rename(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->s;
	struct buf from = BUF_INIT, to = BUF_INIT;
	int ret;

	if (cmd->count != 2) {
		imap_cmd_bad(cmd, "RENAME needs two mailbox names");
		return;
	}
	if (!imap_arg_mailbox(cmd, &cmd->args[0], &from) ||
	    !imap_arg_mailbox(cmd, &cmd->args[1], &to))
		goto out;
	if (is_inbox(to.data) || mailbox_folder_exists(s->mbox, to.data)) {
		imap_cmd_no(cmd, "[ALREADYEXISTS] Target mailbox already exists");
		goto out;
	}
	if (is_inbox(from.data)) {
		ret = rename_inbox(s->mbox, to.data);
	} else if (!mailbox_folder_exists(s->mbox, from.data)) {
		ret = -ENOENT;
	} else {
		/* A session with the old name selected keeps its view of
		 * the folder as it was; the next command sees it gone. */
		if (s->view.name != NULL &&
		    strcmp(s->view.name, from.data) == 0)
			imap_view_close(s);
		ret = mailbox_folder_rename(s->mbox, from.data, to.data);
	}
	if (ret < 0) {
		imap_cmd_errno(cmd, ret, NULL);
		goto out;
	}
	conn_log_info(s->c, "rename %s to %s", from.data, to.data);
	imap_cmd_ok(cmd, "Rename completed.");
out:
	buf_release(&from);
	buf_release(&to);
}

static void subscribe(struct imap_cmd *cmd, bool on)
{
	struct buf name = BUF_INIT;
	int ret;

	if (cmd->count != 1) {
		imap_cmd_bad(cmd, "%s needs a mailbox name", cmd->name);
		return;
	}
	if (!imap_arg_mailbox(cmd, &cmd->args[0], &name))
		goto out;
	if (on && !is_inbox(name.data) &&
	    !mailbox_folder_exists(cmd->s->mbox, name.data)) {
		imap_cmd_no(cmd, "[NONEXISTENT] Mailbox doesn't exist");
		goto out;
	}
	ret = mailbox_subscribe(cmd->s->mbox, name.data, on);
	if (ret < 0)
		imap_cmd_errno(cmd, ret, NULL);
	else
		imap_cmd_ok(cmd, "%s completed.", on ? "Subscribe" :
			    "Unsubscribe");
out:
	buf_release(&name);
}

void imap_cmd_subscribe(struct imap_cmd *cmd)
{
	subscribe(cmd, true);
}

void imap_cmd_unsubscribe(struct imap_cmd *cmd)
{
	subscribe(cmd, false);
}
