/*
 * The SMTP/LMTP session state machine, shared by LMTP, the inbound MX and
 * submission.  Each command is a row of {verb, protocols, states, check,
 * act}: a command outside its states gets 503, `check` validates the
 * arguments and replies on error, `act` does the work (as OpenSMTPD's
 * smtp_session.c does).  MAIL and RCPT are in smtp-envelope.c, AUTH in
 * smtp-auth.c, DATA and BDAT in smtp-data.c.
 */

#include <errno.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "aliases.h"
#include "buf.h"
#include "conn.h"
#include "folder.h"
#include "mailbox.h"
#include "passwd.h"
#include "save.h"
#include "server.h"
#include "smtp-int.h"
#include "smtp.h"
#include "store.h"
#include "queue.h"
#include "util.h"

/* Which protocols have a command: bits of 1 << enum smtp_kind. */
#define P_LMTP	(1u << SMTP_KIND_LMTP)
#define P_MX	(1u << SMTP_KIND_MX)
#define P_SUB	(1u << SMTP_KIND_SUBMISSION)
#define P_SMTP	(P_MX | P_SUB)
#define P_ALL	(P_LMTP | P_SMTP)

struct smtp_cmd {
	const char *verb;
	unsigned int protos;	/* P_* bits */
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
	{ EPERM, "554 5.7.1", "Relay access denied" },
	{ EACCES, "550 5.7.1", "Sender address not owned by user" },
	{ 0, "451 4.3.0", "Local error in processing" },
};

static char hostname[256];

const char *smtp_hostname(const struct smtp_session *s)
{
	if (s->c->conf->cfg.hostname != NULL)
		return s->c->conf->cfg.hostname;
	if (hostname[0] == '\0' &&
	    (gethostname(hostname, sizeof(hostname) - 1) < 0 ||
	     hostname[0] == '\0'))
		xsnprintf(hostname, sizeof(hostname), "localhost");
	return hostname;
}

/* The domain of addr matches one of the space-separated domains. */
static bool domain_in(const char *domains, const char *addr)
{
	const char *at = strrchr(addr, '@'), *d = domains;
	size_t n;

	if (at == NULL)
		return true;
	at++;
	while (*d != '\0') {
		d += strspn(d, " \t");
		n = strcspn(d, " \t");
		if (n > 0 && n == strlen(at) && strncasecmp(d, at, n) == 0)
			return true;
		d += n;
	}
	return false;
}

bool smtp_domain_is_local(const struct conn *c, const char *addr)
{
	const char *domains = c->conf->cfg.domains;

	/* LMTP serves whatever domains the MTA in front of it hands over. */
	return domains == NULL || domain_in(domains, addr);
}

bool smtp_sender_allowed(const char *store, const char *domains,
			 const char *user, const char *addr)
{
	struct buf local = BUF_INIT, alias = BUF_INIT;
	unsigned int line = 0;
	bool ok = false;

	smtp_local_part(addr, &local);
	if (strcasecmp(local.data, user) == 0 &&
	    (domains == NULL || domain_in(domains, addr)))
		ok = true;
	else if (aliases_lookup(store, addr, &alias, &line) > 0 &&
		 strcmp(alias.data, user) == 0 &&
		 (domains == NULL || domain_in(domains, addr)))
		ok = true;
	buf_release(&local);
	buf_release(&alias);
	return ok;
}

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

void smtp_transaction_reset(struct smtp_session *s)
{
	size_t i;

	for (i = 0; i < s->rcpt_count; i++)
		smtp_rcpt_release(&s->rcpts[i]);
	s->rcpt_count = s->rcpt_accepted = 0;
	s->remote_count = 0;
	queue_save_abort(&s->qsave);
	s->qerr = 0;
	free(s->sender);
	s->sender = NULL;
	free(s->envid);
	s->envid = NULL;
	s->ret_hdrs = s->smtputf8 = false;
	buf_reset(&s->chunk);
	s->data_size = 0;
	s->too_big = false;
	s->hold = s->header_inspected = false;
	s->header_err = 0;
	free(s->from);
	s->from = NULL;
	s->bdat = s->bdat_last = s->bdat_cr = s->bdat_discard = false;
	s->bdat_left = 0;
	if (s->state & (SMTP_MAIL | SMTP_RCPT | SMTP_DATA | SMTP_BDAT))
		s->state = SMTP_READY;
}

/* Closes after the reply when too many commands failed. */
void smtp_bad_command(struct smtp_session *s)
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

