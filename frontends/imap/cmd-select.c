/*
 * SELECT and EXAMINE (RFC 3501 6.3.1-2) with the CONDSTORE and QRESYNC
 * parameters (RFC 7162 3.1.8, 3.2.5), CLOSE, UNSELECT (RFC 3691) and
 * CHECK.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conn.h"
#include "folder.h"
#include "imap-int.h"
#include "imap-seqset.h"
#include "index.h"
#include "util.h"

/* QRESYNC (uidvalidity modseq [known-uids [seq-match]]). */
struct qresync {
	bool given;
	uint32_t uidvalidity;
	uint64_t modseq;
	struct imap_seqset known;
	bool known_given;
};

static bool parse_params(struct imap_cmd *cmd, const struct imap_list *list,
			 bool *condstore_r, struct qresync *q)
{
	const struct imap_list *ql;
	const char *str;
	size_t i;

	for (i = 0; i < list->count; i++) {
		if (imap_arg_atom_equals(&list->args[i], "CONDSTORE")) {
			*condstore_r = true;
			continue;
		}
		if (!imap_arg_atom_equals(&list->args[i], "QRESYNC") ||
		    i + 1 >= list->count ||
		    !imap_arg_get_list(&list->args[i + 1], &ql)) {
			imap_cmd_bad(cmd, "Unknown SELECT parameter");
			return false;
		}
		if (!(cmd->s->enabled & IMAP_ENABLED_QRESYNC)) {
			imap_cmd_bad(cmd, "QRESYNC is not enabled");
			return false;
		}
		i++;
		if (ql->count < 2 || ql->count > 4 ||
		    !imap_arg_get_number(&ql->args[0], &q->uidvalidity) ||
		    q->uidvalidity == 0 ||
		    !imap_arg_get_number64(&ql->args[1], &q->modseq) ||
		    q->modseq == 0 ||
		    (ql->count >= 3 &&
		     (!imap_arg_get_atom(&ql->args[2], &str) ||
		      imap_seqset_parse(&q->known, str, strlen(str)) < 0 ||
		      q->known.dollar)) ||
		    (ql->count == 4 && ql->args[3].type != IMAP_ARG_LIST)) {
			imap_cmd_bad(cmd, "Invalid QRESYNC parameters");
			return false;
		}
		q->known_given = ql->count >= 3;
		q->given = true;
	}
	return true;
}

struct vanished_ctx {
	const struct qresync *q;
	struct folder *f;
	struct imap_seqset *out;
};

static void collect_expunged(uint64_t modseq, uint32_t uid,
			     enum change_kind kind, void *ctx)
{
	struct vanished_ctx *vc = ctx;

	(void)modseq;
	if (kind != CHANGE_EXPUNGE || folder_find_uid(vc->f, uid) != NULL)
		return;
	if (vc->q->known_given &&
	    !imap_seqset_contains(&vc->q->known, uid, UINT32_MAX))
		return;
	imap_seqset_add_range(vc->out, uid, uid);
}

/* RFC 7162 3.2.5.1: what changed since the client's MODSEQ. */
static void qresync_updates(struct imap_session *s, const struct qresync *q,
			    struct buf *out)
{
	struct folder *f = imap_view_folder(s);
	struct imap_seqset vanished;
	struct vanished_ctx vc = { q, f, &vanished };
	size_t i, j;

