/*
 * The IMAP session: input, dispatch, replies.
 *
 * Input comes from the core one line at a time and goes to the argument
 * parser (imap-parser.h).  When a line ends in a literal announcement,
 * the literal is accepted into memory, streamed into the store (APPEND),
 * or refused, before any continuation is sent; its bytes then arrive in
 * raw mode.  A complete command is looked up in the command table and
 * run; it ends with a tagged reply, which this file prefixes with the
 * untagged updates of the selected folder that the client may receive at
 * that point (RFC 3501 7.4.1 and 5.5: no EXPUNGE while a command that
 * uses sequence numbers replies).
 *
 * Commands run one at a time: a command that waits for the thread pool
 * or the socket keeps input paused until it ends, so pipelined commands
 * are answered in order.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conn.h"
#include "imap-int.h"
#include "imap-mailbox.h"
#include "imap-quote.h"
#include "mailbox.h"
#include "util.h"

/* One NO reply per errno, with its RFC 5530 response code; default last. */
static const struct {
	int err;
	const char *code, *text;
} imap_errno_replies[] = {
	{ ENOENT, "NONEXISTENT", "Mailbox doesn't exist" },
	{ EEXIST, "ALREADYEXISTS", "Mailbox already exists" },
	{ EINVAL, "CANNOT", "Invalid mailbox name" },
	{ ENAMETOOLONG, "CANNOT", "Mailbox name too long" },
	{ ENOTEMPTY, "HASCHILDREN", "Mailbox has children" },
	{ EBUSY, "CANNOT", "Mailbox is in use" },
	{ EACCES, "NOPERM", "Permission denied" },
	{ EPERM, "NOPERM", "Permission denied" },
	{ ENOSPC, "OVERQUOTA", "Not enough disk space" },
	{ EDQUOT, "OVERQUOTA", "Quota exceeded" },
	{ EFBIG, "TOOBIG", "Message too large" },
	{ ETIMEDOUT, "INUSE", "Mailbox is locked, try again later" },
	{ EAGAIN, "INUSE", "Mailbox is busy, try again later" },
	{ EMFILE, "UNAVAILABLE", "Too busy, try again later" },
	{ ENFILE, "UNAVAILABLE", "Too busy, try again later" },
	{ EROFS, "UNAVAILABLE", "Mail system is read-only" },
	{ 0, "SERVERBUG", "Internal error occurred. See the server log" },
};

const char *imap_store(const struct imap_session *s)
{
	return conn_store(s->c);
}

void imap_untagged(struct imap_session *s, const char *fmt, ...)
{
	struct buf out = BUF_INIT;
	va_list ap;

	buf_puts(&out, "* ");
	va_start(ap, fmt);
	buf_vprintf(&out, fmt, ap);
	va_end(ap);
	buf_puts(&out, "\r\n");
	conn_write(s->c, out.data, out.len);
	buf_release(&out);
}

/* Ends the running command with its tagged reply, after the updates the
 * client may get now. */
static void tagged(struct imap_cmd *cmd, const char *status, bool updates,
		   const char *fmt, va_list ap)
{
	struct imap_session *s = cmd->s;
	struct buf out = BUF_INIT;

	if (cmd->done)
		fatal("IMAP command %s replied twice", cmd->name);
	if (updates && s->state == IMAP_SELECTED)
		imap_view_updates(s, cmd->def == NULL ||
				  !(cmd->def->flags & IMAP_CMD_SEQ) || cmd->uid,
				  cmd->def != NULL &&
				  (cmd->def->flags & IMAP_CMD_SYNC), &out);
	buf_printf(&out, "%s %s ", cmd->tag, status);
	buf_vprintf(&out, fmt, ap);
	buf_puts(&out, "\r\n");
	conn_write(s->c, out.data, out.len);
	buf_release(&out);
	cmd->done = true;
	s->running = false;
	s->cmd_ctx = NULL;
	s->abort_cmd = NULL;
	if (s->view.gone && !s->c->closing) {
		conn_close(s->c);
		return;
	}
	if (conn_stopping(s->c) && !s->c->closing && !s->idling) {
		conn_puts(s->c, "* BYE Server shutting down.\r\n");
		conn_close(s->c);
	}
}

