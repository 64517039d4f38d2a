/*
 * STORE (RFC 3501 6.4.6) with UNCHANGEDSINCE (RFC 7162 3.1.3), and the
 * flag-list parser APPEND shares.
 *
 * Flags and keywords are written by renaming the message file under the
 * folder lock (folder_set_flags()), one lock for the whole command.  A
 * message expunged by someone else meanwhile is skipped.  \Recent cannot
 * be stored (RFC 3501 2.3.2) and is ignored, as Dovecot ignores it.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conn.h"
#include "folder.h"
#include "imap-int.h"
#include "keywords.h"
#include "maildir-name.h"
#include "util.h"

static int parse_one_flag(struct folder *f, const char *name, bool create,
			  uint32_t *flags, uint32_t *keywords)
{
	size_t i;
	int idx;

	if (name[0] == '\\') {
		for (i = 0; i < FOLDER_SYSTEM_FLAGS; i++)
			if (strcasecmp(name, folder_system_flags[i].name) == 0) {
				*flags |= folder_system_flags[i].bit;
				return 0;
			}
		if (strcasecmp(name, "\\Recent") == 0)
			return 0;
		return -EINVAL;
	}
	if (!keyword_name_valid(name))
		return -EINVAL;
	idx = folder_keyword_index(f, name, create);
	if (idx == -ENOENT && !create)
		return 0;
	if (idx < 0)
		return idx;
	*keywords |= 1u << idx;
	return 0;
}

int imap_flags_parse(struct folder *f, const struct imap_arg *arg,
		     size_t count, bool create, uint32_t *flags_r,
		     uint32_t *keywords_r)
{
	const struct imap_list *list;
	const char *name;
	size_t i;
	int ret;

	*flags_r = *keywords_r = 0;
	if (count == 1 && imap_arg_get_list(arg, &list)) {
		arg = list->args;
		count = list->count;
	}
	for (i = 0; i < count; i++) {
		if (!imap_arg_get_atom(&arg[i], &name))
			return -EINVAL;
		ret = parse_one_flag(f, name, create, flags_r, keywords_r);
		if (ret < 0)
			return ret;
	}
	return 0;
}

enum store_mode { STORE_SET, STORE_ADD, STORE_REMOVE };

struct store_req {
	enum store_mode mode;
	bool silent;
	uint64_t unchangedsince;	/* 0: not given */
	bool has_unchangedsince;
	uint32_t flags, keywords;
};

static bool parse_store(struct imap_cmd *cmd, size_t *i, struct store_req *r)
{
	const struct imap_list *mods;
	const char *item;

	if (*i < cmd->count && imap_arg_get_list(&cmd->args[*i], &mods)) {
		if (mods->count != 2 ||
		    !imap_arg_atom_equals(&mods->args[0], "UNCHANGEDSINCE") ||
		    !imap_arg_get_number64(&mods->args[1], &r->unchangedsince))
			return false;
		r->has_unchangedsince = true;
		(*i)++;
	}
	if (*i + 1 >= cmd->count || !imap_arg_get_atom(&cmd->args[*i], &item))
		return false;
	(*i)++;
	r->mode = item[0] == '+' ? STORE_ADD : item[0] == '-' ? STORE_REMOVE :
		  STORE_SET;
	if (r->mode != STORE_SET)
		item++;
	if (strcasecmp(item, "FLAGS.SILENT") == 0)
		r->silent = true;
	else if (strcasecmp(item, "FLAGS") != 0)
		return false;
	return true;
}

