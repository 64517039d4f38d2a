/*
 * The selected folder as one session sees it: its sequence numbers and
 * what it has been told.
 *
 * The shared folder (imap-folders.c) always holds the store's current
 * state.  The view holds the UIDs the client knows, in order (sequence
 * number i + 1 is uids[i]), and for each the MODSEQ whose flags the
 * client was last sent.  imap_view_updates() compares the two and sends
 * what changed: EXPUNGE (or VANISHED under QRESYNC) for UIDs gone from
 * the folder, EXISTS and RECENT for new ones, FETCH FLAGS for messages
 * whose MODSEQ moved on.  While EXPUNGE may not be sent, a message gone
 * from the folder keeps its sequence number; imap_view_msg() then
 * returns NULL for it.
 *
 * \Recent (RFC 3501 2.3.2): the messages in new/ when the folder is
 * selected and those that arrive while it is selected, for the first
 * session of this process that sees them, on any worker (a table of the
 * process remembers which UIDs were claimed; EXAMINE shows without
 * claiming).  Sessions of
 * other processes (Dovecot, another mailtreed) are not coordinated.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "folder.h"
#include "imap-int.h"
#include "imap-seqset.h"
#include "mailbox.h"
#include "maildir-name.h"
#include "util.h"

struct folder *imap_view_folder(const struct imap_session *s)
{
	return imap_folders_folder(s->view.shared);
}

static void view_push(struct imap_view *v, uint32_t uid, uint64_t modseq)
{
	if (v->count == v->cap) {
		size_t cap = v->cap;

		v->uids = xgrow(v->uids, &cap, v->count + 1, sizeof(*v->uids));
		v->modseqs = xrealloc(v->modseqs, cap * sizeof(*v->modseqs));
		v->cap = cap;
	}
	v->uids[v->count] = uid;
	v->modseqs[v->count] = modseq;
	v->count++;
}

static size_t keyword_count(const struct folder *f)
{
	size_t i, n = 0;

	for (i = 0; i < KEYWORDS_MAX; i++)
		if (folder_keyword_name(f, (int)i) != NULL)
			n++;
	return n;
}

void imap_view_flag_lists(struct imap_session *s, struct buf *out)
{
	struct folder *f = imap_view_folder(s);
	struct buf kw = BUF_INIT;
	size_t i;

	for (i = 0; i < KEYWORDS_MAX; i++) {
		const char *name = folder_keyword_name(f, (int)i);

		if (name != NULL)
			buf_printf(&kw, " %s", name);
	}
	buf_printf(out, "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen "
		   "\\Draft%s)\r\n", kw.data);
	if (s->view.readonly)
		buf_puts(out, "* OK [PERMANENTFLAGS ()] Read-only mailbox.\r\n");
	else
		buf_printf(out, "* OK [PERMANENTFLAGS (\\Answered \\Flagged "
			   "\\Deleted \\Seen \\Draft%s \\*)] Flags permitted.\r\n",
			   kw.data);
	buf_release(&kw);
	s->view.keyword_count = keyword_count(f);
}

bool imap_view_select(struct imap_cmd *cmd, const char *name, bool readonly,
		      struct buf *out)
{
	struct imap_session *s = cmd->s;
	struct imap_view *v = &s->view;
	struct buf dir = BUF_INIT;
	struct folder *f;
	uint32_t first_unseen = 0, claim;
	size_t i;
	int ret;

	imap_view_close(s);
	imap_folders_start(s->c);
	if (!mailbox_folder_exists(s->mbox, name)) {
		imap_cmd_no(cmd, "[NONEXISTENT] Mailbox doesn't exist: %s",
			    name);
		return false;
	}
	ret = mailbox_folder_dir(s->mbox, name, &dir);
	if (ret == 0)
		ret = imap_folders_get(dir.data, true, &v->shared);
	buf_release(&dir);
	if (ret < 0) {
		imap_cmd_errno(cmd, ret, NULL);
		return false;
	}
	f = imap_folders_folder(v->shared);
	v->name = xstrdup(name);
	v->readonly = readonly;
	/* EXAMINE shows \Recent without taking it (RFC 3501 6.3.2). */
	claim = imap_folders_recent_take(v->shared,
					 readonly ? 0 : folder_uidnext(f));
	for (i = 0; i < f->count; i++) {
		const struct message *m = &f->msgs[i];

		view_push(v, m->uid, m->modseq);
		if (m->in_new && m->uid >= claim) {
			imap_seqset_add_range(&v->recent, m->uid, m->uid);
			v->recent_count++;
		}
		if (first_unseen == 0 && !(m->flags & MFLAG_SEEN))
			first_unseen = (uint32_t)i + 1;
	}
	v->uidnext = folder_uidnext(f);
	v->highest_modseq = f->highest_modseq;
	s->state = IMAP_SELECTED;

	imap_view_flag_lists(s, out);
	buf_printf(out, "* %zu EXISTS\r\n* %u RECENT\r\n", v->count,
		   v->recent_count);
	if (first_unseen != 0)
		buf_printf(out, "* OK [UNSEEN %u] First unseen.\r\n",
			   first_unseen);
	buf_printf(out, "* OK [UIDVALIDITY %u] UIDs valid\r\n"
		   "* OK [UIDNEXT %u] Predicted next UID\r\n",
		   folder_uidvalidity(f), v->uidnext);
	buf_printf(out, "* OK [HIGHESTMODSEQ %llu] Highest\r\n",
		   (unsigned long long)imap_modseq(f));
	return true;
}

