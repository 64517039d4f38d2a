/*
 * The POP3 session: the AUTHORIZATION, TRANSACTION and UPDATE states of
 * RFC 1939 and one table of commands with the states that allow them.
 * The AUTHORIZATION commands are in pop3-auth.c, RETR/TOP streaming in
 * pop3-retr.c, the maildrop in pop3-maildrop.c.  Deliberate choices, as Dovecot makes them:
 * LIST and STAT give the size with CRLF line endings without counting
 * the stuffed dots; UIDLs are "%08X%08X" of UID and UIDVALIDITY (Dovecot's
 * default pop3_uidl_format %08Xu%08Xv); RETR does not set \Seen; USER and
 * SASL are offered only where plaintext passwords are allowed.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "conn.h"
#include "pop3-int.h"
#include "sasl.h"
#include "util.h"

struct pop3_cmd {
	const char verb[POP3_MAX_VERB + 1];
	unsigned int states;	/* enum pop3_state bits that allow it */
	void (*act)(struct pop3_session *s, const char *args);
};

/* One reply per errno, with its RFC 2449/3206 response code; default last. */
static const struct {
	int err;
	const char *code, *text;
} pop3_errno_replies[] = {
	{ EAGAIN, "[IN-USE]", "Mailbox is locked by another POP3 session" },
	{ ESRCH, "[AUTH]", "Authentication failed." },
	{ ENOENT, "", "No such message" },
	{ ENOSPC, "[SYS/TEMP]", "Out of disk space, try again later" },
	{ EDQUOT, "[SYS/TEMP]", "Quota exceeded, try again later" },
	{ EROFS, "[SYS/TEMP]", "Mail system read-only, try again later" },
	{ EMFILE, "[SYS/TEMP]", "Too busy, try again later" },
	{ ENFILE, "[SYS/TEMP]", "Too busy, try again later" },
	{ ETIMEDOUT, "[SYS/TEMP]", "Mailbox busy, try again later" },
	{ EACCES, "[SYS/PERM]", "Permission denied" },
	{ EPERM, "[SYS/PERM]", "Permission denied" },
	{ 0, "[SYS/TEMP]", "Internal error, see the server log" },
};

void pop3_reply_errno(struct pop3_session *s, int err, const char *what)
{
	size_t i;

	if (err < 0)
		err = -err;
	for (i = 0; i + 1 < ARRAY_SIZE(pop3_errno_replies); i++)
		if (pop3_errno_replies[i].err == err)
			break;
	conn_printf(s->c, "-ERR %s%s%s\r\n", pop3_errno_replies[i].code,
		    pop3_errno_replies[i].code[0] != '\0' ? " " : "",
		    what != NULL ? what : pop3_errno_replies[i].text);
	if (i + 1 == ARRAY_SIZE(pop3_errno_replies))
		conn_log_warn(s->c, "error: %s", strerror(err));
}

void pop3_goodbye(struct pop3_session *s, const char *reply)
{
	conn_puts(s->c, reply);
	conn_close(s->c);
}

/* Closes after the reply when too many commands failed. */
void pop3_bad_command(struct pop3_session *s, const char *reply)
{
	conn_puts(s->c, reply);
	if (conn_bad_command(s->c)) {
		conn_log_info(s->c, "too many bad commands");
		pop3_goodbye(s, "-ERR Too many bad commands.\r\n");
	}
}

void pop3_after_command(struct pop3_session *s)
{
	if (conn_stopping(s->c) && !s->c->closing)
		pop3_goodbye(s, "-ERR [SYS/TEMP] Server shutting down.\r\n");
}

/* ---- TRANSACTION ---- */

/* Parses a message number that must exist and not be deleted; 0 after
 * an error reply. */
static uint32_t msg_arg(struct pop3_session *s, const char *args,
			const char **rest_r)
{
	uint32_t n;

	if (pop3_parse_number(args, false, &n, rest_r) < 0) {
		pop3_bad_command(s, "-ERR Invalid message number.\r\n");
		return 0;
	}
	if (n > s->md->count) {
		conn_printf(s->c, "-ERR There's no message %u.\r\n", n);
		return 0;
	}
	if (s->md->msgs[n - 1].deleted) {
		conn_puts(s->c, "-ERR Message is deleted.\r\n");
		return 0;
	}
	return n;
}

/* The argument is a single message number, or absent when optional. */
static bool one_msg(struct pop3_session *s, const char *args, uint32_t *n_r)
{
	const char *rest;

	*n_r = msg_arg(s, args, &rest);
	if (*n_r != 0 && *rest != '\0') {
		pop3_bad_command(s, "-ERR Too many arguments.\r\n");
		*n_r = 0;
	}
	return *n_r != 0;
}