	if (q->uidvalidity != folder_uidvalidity(f))
		return;
	imap_seqset_init(&vanished);
	if (changes_since(f, q->modseq, collect_expunged, &vc) != 1) {
		/* The log does not reach back: every known UID that is gone
		 * (RFC 7162 allows reporting more than what vanished). */
		struct imap_seqset_iter it;
		uint32_t uid, next = 1;

		imap_seqset_clear(&vanished);
		if (q->known_given) {
			imap_seqset_iter_init(&it, &q->known,
					      folder_uidnext(f) - 1);
			while (imap_seqset_iter_next(&it, &uid))
				if (folder_find_uid(f, uid) == NULL)
					imap_seqset_add_range(&vanished, uid,
							      uid);
			imap_seqset_iter_release(&it);
		} else {
			for (j = 0; j < f->count; j++) {
				if (f->msgs[j].uid > next)
					imap_seqset_add_range(&vanished, next,
							f->msgs[j].uid - 1);
				next = f->msgs[j].uid + 1;
			}
			if (next < folder_uidnext(f))
				imap_seqset_add_range(&vanished, next,
						      folder_uidnext(f) - 1);
		}
	}
	if (!imap_seqset_is_empty(&vanished)) {
		buf_puts(out, "* VANISHED (EARLIER) ");
		imap_seqset_format(&vanished, out);
		buf_puts(out, "\r\n");
	}
	imap_seqset_release(&vanished);
	for (i = 0; i < s->view.count; i++) {
		const struct message *m = folder_find_uid(f, s->view.uids[i]);

		if (m == NULL || m->modseq <= q->modseq ||
		    (q->known_given &&
		     !imap_seqset_contains(&q->known, m->uid, UINT32_MAX)))
			continue;
		buf_printf(out, "* %zu FETCH (UID %u FLAGS ", i + 1, m->uid);
		imap_view_flags(s, m, (uint32_t)i + 1, out);
		buf_printf(out, " MODSEQ (%llu))\r\n",
			   (unsigned long long)m->modseq);
	}
}

static void select_common(struct imap_cmd *cmd, bool readonly)
{
	struct imap_session *s = cmd->s;
	const struct imap_list *params = NULL;
	struct buf name = BUF_INIT, out = BUF_INIT;
	struct qresync q;
	bool condstore = false;

	memset(&q, 0, sizeof(q));
	imap_seqset_init(&q.known);
	if (cmd->count < 1 || cmd->count > 2 ||
	    (cmd->count == 2 && !imap_arg_get_list(&cmd->args[1], &params))) {
		imap_cmd_bad(cmd, "%s needs a mailbox name", cmd->name);
		goto out;
	}
	if (params != NULL && !parse_params(cmd, params, &condstore, &q))
		goto out;
	if (!imap_arg_mailbox(cmd, &cmd->args[0], &name)) {
		imap_view_close(s);
		goto out;
	}
	/* RFC 7162 3.2.11: a boundary between the two folders' responses. */
	if (s->state == IMAP_SELECTED)
		buf_puts(&out, "* OK [CLOSED] Previous mailbox closed.\r\n");
	if (!imap_view_select(cmd, name.data, readonly, &out))
		goto out;
	if (condstore)
		s->condstore = true;
	if (q.given)
		qresync_updates(s, &q, &out);
	conn_write(s->c, out.data, out.len);
	conn_log_info(s->c, "%s %s", readonly ? "examine" : "select",
		      name.data);
	imap_cmd_ok(cmd, "[%s] %s completed.",
		    readonly ? "READ-ONLY" : "READ-WRITE", cmd->name);
out:
	imap_seqset_release(&q.known);
	buf_release(&name);
	buf_release(&out);
}

void imap_cmd_select(struct imap_cmd *cmd)
{
	select_common(cmd, false);
}

void imap_cmd_examine(struct imap_cmd *cmd)
{
	select_common(cmd, true);
}

void imap_cmd_unselect(struct imap_cmd *cmd)
{
	if (cmd->count != 0) {
		imap_cmd_bad(cmd, "UNSELECT takes no arguments");
		return;
	}
	imap_view_close(cmd->s);
	imap_cmd_ok(cmd, "Unselect completed.");
}

/* RFC 3501 6.4.2: expunge silently, then close. */
void imap_cmd_close(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->s;
	int ret = 0;

	if (cmd->count != 0) {
		imap_cmd_bad(cmd, "CLOSE takes no arguments");
		return;
	}
	if (!s->view.readonly)
		ret = imap_expunge_deleted(s, NULL);
	imap_view_close(s);
	if (ret < 0)
		conn_log_warn(s->c, "CLOSE: expunge failed: %s",
			      strerror(-ret));
	imap_cmd_ok(cmd, "Close completed.");
}

void imap_cmd_check(struct imap_cmd *cmd)
{
	if (cmd->count != 0) {
		imap_cmd_bad(cmd, "CHECK takes no arguments");
		return;
	}
	imap_cmd_ok(cmd, "Check completed.");
}
