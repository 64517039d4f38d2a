/*
 * EXPUNGE (RFC 3501 6.4.3) and UID EXPUNGE (RFC 4315 2.1).  The EXPUNGE
 * responses come from the view's updates before the tagged reply, like
 * those for expunges made by anyone else.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "folder.h"
#include "imap-int.h"
#include "maildir-name.h"
#include "util.h"

int imap_expunge_deleted(struct imap_session *s,
			 const struct imap_seqset *uids)
{
	struct folder *f = imap_view_folder(s);
	uint32_t *list;
	size_t i, n = 0;
	int ret = 0, r;

	r = folder_sync(f);
	if (r < 0)
		return r;
	/* The folder's array changes under each expunge: pick first. */
	list = xmalloc((f->count + 1) * sizeof(*list));
	for (i = 0; i < f->count; i++)
		if ((f->msgs[i].flags & MFLAG_DELETED) &&
		    (uids == NULL ||
		     imap_seqset_contains(uids, f->msgs[i].uid, UINT32_MAX)))
			list[n++] = f->msgs[i].uid;
	if (n > 0 && (r = folder_lock_light(f)) < 0) {
		free(list);
		return r;
	}
	for (i = 0; i < n; i++) {
		r = folder_expunge(f, list[i]);
		if (r < 0 && r != -ENOENT && ret == 0)
			ret = r;
	}
	if (n > 0)
		folder_unlock(f);
	free(list);
	return ret;
}

void imap_cmd_expunge(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->s;
	struct imap_seqset seqs, uids;
	struct imap_seqset_iter it;
	uint32_t seq;
	int ret;

	if (s->view.readonly) {
		imap_cmd_no(cmd, "[READ-ONLY] Mailbox is read-only");
		return;
	}
	if (cmd->count != (cmd->uid ? 1u : 0u)) {
		imap_cmd_bad(cmd, cmd->uid ? "UID EXPUNGE needs a UID set" :
			     "EXPUNGE takes no arguments");
		return;
	}
	if (!cmd->uid) {
		ret = imap_expunge_deleted(s, NULL);
	} else {
		imap_seqset_init(&seqs);
		imap_seqset_init(&uids);
		if (imap_view_seqset(cmd, &cmd->args[0], &seqs) < 0) {
			imap_seqset_release(&seqs);
			imap_seqset_release(&uids);
			return;
		}
		imap_seqset_iter_init(&it, &seqs, (uint32_t)s->view.count);
		while (imap_seqset_iter_next(&it, &seq))
			imap_seqset_add_range(&uids, s->view.uids[seq - 1],
					      s->view.uids[seq - 1]);
		imap_seqset_iter_release(&it);
		ret = imap_expunge_deleted(s, &uids);
		imap_seqset_release(&seqs);
		imap_seqset_release(&uids);
	}
	if (ret < 0)
		imap_cmd_errno(cmd, ret, NULL);
	else
		imap_cmd_ok(cmd, "Expunge completed.");
}