void imap_cmd_ok(struct imap_cmd *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tagged(cmd, "OK", true, fmt, ap);
	va_end(ap);
}

void imap_cmd_no(struct imap_cmd *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tagged(cmd, "NO", true, fmt, ap);
	va_end(ap);
}

void imap_cmd_bad(struct imap_cmd *cmd, const char *fmt, ...)
{
	struct imap_session *s = cmd->s;
	va_list ap;

	va_start(ap, fmt);
	tagged(cmd, "BAD", false, fmt, ap);
	va_end(ap);
	if (!s->c->closing && conn_bad_command(s->c)) {
		conn_log_info(s->c, "too many bad commands");
		conn_puts(s->c, "* BYE Too many invalid IMAP commands.\r\n");
		conn_close(s->c);
	}
}

void imap_cmd_errno(struct imap_cmd *cmd, int err, const char *what)
{
	size_t i;

	if (err < 0)
		err = -err;
	for (i = 0; i + 1 < ARRAY_SIZE(imap_errno_replies); i++)
		if (imap_errno_replies[i].err == err)
			break;
	if (i + 1 == ARRAY_SIZE(imap_errno_replies))
		conn_log_warn(cmd->s->c, "%s failed: %s", cmd->name,
			      strerror(err));
	imap_cmd_no(cmd, "[%s] %s", imap_errno_replies[i].code,
		    what != NULL ? what : imap_errno_replies[i].text);
}

void imap_cmd_finished(struct imap_session *s)
{
	(void)s;	/* input resumes when the core's pause ends */
}

bool imap_arg_mailbox(struct imap_cmd *cmd, const struct imap_arg *arg,
		      struct buf *name)
{
	const char *str, *why;
	size_t len;

	if (!imap_arg_get_astring(arg, &str, &len)) {
		imap_cmd_bad(cmd, "Invalid mailbox name argument");
		return false;
	}
	buf_reset(name);
	if (imap_mailbox_decode(str, len,
				cmd->s->enabled & IMAP_ENABLED_UTF8, name) < 0) {
		imap_cmd_no(cmd, "[CANNOT] Invalid mailbox name encoding");
		return false;
	}
	/* A trailing separator names the same folder (RFC 3501 6.3.3). */
	while (name->len > 1 && name->data[name->len - 1] == '/')
		buf_truncate(name, name->len - 1);
	if (mailbox_name_check(name->data, &why) < 0) {
		imap_cmd_no(cmd, "[CANNOT] Invalid mailbox name: %s", why);
		return false;
	}
	return true;
}

void imap_append_mailbox(const struct imap_session *s, const char *name,
			 struct buf *out)
{
	if (imap_mailbox_encode(name, strlen(name),
				s->enabled & IMAP_ENABLED_UTF8, out) < 0)
		imap_quote_astring(out, name, strlen(name));
}

void imap_capabilities(const struct imap_session *s, struct buf *out)
{
	buf_puts(out, "IMAP4rev1 SASL-IR LITERAL+ ID ENABLE IDLE");
	if (s->state == IMAP_NOT_AUTH) {
		if (conn_starttls_available(s->c))
			buf_puts(out, " STARTTLS");
		if (conn_plaintext_auth_allowed(s->c))
			buf_puts(out, " AUTH=PLAIN AUTH=LOGIN");
		else
			buf_puts(out, " LOGINDISABLED");
		return;
	}
	buf_printf(out, " NAMESPACE UNSELECT CHILDREN UIDPLUS MOVE SPECIAL-USE"
		   " LIST-EXTENDED LIST-STATUS STATUS=SIZE ESEARCH SEARCHRES"
		   " CONDSTORE QRESYNC SORT THREAD=REFERENCES"
		   " THREAD=ORDEREDSUBJECT MULTIAPPEND APPENDLIMIT=%llu"
		   " BINARY UTF8=ACCEPT",
		   (unsigned long long)(s->c->limits.max_message_size != 0 ?
					s->c->limits.max_message_size :
					IMAP_DEFAULT_APPEND_LIMIT));
}