static int check_hello(struct smtp_session *s, const char *args)
{
	/* A domain or an address literal: one word, printable. */
	if (*args == '\0' || strchr(args, ' ') != NULL) {
		conn_puts(s->c, s->lmtp ? "501 5.5.4 Syntax: LHLO hostname\r\n" :
			  "501 5.5.4 Syntax: EHLO hostname\r\n");
		smtp_bad_command(s);
		return -1;
	}
	return 0;
}

static void hello(struct smtp_session *s, const char *args, bool esmtp)
{
	smtp_transaction_reset(s);
	free(s->helo);
	s->helo = xstrndup(args, 255);
	s->esmtp = esmtp;
	s->state = SMTP_READY;
}

static void act_lhlo(struct smtp_session *s, const char *args)
{
	struct conn *c = s->c;

	hello(s, args, true);
	conn_printf(c, "250-%s\r\n", smtp_hostname(s));
	if (conn_starttls_available(c))
		conn_puts(c, "250-STARTTLS\r\n");
	if (c->limits.max_message_size > 0)
		conn_printf(c, "250-SIZE %llu\r\n",
			    (unsigned long long)c->limits.max_message_size);
	conn_puts(c, "250-8BITMIME\r\n"
		  "250-ENHANCEDSTATUSCODES\r\n"
		  "250 PIPELINING\r\n");
}

static void act_ehlo(struct smtp_session *s, const char *args)
{
	struct conn *c = s->c;

	hello(s, args, true);
	conn_printf(c, "250-%s Hello %s\r\n", smtp_hostname(s), s->helo);
	conn_puts(c, "250-PIPELINING\r\n");
	if (c->limits.max_message_size > 0)
		conn_printf(c, "250-SIZE %llu\r\n",
			    (unsigned long long)c->limits.max_message_size);
	else
		conn_puts(c, "250-SIZE\r\n");
	if (conn_starttls_available(c))
		conn_puts(c, "250-STARTTLS\r\n");
	/* RFC 4954 and 8314: AUTH is offered where passwords may be
	 * sent, that is after TLS (or from loopback, if so configured). */
	if (s->kind == SMTP_KIND_SUBMISSION && c->user == NULL &&
	    conn_plaintext_auth_allowed(c))
		conn_printf(c, "250-AUTH %s\r\n", sasl_mech_list());
	conn_puts(c, "250-8BITMIME\r\n"
		  "250-ENHANCEDSTATUSCODES\r\n"
		  "250-SMTPUTF8\r\n"
		  "250-CHUNKING\r\n"
		  "250 DSN\r\n");
}

static void act_helo(struct smtp_session *s, const char *args)
{
	hello(s, args, false);
	conn_printf(s->c, "250 %s\r\n", smtp_hostname(s));
}

static int check_helo_lmtp(struct smtp_session *s, const char *args)
{
	(void)args;
	conn_puts(s->c, "500 5.5.1 This is LMTP: use LHLO\r\n");
	smtp_bad_command(s);
	return -1;
}

static int check_lhlo_smtp(struct smtp_session *s, const char *args)
{
	(void)args;
	conn_puts(s->c, "500 5.5.1 This is SMTP: use EHLO\r\n");
	smtp_bad_command(s);
	return -1;
}

/* ---- STARTTLS ---- */

