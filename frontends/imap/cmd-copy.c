/*
 * COPY (RFC 3501 6.4.7) and MOVE (RFC 6851), with UIDPLUS's COPYUID
 * (RFC 4315).  A copy is a hard link where the store allows it, keeping
 * flags, keywords and the internal date (folder_copy()); a move is a
 * copy, then an expunge of the original, whose EXPUNGE responses come
 * with the view's updates before the tagged reply.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "folder.h"
#include "imap-int.h"
#include "mailbox.h"
#include "util.h"

static void copy_common(struct imap_cmd *cmd, bool move)
{
	struct imap_session *s = cmd->s;
	struct folder *src = imap_view_folder(s), *dst;
	struct imap_shared_folder *dsf = NULL;
	struct imap_seqset seqs, src_uids, dst_uids;
	struct imap_seqset_iter it;
	struct buf name = BUF_INIT, dir = BUF_INIT, a = BUF_INIT, b = BUF_INIT;
	uint32_t seq, new_uid;
	int ret = 0;

	imap_seqset_init(&seqs);
	imap_seqset_init(&src_uids);
	imap_seqset_init(&dst_uids);
	if (cmd->count != 2) {
		imap_cmd_bad(cmd, "%s needs a message set and a mailbox",
			     cmd->name);
		goto out;
	}
	if (imap_view_seqset(cmd, &cmd->args[0], &seqs) < 0 ||
	    !imap_arg_mailbox(cmd, &cmd->args[1], &name))
		goto out;
	if (move && s->view.readonly) {
		imap_cmd_no(cmd, "[READ-ONLY] Mailbox is read-only");
		goto out;
	}
	if (!mailbox_folder_exists(s->mbox, name.data)) {
		imap_cmd_no(cmd, "[TRYCREATE] Mailbox doesn't exist: %s",
			    name.data);
		goto out;
	}
	ret = mailbox_folder_dir(s->mbox, name.data, &dir);
	if (ret == 0)
		ret = imap_folders_get(dir.data, false, &dsf);
	if (ret < 0) {
		imap_cmd_errno(cmd, ret, NULL);
		goto out;
	}
	dst = imap_folders_folder(dsf);
	if ((ret = folder_lock(dst)) < 0) {
		imap_cmd_errno(cmd, ret, NULL);
		goto out;
	}
	if (dst != src && (ret = folder_lock(src)) < 0) {
		folder_unlock(dst);
		imap_cmd_errno(cmd, ret, NULL);
		goto out;
	}
	imap_seqset_iter_init(&it, &seqs, (uint32_t)s->view.count);
	while (ret == 0 && imap_seqset_iter_next(&it, &seq)) {
		uint32_t uid = s->view.uids[seq - 1];

		if (folder_find_uid(src, uid) == NULL)
			continue;	/* expunged meanwhile */
		ret = move ? folder_move(src, uid, dst, &new_uid) :
			     folder_copy(src, uid, dst, &new_uid);
		if (ret == -ENOENT) {
			ret = 0;
			continue;
		}
		if (ret == 0 && new_uid != 0) {
			imap_seqset_add_range(&src_uids, uid, uid);
			imap_seqset_add_range(&dst_uids, new_uid, new_uid);
		}
	}
	imap_seqset_iter_release(&it);
	if (dst != src)
		folder_unlock(src);
	folder_unlock(dst);
	if (ret < 0 && (!move || imap_seqset_is_empty(&src_uids))) {
		imap_cmd_errno(cmd, ret, NULL);
		goto out;
	}
	if (ret < 0)	/* MOVE: some moved; the client sees the expunges */
		conn_log_warn(s->c, "MOVE stopped: %s", strerror(-ret));
	imap_seqset_format(&src_uids, &a);
	imap_seqset_format(&dst_uids, &b);
	if (imap_seqset_is_empty(&src_uids)) {
		imap_cmd_ok(cmd, "%s completed.", move ? "Move" : "Copy");
	} else if (move) {
		imap_untagged(s, "OK [COPYUID %u %s %s] Moved UIDs.",
			      folder_uidvalidity(dst), a.data, b.data);
		imap_cmd_ok(cmd, "Move completed.");
	} else {
		imap_cmd_ok(cmd, "[COPYUID %u %s %s] Copy completed.",
			    folder_uidvalidity(dst), a.data, b.data);
	}
out:
	imap_folders_put(&dsf);
	imap_seqset_release(&seqs);
	imap_seqset_release(&src_uids);
	imap_seqset_release(&dst_uids);
	buf_release(&name);
	buf_release(&dir);
	buf_release(&a);
	buf_release(&b);
}

void imap_cmd_copy(struct imap_cmd *cmd)
{
	copy_common(cmd, false);
}

void imap_cmd_move(struct imap_cmd *cmd)
{
	copy_common(cmd, true);
}
