/*
 * APPEND (RFC 3501 6.3.11) with MULTIAPPEND (RFC 3502), UIDPLUS's
 * APPENDUID (RFC 4315), APPENDLIMIT (RFC 7889), literal8 (RFC 3516) and
 * the UTF8 (literal8) form of RFC 6855.
 *
 * Each message literal streams straight into the folder's tmp/ as it
 * arrives (save.h); nothing of it is kept in memory.  The size is checked
 * when the literal is announced, before the continuation is sent, so a
 * message over the limit is refused with [TOOBIG] without being
 * transferred.  When the command is complete the messages are made
 * durable and given UIDs on the thread pool (fsync of file and
 * directory), and only then does the client get its OK.  A command that
 * fails leaves none of its messages: MULTIAPPEND is all or nothing until
 * the first message is committed, and commits stop at the first error.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "folder.h"
#include "imap-date.h"
#include "imap-int.h"
#include "mailbox.h"
#include "save-group.h"
#include "save.h"
#include "util.h"

/* Messages per MULTIAPPEND command. */
#define APPEND_MAX_MESSAGES 1000

struct append_msg {
	struct save *save;
	uint32_t flags, keywords;
	time_t date;
	uint32_t uid;
};

struct imap_append {
	struct folder *folder;		/* private, opened lazily */
	char *name;
	struct append_msg *msgs;
	size_t count, cap;
	int ret;			/* of the commit */
	uint32_t uidvalidity;		/* the UIDs' (APPENDUID) */
};

void imap_append_free(struct imap_session *s)
{
	struct imap_append *a = s->append;
	size_t i;

	if (a == NULL)
		return;
	for (i = 0; i < a->count; i++)
		save_abort(&a->msgs[i].save);
	free(a->msgs);
	folder_free(&a->folder);
	free(a->name);
	free(a);
	s->append = NULL;
}

static uint64_t append_limit(const struct imap_session *s)
{
	return s->c->limits.max_message_size != 0 ?
	       s->c->limits.max_message_size : IMAP_DEFAULT_APPEND_LIMIT;
}

/* Sets up s->cmd for a reply before the command is complete. */
static struct imap_cmd *early_cmd(struct imap_session *s)
{
	struct imap_cmd *cmd = &s->cmd;

	cmd->s = s;
	cmd->def = imap_command_find("APPEND");
	cmd->name = "APPEND";
	cmd->uid = false;
	cmd->done = false;
	s->running = true;
	return cmd;
}

static int append_open(struct imap_session *s, const struct imap_list *args)
{
	struct imap_cmd *cmd = early_cmd(s);
	struct imap_append *a;
	struct buf name = BUF_INIT, dir = BUF_INIT;
	int ret;

	if (args->count < 1 || !imap_arg_mailbox(cmd, &args->args[0], &name)) {
		if (!cmd->done)
			imap_cmd_bad(cmd, "APPEND needs a mailbox");
		buf_release(&name);
		return -EINVAL;
	}
	if (!mailbox_folder_exists(s->mbox, name.data)) {
		imap_cmd_no(cmd, "[TRYCREATE] Mailbox doesn't exist: %s",
			    name.data);
		buf_release(&name);
		return -ENOENT;
	}
	a = xcalloc(1, sizeof(*a));
	ret = mailbox_folder_dir(s->mbox, name.data, &dir);
	if (ret == 0)
		ret = folder_open_lazy(dir.data, &a->folder);
	buf_release(&dir);
	if (ret < 0) {
		free(a);
		buf_release(&name);
		imap_cmd_errno(cmd, ret, NULL);
		return ret;
	}
	a->name = buf_detach(&name);
	s->append = a;
	return 0;
}

bool imap_append_wants_literal(struct imap_session *s,
			       const struct imap_literal_info *lit)
{
	const struct imap_list *args = imap_parser_args_so_far(&s->parser);

	if (lit->depth == 0)
		return true;
	size_t n = args->count;

	/* "UTF8 (~{N}" of RFC 6855: the literal opens the list that
	 * follows the atom (the open list may already be counted). */
	if (lit->depth != 1 || lit->index != 0)
		return false;
	if (n > 0 && args->args[n - 1].type == IMAP_ARG_LIST)
		n--;
	return n > 0 && imap_arg_atom_equals(&args->args[n - 1], "UTF8");
}

int imap_append_literal(struct imap_session *s,
			const struct imap_literal_info *lit)
{
	const struct imap_list *args = imap_parser_args_so_far(&s->parser);
	struct imap_append *a;
	struct append_msg *m;
	int ret;

	if (s->append == NULL && (ret = append_open(s, args)) < 0)
		return ret;
	a = s->append;
	if (lit->size > append_limit(s) || a->count >= APPEND_MAX_MESSAGES) {
		imap_append_free(s);
		imap_cmd_no(early_cmd(s), "[TOOBIG] Message too large");
		return -EFBIG;
	}
	a->msgs = xgrow(a->msgs, &a->cap, a->count + 1, sizeof(*a->msgs));
	m = &a->msgs[a->count];
	memset(m, 0, sizeof(*m));
	ret = save_begin(a->folder, &m->save);
	if (ret < 0) {
		imap_append_free(s);
		imap_cmd_errno(early_cmd(s), ret, NULL);
		return ret;
	}
	a->count++;
	return imap_parser_literal_sink(&s->parser, save_sink, m->save);
}