static int check_starttls(struct smtp_session *s, const char *args)
{
	if (*args != '\0') {
		conn_puts(s->c, "501 5.5.4 STARTTLS takes no arguments\r\n");
		smtp_bad_command(s);
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

/* ---- DATA, RSET, NOOP, VRFY, HELP, QUIT ---- */

static int check_data(struct smtp_session *s, const char *args)
{
	if (*args != '\0') {
		conn_puts(s->c, "501 5.5.4 DATA takes no arguments\r\n");
		return -1;
	}
	if (s->state == SMTP_MAIL) {
		/* RFC 2033 4.2, RFC 5321 3.3: no successful RCPT, so DATA
		 * fails. */
		conn_puts(s->c, s->lmtp ? "503 5.5.1 No valid recipients\r\n" :
			  "554 5.5.1 No valid recipients\r\n");
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
	if (s->lmtp)
		conn_puts(s->c, "214 2.0.0 See RFC 2033: LHLO MAIL RCPT DATA "
			  "RSET NOOP VRFY QUIT STARTTLS\r\n");
	else
		conn_puts(s->c, "214 2.0.0 See RFC 5321: EHLO HELO MAIL RCPT "
			  "DATA BDAT RSET NOOP VRFY QUIT STARTTLS AUTH\r\n");
}

static void act_quit(struct smtp_session *s, const char *args)
{
	(void)args;
	smtp_goodbye(s, "221 2.0.0 Bye\r\n");
}

/* BDAT SIZE [LAST] (RFC 3030); the chunk follows the command line. */
static int check_bdat(struct smtp_session *s, const char *args)
{
	char num[24];
	size_t n = strspn(args, "0123456789");
	uint64_t size;
	const char *rest = args + n;

	if (n == 0 || n >= sizeof(num) || (*rest != '\0' && *rest != ' ')) {
		conn_puts(s->c, "501 5.5.4 Syntax: BDAT size [LAST]\r\n");
		smtp_bad_command(s);
		return -1;
	}
	while (*rest == ' ')
		rest++;
	if (*rest != '\0' && strcasecmp(rest, "LAST") != 0) {
		conn_puts(s->c, "501 5.5.4 Syntax: BDAT size [LAST]\r\n");
		smtp_bad_command(s);
		return -1;
	}
	memcpy(num, args, n);
	num[n] = '\0';
	if (parse_u64(num, &size) < 0) {
		conn_puts(s->c, "501 5.5.4 Syntax: BDAT size [LAST]\r\n");
		smtp_bad_command(s);
		return -1;
	}
	return 0;
}

static void act_bdat(struct smtp_session *s, const char *args)
{
	uint64_t size = strtoull(args, NULL, 10);
	const char *rest = args + strspn(args, "0123456789");

	while (*rest == ' ')
		rest++;
	smtp_bdat_begin(s, size, *rest != '\0');
}

#define ANY (SMTP_GREETED | SMTP_READY | SMTP_MAIL | SMTP_RCPT | SMTP_BDAT)
#define TRANSACTION (SMTP_MAIL | SMTP_RCPT)

static const struct smtp_cmd smtp_commands[] = {
	{ "LHLO", P_LMTP, ANY, check_hello, act_lhlo },
	{ "LHLO", P_SMTP, ANY, check_lhlo_smtp, NULL },
	{ "EHLO", P_SMTP, ANY, check_hello, act_ehlo },
	{ "HELO", P_SMTP, ANY, check_hello, act_helo },
	{ "EHLO", P_LMTP, ANY, check_helo_lmtp, NULL },
	{ "HELO", P_LMTP, ANY, check_helo_lmtp, NULL },
	{ "STARTTLS", P_ALL, SMTP_READY, check_starttls, act_starttls },
	{ "AUTH", P_SUB, SMTP_READY, smtp_check_auth, smtp_act_auth },
	{ "MAIL", P_ALL, SMTP_READY, smtp_check_mail, smtp_act_mail },
	{ "RCPT", P_ALL, TRANSACTION, smtp_check_rcpt, smtp_act_rcpt },
	{ "DATA", P_ALL, TRANSACTION, check_data, act_data },
	/* BDAT in any state: its chunk must be read even to refuse it. */
	{ "BDAT", P_SMTP, ANY, check_bdat, act_bdat },
	{ "RSET", P_ALL, ANY, NULL, act_rset },
	{ "NOOP", P_ALL, ANY, NULL, act_noop },
	{ "VRFY", P_ALL, ANY, NULL, act_vrfy },
	{ "HELP", P_ALL, ANY, NULL, act_help },
	{ "QUIT", P_ALL, ANY, NULL, act_quit },
};

static void smtp_on_line(struct conn *c, const struct lr_line *line)
{
	struct smtp_session *s = c->session;
	const struct smtp_cmd *cmd = NULL;
	const char *args;
	size_t vlen, i;

	if (line->flags & LR_HAS_NUL) {
		conn_puts(c, "500 5.5.2 NUL byte in command\r\n");
		s->in_sasl = false;
		smtp_bad_command(s);
		return;
	}
	if (s->in_sasl) {
		smtp_sasl_continue(s, line->data);
		return;
	}
	vlen = strcspn(line->data, " ");
	args = line->data + vlen;
	while (*args == ' ')
		args++;
	for (i = 0; i < ARRAY_SIZE(smtp_commands); i++)
		if ((smtp_commands[i].protos & (1u << s->kind)) &&
		    strlen(smtp_commands[i].verb) == vlen &&
		    strncasecmp(smtp_commands[i].verb, line->data, vlen) == 0)
			cmd = &smtp_commands[i];
	if (cmd == NULL) {
		conn_puts(c, "500 5.5.1 Unknown command\r\n");
		smtp_bad_command(s);
		return;
	}
	if (!(cmd->states & s->state)) {
		conn_puts(c, s->state == SMTP_GREETED ? (s->lmtp ?
			  "503 5.5.1 Send LHLO first\r\n" :
			  "503 5.5.1 Send EHLO first\r\n") :
			  s->state == SMTP_READY ?
			  "503 5.5.1 Send MAIL first\r\n" :
			  "503 5.5.1 Bad sequence of commands\r\n");
		smtp_bad_command(s);
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
	s->in_sasl = false;
	smtp_bad_command(s);
}

static void greet(struct smtp_session *s)
{
	conn_printf(s->c, "220 %s %s mailtreed ready\r\n", smtp_hostname(s),
		    s->lmtp ? "LMTP" : "ESMTP");
}

/* Whether the client sent anything before the greeting: the bytes wait
 * in the socket, unread while input is paused. */
static bool client_spoke_first(struct conn *c)
{
	uv_os_fd_t fd;
	char b;

	if (c->in.len > c->in_off)
		return true;
	if (uv_fileno(&c->h.handle, &fd) < 0)
		return false;
	return recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) == 1;
}

static void greet_pause_done(struct conn *c, void *ctx)
{
	struct smtp_session *s = ctx;

	if (c->closing)
		return;
	/* RFC 5321 4.3.1: a client waits for the greeting.  One that
	 * talks first is a spam engine that does not read replies
	 * (Postfix's postscreen "pregreet" test). */
	if (client_spoke_first(c)) {
		conn_log_info(c, "command sent before the greeting; "
			      "disconnecting");
		smtp_goodbye(s, "554 5.5.1 Protocol error: command before "
			     "greeting\r\n");
		return;
	}
	greet(s);
}

static struct smtp_session *session_new(struct conn *c, enum smtp_kind kind)
{
	struct smtp_session *s = xcalloc(1, sizeof(*s));

	s->c = c;
	s->kind = kind;
	s->lmtp = kind == SMTP_KIND_LMTP;
	s->state = SMTP_GREETED;
	buf_init(&s->chunk);
	c->session = s;
	return s;
}

static void lmtp_on_connect(struct conn *c)
{
	greet(session_new(c, SMTP_KIND_LMTP));
}

bool smtp_rate_exceeded(struct smtp_session *s, int which)
{
	struct conn *c = s->c;
	unsigned int limit = which == SMTP_RATE_CONN ?
			     c->limits.smtp_conn_rate : c->limits.smtp_msg_rate;
	unsigned int n;

	if (s->kind != SMTP_KIND_MX || limit == 0 || c->peer_local)
		return false;
	n = server_rate_hit(c->srv, which, c->peer);
	if (n <= limit)
		return false;
	conn_log_info(c, "refused: %u %s from this address in a minute, "
		      "limit %u", n, which == SMTP_RATE_CONN ? "connections" :
		      "messages", limit);
	return true;
}

static void mx_on_connect(struct conn *c)
{
	struct smtp_session *s = session_new(c, SMTP_KIND_MX);
	unsigned int pause = c->conf->cfg.smtp_greet_pause_ms;

	if (smtp_rate_exceeded(s, SMTP_RATE_CONN)) {
		/* RFC 5321 3.1: a 421 greeting, then the server closes. */
		smtp_goodbye(s, "421 4.7.0 Too many connections from your "
			     "address, try again later\r\n");
		return;
	}
	if (pause > 0 && !c->tls_on && !c->peer_local)
		conn_delay(c, pause, greet_pause_done, s);
	else if (pause > 0 && !c->tls_on && c->peer_local)
		/* Loopback clients are tested too, but not kept waiting as
		 * long: a tenth of the pause is enough to see a pipeliner. */
		conn_delay(c, pause / 10 + 1, greet_pause_done, s);
	else
		greet(s);
}

static void submission_on_connect(struct conn *c)
{
	greet(session_new(c, SMTP_KIND_SUBMISSION));
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
	if (s != NULL && (s->state == SMTP_DATA || s->state == SMTP_BDAT ||
			  c->work_pending > 0))
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
	if (s->state == SMTP_DATA || s->state == SMTP_BDAT)
		conn_log_info(c, "disconnected during the message; nothing "
			      "stored");
	smtp_transaction_reset(s);
	sasl_release(&s->sasl);
	free(s->rcpts);
	free(s->helo);
	buf_release(&s->chunk);
	free(s);
	c->session = NULL;
}

#define SMTP_PROTO(NAME, CONNECT) {			\
	.name = NAME,					\
	.on_connect = CONNECT,				\
	.on_line = smtp_on_line,			\
	.on_line_too_long = smtp_on_line_too_long,	\
	.on_data = smtp_data_input,			\
	.on_tls_ready = smtp_on_tls_ready,		\
	.on_timeout = smtp_on_timeout,			\
	.on_shutdown = smtp_on_shutdown,		\
	.on_close = smtp_on_close,			\
}

const struct proto proto_lmtp = SMTP_PROTO("lmtp", lmtp_on_connect);
const struct proto proto_smtp = SMTP_PROTO("smtp", mx_on_connect);
const struct proto proto_submission =
	SMTP_PROTO("submission", submission_on_connect);
