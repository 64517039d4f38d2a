/*
 * The SMTP/LMTP session state machine.  Each command is a row of
 * {verb, states, check, act}: a command outside its states gets 503,
 * `check` validates the arguments and replies on error, `act` does the
 * work (as OpenSMTPD's smtp_session.c does).  Only LMTP is served yet.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "aliases.h"
#include "buf.h"
#include "conn.h"
#include "folder.h"
#include "mailbox.h"
#include "passwd.h"
#include "save.h"
#include "smtp-int.h"
#include "smtp.h"
#include "store.h"
#include "util.h"

struct smtp_cmd {
	const char *verb;
	unsigned int states;	/* enum smtp_state bits that allow it */
	/* Returns 0 to go on to act, or -1 after replying with an error. */
	int (*check)(struct smtp_session *s, const char *args);
	void (*act)(struct smtp_session *s, const char *args);
};

/* One reply per errno; default last.  Per-recipient replies put the
 * address between the enhanced code and the text, as Dovecot does. */
static const struct {
	int err;
	const char *code, *text;
} smtp_errno_replies[] = {
	{ ESRCH, "550 5.1.1", "User unknown" },
	{ ENOSPC, "452 4.3.1", "Insufficient system storage" },
	{ EDQUOT, "452 4.2.2", "Mailbox full" },
	{ EFBIG, "552 5.3.4", "Message size exceeds fixed limit" },
	{ EAGAIN, "451 4.3.0", "Temporary failure, try again later" },
	{ ETIMEDOUT, "451 4.3.0", "Mailbox busy, try again later" },
	{ EROFS, "451 4.3.5", "Mail system read-only, try again later" },
	{ EMFILE, "451 4.3.2", "Too busy, try again later" },
	{ EINVAL, "553 5.1.3", "Bad destination mailbox address" },
	{ 0, "451 4.3.0", "Local error in processing" },
};

static char hostname[256];

void smtp_reply_errno(struct smtp_session *s, int err, const char *addr)
{
	size_t i;

	if (err < 0)
		err = -err;
	for (i = 0; i + 1 < ARRAY_SIZE(smtp_errno_replies); i++)
		if (smtp_errno_replies[i].err == err)
			break;
	if (addr != NULL)
		conn_printf(s->c, "%s <%s> %s\r\n", smtp_errno_replies[i].code,
			    addr, smtp_errno_replies[i].text);
	else
		conn_printf(s->c, "%s %s\r\n", smtp_errno_replies[i].code,
			    smtp_errno_replies[i].text);
	if (i + 1 == ARRAY_SIZE(smtp_errno_replies))
		conn_log_warn(s->c, "error: %s", strerror(err));
}

static void rcpt_release(struct smtp_rcpt *r)
{
	if (r->save != NULL)
		save_abort(&r->save);
	folder_free(&r->folder);
	free(r->addr);
	free(r->user);
}

void smtp_transaction_reset(struct smtp_session *s)
{
	size_t i;

	for (i = 0; i < s->rcpt_count; i++)
		rcpt_release(&s->rcpts[i]);
	s->rcpt_count = 0;
	free(s->sender);
	s->sender = NULL;
	buf_reset(&s->chunk);
	s->data_size = 0;
	s->too_big = false;
	if (s->state & (SMTP_MAIL | SMTP_RCPT | SMTP_DATA))
		s->state = SMTP_READY;
}

/* Closes after the reply when too many commands failed. */
static void bad_command(struct smtp_session *s)
{
	if (conn_bad_command(s->c)) {
		conn_puts(s->c, "421 4.7.0 Too many errors, closing "
			  "connection\r\n");
		conn_log_info(s->c, "too many bad commands");
		conn_close(s->c);
	}
}

static void smtp_goodbye(struct smtp_session *s, const char *reply)
{
	conn_puts(s->c, reply);
	conn_close(s->c);
}

void smtp_after_transaction(struct smtp_session *s)
{
	if (conn_stopping(s->c))
		smtp_goodbye(s, "421 4.3.2 Service shutting down\r\n");
}

/* ---- LHLO, HELO, EHLO ---- */

static int check_lhlo(struct smtp_session *s, const char *args)
{
	if (*args == '\0' || strchr(args, ' ') != NULL) {
		conn_puts(s->c, "501 5.5.4 Syntax: LHLO hostname\r\n");
		bad_command(s);
		return -1;
	}
	return 0;
}