/* ---- running a command ---- */

static void parse_error(struct imap_session *s, int err)
{
	const char *tag = imap_parser_tag(&s->parser);
	const char *text = imap_parser_error(&s->parser);

	if (s->append != NULL) {
		/* A literal that was being stored failed or was cut short. */
		struct imap_cmd *cmd = &s->cmd;

		imap_append_free(s);
		if (err != -EINVAL && err != -E2BIG && tag != NULL) {
			xsnprintf(cmd->tag, sizeof(cmd->tag), "%s", tag);
			cmd->name = "APPEND";
			cmd->def = NULL;
			cmd->done = false;
			s->running = true;
			imap_cmd_errno(cmd, err, NULL);
			return;
		}
	}
	if (tag != NULL)
		conn_printf(s->c, "%s BAD %s\r\n", tag, text);
	else
		conn_printf(s->c, "* BAD %s\r\n", text);
	if (conn_bad_command(s->c)) {
		conn_log_info(s->c, "too many bad commands");
		conn_puts(s->c, "* BYE Too many invalid IMAP commands.\r\n");
		conn_close(s->c);
	}
}

static void run_command(struct imap_session *s)
{
	struct imap_cmd *cmd = &s->cmd;
	const struct imap_list *args = imap_parser_args(&s->parser);
	const char *tag = imap_parser_tag(&s->parser);
	const char *name = imap_parser_name(&s->parser);
	const struct imap_command *def;
	const char *sub;

	memset(cmd, 0, sizeof(*cmd));
	cmd->s = s;
	xsnprintf(cmd->tag, sizeof(cmd->tag), "%s", tag);
	cmd->name = name;
	cmd->args = args->args;
	cmd->count = args->count;
	s->running = true;

	if (strcasecmp(name, "UID") == 0) {
		if (cmd->count == 0 || !imap_arg_get_atom(&cmd->args[0], &sub)) {
			imap_cmd_bad(cmd, "UID needs a command");
			return;
		}
		def = imap_command_find(sub);
		if (def == NULL || !(def->flags & IMAP_CMD_UID)) {
			imap_cmd_bad(cmd, "Unknown UID command %s", sub);
			return;
		}
		cmd->uid = true;
		cmd->args++;
		cmd->count--;
	} else {
		def = imap_command_find(name);
		if (def == NULL) {
			imap_cmd_bad(cmd, "Unknown command %s", name);
			return;
		}
	}
	cmd->def = def;
	cmd->name = def->name;
	if (!(def->states & s->state)) {
		if (s->state == IMAP_NOT_AUTH)
			imap_cmd_bad(cmd, "Log in first");
		else if (def->states == IMAP_SELECTED)
			imap_cmd_bad(cmd, "No mailbox selected");
		else
			imap_cmd_bad(cmd, "Command not valid in this state");
		return;
	}
	def->run(cmd);
}

/* The literal just announced: where it goes, and the continuation. */
static void literal_announced(struct imap_session *s)
{
	const struct imap_literal_info *lit = imap_parser_literal(&s->parser);
	const char *name = imap_parser_name(&s->parser);
	const char *tag = imap_parser_tag(&s->parser);
	int ret;

	if (s->state != IMAP_NOT_AUTH && name != NULL &&
	    strcasecmp(name, "APPEND") == 0 &&
	    imap_append_wants_literal(s, lit)) {
		xsnprintf(s->cmd.tag, sizeof(s->cmd.tag), "%s",
			  tag != NULL ? tag : "*");
		ret = imap_append_literal(s, lit);
		if (ret < 0)
			imap_parser_literal_refuse(&s->parser);
	} else if (imap_parser_literal_accept(&s->parser) < 0) {
		imap_parser_literal_refuse(&s->parser);
		if (lit->sync)
			conn_printf(s->c, "%s NO [TOOBIG] Literal too large\r\n",
				    tag != NULL ? tag : "*");
		else
			parse_error(s, -E2BIG);
		ret = -E2BIG;
	} else {
		ret = 0;
	}
	if (ret == 0 && lit->sync)
		conn_puts(s->c, "+ OK\r\n");
	/* A refused non-synchronizing literal still arrives: skip it. */
	if (imap_parser_wants(&s->parser) == IMAP_PARSER_WANT_LITERAL)
		conn_set_raw(s->c, true);
}