void imap_view_condstore_enable(struct imap_session *s)
{
	/* A client that turns CONDSTORE on with a mailbox selected has not
	 * seen its HIGHESTMODSEQ yet (RFC 7162 3.1). */
	if (!s->condstore && s->state == IMAP_SELECTED &&
	    s->view.shared != NULL)
		imap_untagged(s, "OK [HIGHESTMODSEQ %llu] Highest",
			      imap_modseq(imap_view_folder(s)));
	s->condstore = true;
}

void imap_view_close(struct imap_session *s)
{
	struct imap_view *v = &s->view;

	if (s->idling)
		imap_folders_idle_stop(s);
	imap_folders_put(&v->shared);
	free(v->name);
	free(v->uids);
	free(v->modseqs);
	imap_seqset_release(&v->recent);
	memset(v, 0, sizeof(*v));
	imap_seqset_init(&v->recent);
	if (s->state == IMAP_SELECTED)
		s->state = IMAP_AUTH;
	s->saved_valid = false;
	imap_seqset_clear(&s->saved);
}

bool imap_view_is_recent(const struct imap_session *s, uint32_t uid)
{
	return imap_seqset_contains(&s->view.recent, uid, UINT32_MAX);
}

struct message *imap_view_msg(struct imap_session *s, uint32_t seq)
{
	if (seq == 0 || seq > s->view.count)
		return NULL;
	return folder_find_uid(imap_view_folder(s), s->view.uids[seq - 1]);
}

void imap_view_flags(struct imap_session *s, const struct message *m,
		     uint32_t seq, struct buf *out)
{
	size_t start;

	(void)seq;
	buf_putc(out, '(');
	start = out->len;
	folder_flag_names(imap_view_folder(s), m, out);
	if (imap_view_is_recent(s, m->uid)) {
		if (out->len > start)
			buf_putc(out, ' ');
		buf_puts(out, "\\Recent");
	}
	buf_putc(out, ')');
}

void imap_view_flags_sent(struct imap_session *s, uint32_t seq,
			  uint64_t modseq)
{
	if (seq >= 1 && seq <= s->view.count &&
	    s->view.modseqs[seq - 1] < modseq)
		s->view.modseqs[seq - 1] = modseq;
}

/* Removes the UIDs gone from the folder, telling the client. */
static void send_expunges(struct imap_session *s, struct folder *f,
			  struct buf *out)
{
	struct imap_view *v = &s->view;
	bool qresync = s->enabled & IMAP_ENABLED_QRESYNC;
	struct imap_seqset vanished;
	size_t i, j = 0, k = 0;

	imap_seqset_init(&vanished);
	for (i = 0; i < v->count; i++) {
		while (j < f->count && f->msgs[j].uid < v->uids[i])
			j++;
		if (j < f->count && f->msgs[j].uid == v->uids[i]) {
			v->uids[k] = v->uids[i];
			v->modseqs[k] = v->modseqs[i];
			k++;
			continue;
		}
		if (qresync)
			imap_seqset_add_range(&vanished, v->uids[i],
					      v->uids[i]);
		else	/* each EXPUNGE renumbers the ones after it */
			buf_printf(out, "* %zu EXPUNGE\r\n", k + 1);
		if (imap_view_is_recent(s, v->uids[i]) && v->recent_count > 0)
			v->recent_count--;
	}
	if (qresync && !imap_seqset_is_empty(&vanished)) {
		buf_puts(out, "* VANISHED ");
		imap_seqset_format(&vanished, out);
		buf_puts(out, "\r\n");
	}
	imap_seqset_release(&vanished);
	v->count = k;
}

/* FETCH FLAGS for the messages whose flags changed since the client
 * was told. */
static void send_flag_changes(struct imap_session *s, struct folder *f,
			      struct buf *out)
{
	struct imap_view *v = &s->view;
	size_t i;