void imap_cmd_store(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->s;
	struct folder *f = imap_view_folder(s);
	struct imap_seqset seqs, modified;
	struct imap_seqset_iter it;
	struct store_req r;
	struct buf out = BUF_INIT;
	size_t i = 1;
	uint32_t seq, add, del, kw_add, kw_del;
	bool locked = false;
	int ret;

	memset(&r, 0, sizeof(r));
	imap_seqset_init(&seqs);
	imap_seqset_init(&modified);
	if (cmd->count < 3 || !parse_store(cmd, &i, &r)) {
		imap_cmd_bad(cmd, "Invalid STORE arguments");
		goto out;
	}
	if (imap_view_seqset(cmd, &cmd->args[0], &seqs) < 0)
		goto out;
	if (s->view.readonly) {
		imap_cmd_no(cmd, "[READ-ONLY] Mailbox is read-only");
		goto out;
	}
	ret = imap_flags_parse(f, &cmd->args[i], cmd->count - i,
			       r.mode != STORE_REMOVE, &r.flags, &r.keywords);
	if (ret == -EINVAL) {
		imap_cmd_bad(cmd, "Invalid flag");
		goto out;
	}
	if (ret < 0) {
		imap_cmd_no(cmd, "[LIMIT] Too many keywords in this mailbox");
		goto out;
	}
	if (r.has_unchangedsince)
		imap_view_condstore_enable(s);
	imap_view_keywords_check(s, &out);
	/* The STORE as bits to add and remove, applied under the lock to
	 * the flags as they are on disk then, so that another program's
	 * change since our last sync stays (all but Maildir's P, which is
	 * no IMAP flag, for a replacing STORE FLAGS). */
	add = r.mode != STORE_REMOVE ? r.flags : 0;
	kw_add = r.mode != STORE_REMOVE ? r.keywords : 0;
	del = r.mode == STORE_SET ? MFLAG_ALL & ~MFLAG_PASSED :
	      r.mode == STORE_REMOVE ? r.flags : 0;
	kw_del = r.mode == STORE_SET ? UINT32_MAX :
		 r.mode == STORE_REMOVE ? r.keywords : 0;
	/* UNCHANGEDSINCE compares and stores under one lock (RFC 7162
	 * 3.1.3); otherwise the lock is taken only once a message really
	 * changes, so a STORE that changes nothing takes no lock. */
	if (r.has_unchangedsince) {
		if ((ret = folder_lock_light(f)) < 0) {
			imap_cmd_errno(cmd, ret, NULL);
			goto out;
		}
		locked = true;
	}
	imap_seqset_iter_init(&it, &seqs, (uint32_t)s->view.count);
	while (imap_seqset_iter_next(&it, &seq)) {
		struct message *m = imap_view_msg(s, seq);
		uint32_t flags, kw;

		if (m == NULL)
			continue;
		if (r.has_unchangedsince && m->modseq > r.unchangedsince) {
			imap_seqset_add_range(&modified, cmd->uid ? m->uid : seq,
					      cmd->uid ? m->uid : seq);
			continue;
		}
		flags = (m->flags & ~del) | add;
		kw = (m->keywords & ~kw_del) | kw_add;
		if (flags != m->flags || kw != m->keywords) {
			uint32_t uid = m->uid;

			if (!locked && folder_lock_light(f) == 0)
				locked = true;
			ret = folder_change_flags(f, uid, add, del, kw_add,
						  kw_del);
			m = folder_find_uid(f, uid);
			if (ret < 0 || m == NULL)
				continue;
		}
		imap_view_flags_sent(s, seq, m->modseq);
		if (r.silent && !(r.has_unchangedsince && s->condstore))
			continue;
		buf_printf(&out, "* %u FETCH (", seq);
		if (!r.silent) {
			buf_puts(&out, "FLAGS ");
			imap_view_flags(s, m, seq, &out);
		}
		if (cmd->uid)
			buf_printf(&out, "%sUID %u", r.silent ? "" : " ", m->uid);
		if (s->condstore)
			buf_printf(&out, "%sMODSEQ (%llu)",
				   !r.silent || cmd->uid ? " " : "",
				   (unsigned long long)m->modseq);
		buf_puts(&out, ")\r\n");
		if (out.len > 65536) {
			conn_write(s->c, out.data, out.len);
			buf_reset(&out);
		}
	}
	imap_seqset_iter_release(&it);
	if (locked)
		folder_unlock(f);
	conn_write(s->c, out.data, out.len);
	if (!imap_seqset_is_empty(&modified)) {
		buf_reset(&out);
		imap_seqset_format(&modified, &out);
		imap_cmd_ok(cmd, "[MODIFIED %s] Conditional store failed.",
			    out.data);
	} else {
		imap_cmd_ok(cmd, "Store completed.");
	}
out:
	imap_seqset_release(&seqs);
	imap_seqset_release(&modified);
	buf_release(&out);
}