static void act_lhlo(struct smtp_session *s, const char *args)
{
	struct conn *c = s->c;

	smtp_transaction_reset(s);
	free(s->helo);
	s->helo = xstrndup(args, 255);
	s->state = SMTP_READY;
	conn_printf(c, "250-%s\r\n", hostname);
	if (conn_starttls_available(c))
		conn_puts(c, "250-STARTTLS\r\n");
	if (c->limits.max_message_size > 0)
		conn_printf(c, "250-SIZE %llu\r\n",
			    (unsigned long long)c->limits.max_message_size);
	conn_puts(c, "250-8BITMIME\r\n"
		  "250-ENHANCEDSTATUSCODES\r\n"
		  "250 PIPELINING\r\n");
}

static int check_helo_lmtp(struct smtp_session *s, const char *args)
{
	(void)args;
	conn_puts(s->c, "500 5.5.1 This is LMTP: use LHLO\r\n");
	bad_command(s);
	return -1;
}

/* ---- STARTTLS ---- */

static int check_starttls(struct smtp_session *s, const char *args)
{
	if (*args != '\0') {
		conn_puts(s->c, "501 5.5.4 STARTTLS takes no arguments\r\n");
		bad_command(s);
		return -1;
	}
	if (conn_tls_active(s->c)) {
		conn_puts(s->c, "503 5.5.1 TLS already active\r\n");
		return -1;
	}
	if (!conn_starttls_available(s->c)) {
		conn_puts(s->c, "454 4.7.0 TLS not available\r\n");
		return -1;
	}
	return 0;
}

static void act_starttls(struct smtp_session *s, const char *args)
{
	(void)args;
	conn_puts(s->c, "220 2.0.0 Ready to start TLS\r\n");
	smtp_transaction_reset(s);
	s->state = SMTP_GREETED;
	if (conn_starttls(s->c) < 0)
		conn_close(s->c);
}

/* ---- MAIL FROM ---- */

static int check_mail(struct smtp_session *s, const char *args)
{
	struct smtp_path p;
	const char *v;
	uint64_t size;
	int ret;

	ret = smtp_parse_path(args, "FROM:", &p);
	if (ret < 0) {
		conn_puts(s->c, ret == -ENAMETOOLONG ?
			  "501 5.5.4 Path or parameter too long\r\n" :
			  "501 5.5.4 Syntax: MAIL FROM:<address>\r\n");
		bad_command(s);
		return -1;
	}
	for (size_t i = 0; i < p.param_count; i++) {
		const char *k = p.params[i].key;

		if (strcmp(k, "SIZE") != 0 && strcmp(k, "BODY") != 0) {
			conn_printf(s->c, "555 5.5.4 Unsupported parameter "
				    "%s\r\n", k);
			return -1;
		}
	}
	v = smtp_path_param(&p, "BODY");
	if (v != NULL && strcasecmp(v, "7BIT") != 0 &&
	    strcasecmp(v, "8BITMIME") != 0) {
		conn_puts(s->c, "501 5.5.4 BODY is 7BIT or 8BITMIME\r\n");
		return -1;
	}
	v = smtp_path_param(&p, "SIZE");
	if (v != NULL) {
		if (parse_u64(v, &size) < 0) {
			conn_puts(s->c, "501 5.5.4 Bad SIZE value\r\n");
			return -1;
		}
		if (s->c->limits.max_message_size > 0 &&
		    size > s->c->limits.max_message_size) {
			conn_puts(s->c, "552 5.3.4 Message size exceeds "
				  "fixed limit\r\n");
			return -1;
		}
	}
	return 0;
}

static void act_mail(struct smtp_session *s, const char *args)
{
	struct smtp_path p;

	smtp_parse_path(args, "FROM:", &p);
	s->sender = xstrdup(p.addr);
	s->state = SMTP_MAIL;
	conn_puts(s->c, "250 2.1.0 OK\r\n");
}

/* ---- RCPT TO: the user lookup runs on the thread pool ---- */

struct rcpt_lookup {
	struct smtp_session *s;
	char *store;
	struct smtp_rcpt r;
	int ret;
	unsigned int alias_line;	/* of a malformed aliases file */
};

static void rcpt_lookup_work(void *arg)
{
	struct rcpt_lookup *l = arg;
	struct mailbox *mbox = NULL;
	struct buf dir = BUF_INIT, user = BUF_INIT;
	unsigned int line = 0;

	/* Another address of a user (the store's aliases file)? */
	l->ret = aliases_lookup(l->store, l->r.addr, &user, &line);
	if (l->ret == -EINVAL)
		l->alias_line = line;
	if (l->ret > 0) {
		free(l->r.user);
		l->r.user = buf_detach(&user);
	}
	buf_release(&user);
	if (l->ret >= 0 && !passwd_user_name_valid(l->r.user, NULL))
		l->ret = -ESRCH;
	if (l->ret >= 0)
		l->ret = store_user_mailbox(l->store, l->r.user, true, &mbox);
	if (l->ret == 0)
		l->ret = mailbox_folder_dir(mbox, "INBOX", &dir);
	if (l->ret == 0)
		l->ret = folder_open_lazy(dir.data, &l->r.folder);
	mailbox_free(&mbox);
	buf_release(&dir);
}