	/* Every change up to v->highest_modseq has been sent: a session
	 * woken for a change it already knows (thousands idle on one
	 * INBOX) skips the walk. */
	if (f->highest_modseq <= v->highest_modseq)
		return;
	for (i = 0; i < v->count; i++) {
		struct message *m;

		if (f->highest_modseq <= v->modseqs[i])
			continue;
		m = folder_find_uid(f, v->uids[i]);
		if (m == NULL || m->modseq <= v->modseqs[i])
			continue;
		buf_printf(out, "* %zu FETCH (", i + 1);
		if (s->enabled & IMAP_ENABLED_QRESYNC)
			buf_printf(out, "UID %u ", m->uid);
		buf_puts(out, "FLAGS ");
		imap_view_flags(s, m, (uint32_t)i + 1, out);
		if (s->condstore)
			buf_printf(out, " MODSEQ (%llu)",
				   (unsigned long long)m->modseq);
		buf_puts(out, ")\r\n");
		v->modseqs[i] = m->modseq;
	}
}

void imap_view_keywords_check(struct imap_session *s, struct buf *out)
{
	if (s->view.shared != NULL &&
	    keyword_count(imap_view_folder(s)) != s->view.keyword_count)
		imap_view_flag_lists(s, out);
}

void imap_view_updates(struct imap_session *s, bool expunges, bool force,
		       struct buf *out)
{
	struct imap_view *v = &s->view;
	struct folder *f;
	size_t old_count, i;
	uint32_t last, claim;
	int ret;

	if (v->shared == NULL || v->gone)
		return;
	ret = imap_folders_sync(v->shared, force);
	if (ret == -ESTALE) {
		buf_puts(out, "* BYE Selected mailbox was deleted or renamed, "
			 "have to disconnect.\r\n");
		v->gone = true;
		return;
	}
	if (ret < 0)
		return;
	f = imap_view_folder(s);
	imap_view_keywords_check(s, out);
	if (expunges)
		send_expunges(s, f, out);
	send_flag_changes(s, f, out);
	old_count = v->count;
	last = v->count > 0 ? v->uids[v->count - 1] : 0;
	i = folder_seq_from_uid(f, last + 1);
	claim = imap_folders_recent_take(v->shared,
					 v->readonly || i >= f->count ? 0 :
					 f->msgs[f->count - 1].uid + 1);
	for (; i < f->count; i++) {
		uint32_t uid = f->msgs[i].uid;

		view_push(v, uid, f->msgs[i].modseq);
		if (uid >= claim) {
			imap_seqset_add_range(&v->recent, uid, uid);
			v->recent_count++;
		}
	}
	if (v->count != old_count) {
		buf_printf(out, "* %zu EXISTS\r\n", v->count);
		buf_printf(out, "* %u RECENT\r\n", v->recent_count);
	}
	v->uidnext = folder_uidnext(f);
	v->highest_modseq = f->highest_modseq;
}

int imap_view_seqset(struct imap_cmd *cmd, const struct imap_arg *arg,
		     struct imap_seqset *seqs_r)
{
	struct imap_session *s = cmd->s;
	struct imap_view *v = &s->view;
	struct imap_seqset set;
	struct imap_seqset_iter it;
	const char *str;
	uint32_t seq;

	imap_seqset_clear(seqs_r);
	imap_seqset_init(&set);
	if (!imap_arg_get_atom(arg, &str) ||
	    imap_seqset_parse(&set, str, strlen(str)) < 0) {
		imap_seqset_release(&set);
		imap_cmd_bad(cmd, "Invalid message sequence set");
		return -EINVAL;
	}
	if (set.dollar) {
		/* SEARCHRES: the saved result holds UIDs. */
		if (s->saved_valid)
			imap_seqset_iter_init_uids(&it, &s->saved, v->uids,
						   v->count);
		else
			imap_seqset_iter_init_uids(&it, &set, v->uids, 0);
	} else if (cmd->uid) {
		imap_seqset_iter_init_uids(&it, &set, v->uids, v->count);
	} else {
		if (imap_seqset_max_number(&set) > v->count ||
		    (v->count == 0 && (set.star || set.star_range))) {
			imap_seqset_release(&set);
			imap_cmd_bad(cmd, "Invalid message sequence number");
			return -ERANGE;
		}
		imap_seqset_iter_init(&it, &set, (uint32_t)v->count);
	}
	while (imap_seqset_iter_next(&it, &seq))
		imap_seqset_add_range(seqs_r, seq, seq);
	imap_seqset_iter_release(&it);
	imap_seqset_release(&set);
	return 0;
}