static void imap_on_line(struct conn *c, const struct lr_line *line)
{
	struct imap_session *s = c->session;
	int ret;

	if (s->idling) {
		imap_idle_line(s, line->data);
		return;
	}
	if (s->in_sasl) {
		imap_sasl_continue(s, line->data);
		return;
	}
	ret = imap_parser_feed_line(&s->parser, line->data, line->len,
				    line->flags);
	if (ret < 0)
		parse_error(s, ret);
	else if (ret == IMAP_PARSE_LITERAL)
		literal_announced(s);
	else if (ret == IMAP_PARSE_DONE)
		run_command(s);
}

static size_t imap_on_data(struct conn *c, const char *data, size_t len)
{
	struct imap_session *s = c->session;
	size_t used = imap_parser_feed_literal(&s->parser, data, len);

	if (imap_parser_wants(&s->parser) != IMAP_PARSER_WANT_LITERAL)
		conn_set_raw(c, false);
	return used;
}

static void imap_on_line_too_long(struct conn *c)
{
	struct imap_session *s = c->session;

	imap_parser_reset(&s->parser);
	imap_append_free(s);
	conn_puts(c, "* BAD Command line too long\r\n");
	if (conn_bad_command(c)) {
		conn_puts(c, "* BYE Too many invalid IMAP commands.\r\n");
		conn_close(c);
	}
}

static void imap_on_connect(struct conn *c)
{
	struct imap_session *s = xcalloc(1, sizeof(*s));
	struct imap_parser_limits limits;
	struct buf caps = BUF_INIT;

	s->c = c;
	s->state = IMAP_NOT_AUTH;
	imap_parser_limits_default(&limits);
	limits.max_line = c->limits.imap_max_line;
	imap_parser_init(&s->parser, &limits);
	conn_set_max_line(c, c->limits.imap_max_line);
	imap_seqset_init(&s->saved);
	imap_seqset_init(&s->view.recent);
	c->session = s;
	conn_set_idle_timeout(c, c->limits.imap_idle_timeout);
	imap_capabilities(s, &caps);
	conn_printf(c, "* OK [CAPABILITY %s] mailtree IMAP ready.\r\n",
		    caps.data);
	buf_release(&caps);
}

static void imap_on_tls_ready(struct conn *c)
{
	(void)c;	/* RFC 3501 6.2.1: the client speaks first */
}

static void imap_on_timeout(struct conn *c)
{
	conn_puts(c, "* BYE Disconnected for inactivity.\r\n");
}

static void imap_on_shutdown(struct conn *c)
{
	struct imap_session *s = c->session;

	/* A command in flight finishes first, then says BYE (tagged()). */
	if (s != NULL && s->running && !s->idling)
		return;
	conn_puts(c, "* BYE Server shutting down.\r\n");
	conn_close(c);
}

static void imap_on_close(struct conn *c)
{
	struct imap_session *s = c->session;

	if (s == NULL)
		return;
	if (s->abort_cmd != NULL)
		s->abort_cmd(s);
	if (s->idling)
		imap_folders_idle_stop(s);
	imap_append_free(s);
	imap_view_close(s);
	mailbox_free(&s->mbox);
	if (s->in_sasl)
		sasl_release(&s->sasl);
	imap_seqset_release(&s->saved);
	imap_parser_release(&s->parser);
	free(s);
	c->session = NULL;
}

const struct proto proto_imap = {
	.name = "imap",
	.on_connect = imap_on_connect,
	.on_line = imap_on_line,
	.on_line_too_long = imap_on_line_too_long,
	.on_data = imap_on_data,
	.on_tls_ready = imap_on_tls_ready,
	.on_timeout = imap_on_timeout,
	.on_shutdown = imap_on_shutdown,
	.on_close = imap_on_close,
};