/* Reads [flags] [date-time] literal groups, one per message saved. */
static int parse_messages(struct imap_cmd *cmd, struct imap_append *a)
{
	size_t i = 1, n = 0;
	const char *str;
	size_t len;
	uint64_t size;
	int ret, tz;

	while (i < cmd->count) {
		struct append_msg *m;

		if (n >= a->count)
			return -EINVAL;
		m = &a->msgs[n];
		if (cmd->args[i].type == IMAP_ARG_LIST) {
			ret = imap_flags_parse(a->folder, &cmd->args[i], 1, true,
					       &m->flags, &m->keywords);
			if (ret < 0)
				return ret;
			i++;
		}
		if (i < cmd->count && cmd->args[i].type == IMAP_ARG_QUOTED) {
			imap_arg_get_string(&cmd->args[i], &str, &len);
			if (imap_date_time_parse(str, len, &m->date, &tz) < 0)
				return -EINVAL;
			i++;
		}
		if (i < cmd->count &&
		    imap_arg_atom_equals(&cmd->args[i], "UTF8")) {
			/* RFC 6855 4: UTF8 (literal8), after ENABLE. */
			const struct imap_list *l;

			if (!(cmd->s->enabled & IMAP_ENABLED_UTF8) ||
			    i + 1 >= cmd->count ||
			    !imap_arg_get_list(&cmd->args[i + 1], &l) ||
			    l->count != 1 ||
			    l->args[0].type != IMAP_ARG_STREAMED)
				return -EINVAL;
			size = l->args[0].size;
			i += 2;
		} else {
			if (i >= cmd->count ||
			    cmd->args[i].type != IMAP_ARG_STREAMED)
				return -EINVAL;
			size = cmd->args[i].size;
			i++;
		}
		if (size == 0)
			return -ENODATA;
		n++;
	}
	return n == a->count && n > 0 ? 0 : -EINVAL;
}

/* A MULTIAPPEND is all or nothing (RFC 3502): one commit of every
 * message, undone if one of them cannot be put in place. */
static int commit_all(struct imap_append *a)
{
	struct save **saves = xcalloc(a->count, sizeof(*saves));
	uint32_t *uids = xcalloc(a->count, sizeof(*uids));
	int *rets = xcalloc(a->count, sizeof(*rets));
	size_t i;
	int ret = 0;

	for (i = 0; i < a->count && ret == 0; i++)
		ret = save_prepare(a->msgs[i].save, a->msgs[i].flags,
				   a->msgs[i].keywords, a->msgs[i].date);
	if (ret == 0) {
		for (i = 0; i < a->count; i++) {
			saves[i] = a->msgs[i].save;
			a->msgs[i].save = NULL;	/* the commit frees it */
		}
		save_commit_all(a->folder, saves, a->count, rets, uids);
		ret = rets[0];
		for (i = 0; i < a->count; i++)
			a->msgs[i].uid = ret == 0 ? uids[i] : 0;
		a->uidvalidity = folder_uidvalidity(a->folder);
	}
	free(saves);
	free(uids);
	free(rets);
	return ret;
}

static void commit_work(void *arg)
{
	struct imap_append *a = arg;

	if (a->count > 1)
		a->ret = commit_all(a);
	else
		a->ret = save_group_finish(&a->msgs[0].save, a->msgs[0].flags,
					   a->msgs[0].keywords,
					   a->msgs[0].date, &a->msgs[0].uid,
					   &a->uidvalidity);
}

static void commit_done(struct conn *c, void *arg)
{
	struct imap_session *s = c->session;
	struct imap_append *a = arg;
	struct imap_cmd *cmd = &s->cmd;
	struct imap_seqset uids;
	struct buf set = BUF_INIT;
	size_t i;

	if (c->closing) {
		imap_append_free(s);
		return;
	}
	imap_seqset_init(&uids);
	for (i = 0; i < a->count; i++)
		if (a->msgs[i].uid != 0)
			imap_seqset_add_range(&uids, a->msgs[i].uid,
					      a->msgs[i].uid);
	imap_seqset_format(&uids, &set);
	imap_folders_touch(a->folder->dir);
	if (a->ret < 0) {
		conn_log_warn(c, "append to %s failed: %s", a->name,
			      strerror(-a->ret));
		imap_cmd_errno(cmd, a->ret, NULL);
	} else {
		conn_log_info(c, "append to %s uids=%s", a->name, set.data);
		imap_cmd_ok(cmd, "[APPENDUID %u %s] Append completed.",
			    a->uidvalidity, set.data);
	}
	imap_seqset_release(&uids);
	buf_release(&set);
	imap_append_free(s);
}

void imap_cmd_append(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->s;
	struct imap_append *a = s->append;
	int ret;

	if (a == NULL) {
		/* No literal came: a syntax error, or a mailbox check. */
		struct buf name = BUF_INIT;

		if (cmd->count >= 1 && imap_arg_mailbox(cmd, &cmd->args[0],
							 &name))
			imap_cmd_bad(cmd, "APPEND needs a message literal");
		buf_release(&name);
		return;
	}
	ret = parse_messages(cmd, a);
	if (ret == -ENODATA) {
		imap_append_free(s);
		imap_cmd_no(cmd, "Can't save a zero byte message.");
		return;
	}
	if (ret == -EINVAL) {
		imap_append_free(s);
		imap_cmd_bad(cmd, "Invalid APPEND arguments");
		return;
	}
	if (ret < 0) {
		imap_append_free(s);
		imap_cmd_no(cmd, "[LIMIT] Too many keywords in this mailbox");
		return;
	}
	conn_queue_work(s->c, commit_work, commit_done, a);
}