static void act_stat(struct pop3_session *s, const char *args)
{
	(void)args;
	conn_printf(s->c, "+OK %u %llu\r\n", s->live_count,
		    (unsigned long long)s->live_size);
}

static void act_list(struct pop3_session *s, const char *args)
{
	struct buf out = BUF_INIT;
	uint32_t i, n;

	if (*args != '\0') {
		if (one_msg(s, args, &n))
			conn_printf(s->c, "+OK %u %llu\r\n", n,
				    (unsigned long long)s->md->msgs[n - 1].size);
		return;
	}
	buf_printf(&out, "+OK %u messages (%llu octets)\r\n", s->live_count,
		   (unsigned long long)s->live_size);
	for (i = 0; i < s->md->count; i++)
		if (!s->md->msgs[i].deleted)
			buf_printf(&out, "%u %llu\r\n", i + 1,
				   (unsigned long long)s->md->msgs[i].size);
	buf_puts(&out, ".\r\n");
	conn_write(s->c, out.data, out.len);
	buf_release(&out);
}

static void act_uidl(struct pop3_session *s, const char *args)
{
	struct buf out = BUF_INIT;
	uint32_t i, n;

	if (*args != '\0') {
		if (one_msg(s, args, &n))
			conn_printf(s->c, "+OK %u %08X%08X\r\n", n,
				    s->md->msgs[n - 1].uid, s->md->uidvalidity);
		return;
	}
	buf_puts(&out, "+OK\r\n");
	for (i = 0; i < s->md->count; i++)
		if (!s->md->msgs[i].deleted)
			buf_printf(&out, "%u %08X%08X\r\n", i + 1,
				   s->md->msgs[i].uid, s->md->uidvalidity);
	buf_puts(&out, ".\r\n");
	conn_write(s->c, out.data, out.len);
	buf_release(&out);
}

static void act_retr(struct pop3_session *s, const char *args)
{
	uint32_t n;

	if (one_msg(s, args, &n))
		pop3_retr_start(s, n, false, 0);
}

static void act_top(struct pop3_session *s, const char *args)
{
	const char *rest;
	uint32_t n, lines;

	n = msg_arg(s, args, &rest);
	if (n == 0)
		return;
	if (pop3_parse_number(rest, true, &lines, &rest) < 0 ||
	    *rest != '\0') {
		pop3_bad_command(s, "-ERR Usage: TOP msg lines\r\n");
		return;
	}
	pop3_retr_start(s, n, true, lines);
}

static void act_dele(struct pop3_session *s, const char *args)
{
	uint32_t n;

	if (!one_msg(s, args, &n))
		return;
	s->md->msgs[n - 1].deleted = true;
	s->live_count--;
	s->live_size -= s->md->msgs[n - 1].size;
	conn_puts(s->c, "+OK Marked to be deleted.\r\n");
}

static void act_rset(struct pop3_session *s, const char *args)
{
	uint32_t i;

	(void)args;
	s->live_count = s->md->count;
	s->live_size = 0;
	for (i = 0; i < s->md->count; i++) {
		s->md->msgs[i].deleted = false;
		s->live_size += s->md->msgs[i].size;
	}
	conn_printf(s->c, "+OK %u messages\r\n", s->live_count);
}

static void act_noop(struct pop3_session *s, const char *args)
{
	(void)args;
	conn_puts(s->c, "+OK\r\n");
}

/* ---- QUIT and UPDATE ---- */

struct expunge_req {
	struct pop3_session *s;
	struct buf failed;
	int ret;
};

static void expunge_work(void *arg)
{
	struct expunge_req *e = arg;

	e->ret = pop3_maildrop_expunge(e->s->md, &e->failed);
}

static void expunge_done(struct conn *c, void *arg)
{
	struct expunge_req *e = arg;

	if (e->ret < 0) {
		conn_log_warn(c, "expunge failed for messages %s: %s",
			      e->failed.data, strerror(-e->ret));
		conn_printf(c, "-ERR [SYS/TEMP] Some deleted messages were not "
			    "removed: %s\r\n", e->failed.data);
	} else {
		conn_puts(c, "+OK Logging out, messages deleted.\r\n");
	}
	buf_release(&e->failed);
	free(e);
	conn_close(c);
}

static void act_quit(struct pop3_session *s, const char *args)
{
	struct expunge_req *e;

	(void)args;
	if (s->state == POP3_AUTHORIZATION ||
	    s->live_count == s->md->count) {
		pop3_goodbye(s, "+OK Logging out.\r\n");
		return;
	}
	s->state = POP3_UPDATE;
	e = xcalloc(1, sizeof(*e));
	e->s = s;
	buf_init(&e->failed);
	conn_queue_work(s->c, expunge_work, expunge_done, e);
}