static void rcpt_lookup_done(struct conn *c, void *arg)
{
	struct rcpt_lookup *l = arg;
	struct smtp_session *s = l->s;

	(void)c;
	if (l->ret < 0) {
		if (l->alias_line != 0)
			conn_log_warn(s->c, "rcpt=%s: %s/aliases:%u: not \"address: user\"",
				      l->r.addr, conn_store(s->c), l->alias_line);
		else if (l->ret != -ESRCH)
			conn_log_warn(s->c, "rcpt=%s lookup failed: %s",
				      l->r.addr, strerror(-l->ret));
		if (l->alias_line != 0)
			l->ret = -EAGAIN;	/* an admin's typo: try later */
		smtp_reply_errno(s, l->ret, l->r.addr);
		rcpt_release(&l->r);
	} else {
		s->rcpts = xgrow(s->rcpts, &s->rcpt_cap, s->rcpt_count + 1,
				 sizeof(*s->rcpts));
		s->rcpts[s->rcpt_count++] = l->r;
		s->state = SMTP_RCPT;
		conn_printf(s->c, "250 2.1.5 <%s> OK\r\n", l->r.addr);
	}
	free(l->store);
	free(l);
}

static int check_rcpt(struct smtp_session *s, const char *args)
{
	struct smtp_path p;
	int ret;

	ret = smtp_parse_path(args, "TO:", &p);
	if (ret < 0 || p.addr[0] == '\0') {
		conn_puts(s->c, "501 5.5.4 Syntax: RCPT TO:<address>\r\n");
		bad_command(s);
		return -1;
	}
	if (p.param_count > 0) {
		conn_printf(s->c, "555 5.5.4 Unsupported parameter %s\r\n",
			    p.params[0].key);
		return -1;
	}
	if (s->rcpt_count >= s->c->limits.max_recipients) {
		conn_puts(s->c, "452 4.5.3 Too many recipients\r\n");
		return -1;
	}
	return 0;
}

static void act_rcpt(struct smtp_session *s, const char *args)
{
	struct rcpt_lookup *l = xcalloc(1, sizeof(*l));
	struct buf local = BUF_INIT;
	struct smtp_path p;

	smtp_parse_path(args, "TO:", &p);
	smtp_local_part(p.addr, &local);
	l->s = s;
	l->store = xstrdup(conn_store(s->c));
	l->r.addr = xstrdup(p.addr);
	l->r.user = buf_detach(&local);
	conn_queue_work(s->c, rcpt_lookup_work, rcpt_lookup_done, l);
}

/* ---- DATA, RSET, NOOP, VRFY, HELP, QUIT ---- */

static int check_data(struct smtp_session *s, const char *args)
{
	if (*args != '\0') {
		conn_puts(s->c, "501 5.5.4 DATA takes no arguments\r\n");
		return -1;
	}
	if (s->state == SMTP_MAIL) {
		/* RFC 2033 4.2: no successful RCPT, so DATA fails. */
		conn_puts(s->c, "503 5.5.1 No valid recipients\r\n");
		return -1;
	}
	return 0;
}

static void act_data(struct smtp_session *s, const char *args)
{
	(void)args;
	smtp_data_begin(s);
}

static void act_rset(struct smtp_session *s, const char *args)
{
	(void)args;
	smtp_transaction_reset(s);
	conn_puts(s->c, "250 2.0.0 OK\r\n");
}

static void act_noop(struct smtp_session *s, const char *args)
{
	(void)args;
	conn_puts(s->c, "250 2.0.0 OK\r\n");
}

static void act_vrfy(struct smtp_session *s, const char *args)
{
	(void)args;
	conn_puts(s->c, "252 2.5.2 Cannot VRFY user; send a message and "
		  "see\r\n");
}

static void act_help(struct smtp_session *s, const char *args)
{
	(void)args;
	conn_puts(s->c, "214 2.0.0 See RFC 2033: LHLO MAIL RCPT DATA RSET "
		  "NOOP VRFY QUIT STARTTLS\r\n");
}

static void act_quit(struct smtp_session *s, const char *args)
{
	(void)args;
	smtp_goodbye(s, "221 2.0.0 Bye\r\n");
}

#define ANY (SMTP_GREETED | SMTP_READY | SMTP_MAIL | SMTP_RCPT)
#define TRANSACTION (SMTP_MAIL | SMTP_RCPT)

static const struct smtp_cmd lmtp_commands[] = {
	{ "LHLO", ANY, check_lhlo, act_lhlo },
	{ "HELO", ANY, check_helo_lmtp, NULL },
	{ "EHLO", ANY, check_helo_lmtp, NULL },
	{ "STARTTLS", SMTP_READY, check_starttls, act_starttls },
	{ "MAIL", SMTP_READY, check_mail, act_mail },
	{ "RCPT", TRANSACTION, check_rcpt, act_rcpt },
	{ "DATA", TRANSACTION, check_data, act_data },
	{ "RSET", ANY, NULL, act_rset },
	{ "NOOP", ANY, NULL, act_noop },
	{ "VRFY", ANY, NULL, act_vrfy },
	{ "HELP", ANY, NULL, act_help },
	{ "QUIT", ANY, NULL, act_quit },
};

static void smtp_on_line(struct conn *c, const struct lr_line *line)
{
	struct smtp_session *s = c->session;
	const struct smtp_cmd *cmd = NULL;
	const char *args;
	size_t vlen, i;

	if (line->flags & LR_HAS_NUL) {
		conn_puts(c, "500 5.5.2 NUL byte in command\r\n");
		bad_command(s);
		return;
	}
	vlen = strcspn(line->data, " ");
	args = line->data + vlen;
	while (*args == ' ')
		args++;
	for (i = 0; i < ARRAY_SIZE(lmtp_commands); i++)
		if (strlen(lmtp_commands[i].verb) == vlen &&
		    strncasecmp(lmtp_commands[i].verb, line->data, vlen) == 0)
			cmd = &lmtp_commands[i];
	if (cmd == NULL) {
		conn_puts(c, "500 5.5.1 Unknown command\r\n");
		bad_command(s);
		return;
	}
	if (!(cmd->states & s->state)) {
		conn_puts(c, s->state == SMTP_GREETED ?
			  "503 5.5.1 Send LHLO first\r\n" :
			  s->state == SMTP_READY ?
			  "503 5.5.1 Send MAIL first\r\n" :
			  "503 5.5.1 Bad sequence of commands\r\n");
		bad_command(s);
		return;
	}
	if (cmd->check != NULL && cmd->check(s, args) < 0)
		return;
	if (cmd->act != NULL)
		cmd->act(s, args);
}

static void smtp_on_line_too_long(struct conn *c)
{
	struct smtp_session *s = c->session;

	conn_printf(c, "500 5.5.2 Line too long (limit %zu bytes)\r\n",
		    c->limits.max_line);
	bad_command(s);
}

static void lmtp_on_connect(struct conn *c)
{
	struct smtp_session *s = xcalloc(1, sizeof(*s));

	if (hostname[0] == '\0' &&
	    (gethostname(hostname, sizeof(hostname) - 1) < 0 ||
	     hostname[0] == '\0'))
		xsnprintf(hostname, sizeof(hostname), "localhost");
	s->c = c;
	s->lmtp = true;
	s->state = SMTP_GREETED;
	buf_init(&s->chunk);
	c->session = s;
	conn_printf(c, "220 %s LMTP mailtreed ready\r\n", hostname);
}

static void smtp_on_tls_ready(struct conn *c)
{
	(void)c;	/* the client greets again, as RFC 3207 asks */
}

static void smtp_on_timeout(struct conn *c)
{
	conn_puts(c, "421 4.4.2 Idle timeout, closing connection\r\n");
}

static void smtp_on_shutdown(struct conn *c)
{
	struct smtp_session *s = c->session;

	/* A message being received or saved finishes first. */
	if (s != NULL && (s->state == SMTP_DATA || c->work_pending > 0))
		return;
	if (s != NULL)
		smtp_goodbye(s, "421 4.3.2 Service shutting down\r\n");
	else
		conn_close(c);
}

static void smtp_on_close(struct conn *c)
{
	struct smtp_session *s = c->session;

	if (s == NULL)
		return;
	if (s->state == SMTP_DATA)
		conn_log_info(c, "disconnected during DATA; nothing stored");
	smtp_transaction_reset(s);
	free(s->rcpts);
	free(s->helo);
	buf_release(&s->chunk);
	free(s);
	c->session = NULL;
}

const struct proto proto_lmtp = {
	.name = "lmtp",
	.on_connect = lmtp_on_connect,
	.on_line = smtp_on_line,
	.on_line_too_long = smtp_on_line_too_long,
	.on_data = smtp_data_input,
	.on_tls_ready = smtp_on_tls_ready,
	.on_timeout = smtp_on_timeout,
	.on_shutdown = smtp_on_shutdown,
	.on_close = smtp_on_close,
};