#define AUTHZ POP3_AUTHORIZATION
#define TRANS POP3_TRANSACTION

static const struct pop3_cmd pop3_commands[] = {
	{ "CAPA", AUTHZ | TRANS, pop3_act_capa },
	{ "USER", AUTHZ, pop3_act_user },
	{ "PASS", AUTHZ, pop3_act_pass },
	{ "AUTH", AUTHZ, pop3_act_auth },
	{ "STLS", AUTHZ, pop3_act_stls },
	{ "QUIT", AUTHZ | TRANS, act_quit },
	{ "STAT", TRANS, act_stat },
	{ "LIST", TRANS, act_list },
	{ "RETR", TRANS, act_retr },
	{ "TOP", TRANS, act_top },
	{ "DELE", TRANS, act_dele },
	{ "RSET", TRANS, act_rset },
	{ "NOOP", TRANS, act_noop },
	{ "UIDL", TRANS, act_uidl },
};

static void pop3_on_line(struct conn *c, const struct lr_line *line)
{
	struct pop3_session *s = c->session;
	struct pop3_command cmd;
	size_t i;

	if (line->flags & LR_HAS_NUL) {
		if (s->in_sasl) {
			s->in_sasl = false;
			sasl_release(&s->sasl);
		}
		pop3_bad_command(s, "-ERR NUL byte in command.\r\n");
		return;
	}
	if (s->in_sasl) {
		pop3_sasl_continue(s, line->data);
		return;
	}
	if (pop3_parse_command(line->data, &cmd) < 0) {
		pop3_bad_command(s, "-ERR Unknown command.\r\n");
		return;
	}
	for (i = 0; i < ARRAY_SIZE(pop3_commands); i++)
		if (strcmp(pop3_commands[i].verb, cmd.verb) == 0)
			break;
	if (i == ARRAY_SIZE(pop3_commands)) {
		pop3_bad_command(s, "-ERR Unknown command.\r\n");
		return;
	}
	if (!(pop3_commands[i].states & s->state)) {
		pop3_bad_command(s, s->state == POP3_AUTHORIZATION ?
			    "-ERR Log in first.\r\n" :
			    "-ERR Command not allowed after login.\r\n");
		return;
	}
	if (s->md != NULL)
		pop3_maildrop_touch(s->md);
	pop3_commands[i].act(s, cmd.args);
}

static void pop3_on_line_too_long(struct conn *c)
{
	pop3_bad_command(c->session, "-ERR Line too long\r\n");
}

static void pop3_on_connect(struct conn *c)
{
	struct pop3_session *s = xcalloc(1, sizeof(*s));

	s->c = c;
	s->state = POP3_AUTHORIZATION;
	c->session = s;
	conn_set_idle_timeout(c, c->limits.pop3_idle_timeout);
	conn_puts(c, "+OK mailtree POP3 ready.\r\n");
}

static void pop3_on_tls_ready(struct conn *c)
{
	(void)c;	/* RFC 2595 4: the client speaks first after STLS */
}

static void pop3_on_timeout(struct conn *c)
{
	conn_puts(c, "-ERR Disconnected for inactivity.\r\n");
}

static void pop3_on_shutdown(struct conn *c)
{
	struct pop3_session *s = c->session;

	/* A message being sent or an UPDATE finishes first. */
	if (s != NULL && (s->retr != NULL || c->work_pending > 0))
		return;
	if (s != NULL)
		pop3_goodbye(s, "-ERR [SYS/TEMP] Server shutting down.\r\n");
	else
		conn_close(c);
}

static void pop3_on_close(struct conn *c)
{
	struct pop3_session *s = c->session;

	if (s == NULL)
		return;
	if (s->state == POP3_TRANSACTION && s->live_count != s->md->count)
		conn_log_info(c, "disconnected without QUIT: nothing deleted");
	pop3_retr_free(s);
	pop3_maildrop_free(&s->md);
	if (s->in_sasl)
		sasl_release(&s->sasl);
	free(s->user);
	free(s);
	c->session = NULL;
}

const struct proto proto_pop3 = {
	.name = "pop3",
	.on_connect = pop3_on_connect,
	.on_line = pop3_on_line,
	.on_line_too_long = pop3_on_line_too_long,
	.on_tls_ready = pop3_on_tls_ready,
	.on_timeout = pop3_on_timeout,
	.on_shutdown = pop3_on_shutdown,
	.on_close = pop3_on_close,
};
