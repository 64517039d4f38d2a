/*
 * Commands of any state and of the not-authenticated state: CAPABILITY,
 * NOOP, LOGOUT, ID (RFC 2971), STARTTLS, LOGIN and AUTHENTICATE (with
 * SASL-IR, RFC 4959), and right after login ENABLE (RFC 5161) and
 * NAMESPACE (RFC 2342).
 *
 * Passwords are checked by sasl_auth() on the thread pool, with the
 * core's delay after a failure.  LOGIN and AUTHENTICATE are refused, and
 * LOGINDISABLED is announced, where plaintext passwords are not allowed.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conn.h"
#include "imap-int.h"
#include "imap-quote.h"
#include "mailbox.h"
#include "store.h"
#include "util.h"

void imap_cmd_capability(struct imap_cmd *cmd)
{
	struct buf caps = BUF_INIT;

	if (cmd->count != 0) {
		imap_cmd_bad(cmd, "CAPABILITY takes no arguments");
		return;
	}
	imap_capabilities(cmd->s, &caps);
	imap_untagged(cmd->s, "CAPABILITY %s", caps.data);
	buf_release(&caps);
	imap_cmd_ok(cmd, "Capability completed.");
}

void imap_cmd_noop(struct imap_cmd *cmd)
{
	if (cmd->count != 0) {
		imap_cmd_bad(cmd, "NOOP takes no arguments");
		return;
	}
	imap_cmd_ok(cmd, "NOOP completed.");
}

void imap_cmd_logout(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->s;

	if (cmd->count != 0) {
		imap_cmd_bad(cmd, "LOGOUT takes no arguments");
		return;
	}
	conn_puts(s->c, "* BYE Logging out\r\n");
	s->state = IMAP_LOGOUT;
	imap_cmd_ok(cmd, "Logout completed.");
	conn_close(s->c);
}

/* RFC 2971: the client's list is logged (bounded by the parser), ours
 * names the server. */
void imap_cmd_id(struct imap_cmd *cmd)
{
	const struct imap_list *list;
	struct buf log = BUF_INIT;
	const char *str;
	size_t i, len;

	if (cmd->count != 1 ||
	    (cmd->args[0].type != IMAP_ARG_NIL &&
	     !imap_arg_get_list(&cmd->args[0], &list))) {
		imap_cmd_bad(cmd, "ID needs a list or NIL");
		return;
	}
	if (cmd->args[0].type == IMAP_ARG_LIST) {
		if (list->count % 2 != 0 || list->count > 60) {
			imap_cmd_bad(cmd, "Invalid ID list");
			return;
		}
		for (i = 0; i < list->count; i++) {
			if (!imap_arg_get_nstring(&list->args[i], &str, &len) ||
			    (i % 2 == 0 && str == NULL)) {
				imap_cmd_bad(cmd, "Invalid ID list");
				return;
			}
			if (i % 2 == 0 && log.len < 512)
				buf_printf(&log, " %.*s=", (int)(len > 64 ? 64 : len),
					   str);
			else if (log.len < 512)
				buf_printf(&log, "%.*s", (int)(len > 64 ? 64 : len),
					   str != NULL ? str : "NIL");
		}
		for (i = 0; i < log.len; i++)
			if ((unsigned char)log.data[i] < 0x20)
				log.data[i] = '?';
		conn_log_info(cmd->s->c, "client id:%s", log.data);
		buf_release(&log);
	}
	imap_untagged(cmd->s, "ID (\"name\" \"mailtree\")");
	imap_cmd_ok(cmd, "ID completed.");
}

void imap_cmd_starttls(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->s;

	if (cmd->count != 0) {
		imap_cmd_bad(cmd, "STARTTLS takes no arguments");
		return;
	}
	if (!conn_starttls_available(s->c)) {
		imap_cmd_bad(cmd, conn_tls_active(s->c) ?
			     "TLS is already active" :
			     "STARTTLS is not offered here");
		return;
	}
	/* Anything pipelined after STARTTLS is dropped by the core
	 * (RFC 3501 6.2.1), and so must the parser's state be. */
	imap_cmd_ok(cmd, "Begin TLS negotiation now.");
	imap_parser_reset(&s->parser);
	if (conn_starttls(s->c) < 0)
		conn_close(s->c);
}

/* ---- LOGIN and AUTHENTICATE ---- */

/* Opening (for a new user, creating) the mailbox touches the disk: it
 * runs on the thread pool, like the password check before it. */
struct mailbox_req {
	char *store, *user;
	struct mailbox *mbox;
	int ret;
};

static void mailbox_work(void *arg)
{
	struct mailbox_req *m = arg;

	m->ret = store_user_mailbox(m->store, m->user, true, &m->mbox);
}

static void mailbox_done(struct conn *c, void *arg)
{
	struct mailbox_req *m = arg;
	struct imap_session *s = c->session;
	struct buf caps = BUF_INIT;

	if (c->closing) {
		mailbox_free(&m->mbox);
	} else if (m->ret < 0) {
		conn_log_warn(c, "mailbox not opened: %s", strerror(-m->ret));
		conn_set_user(c, NULL);
		imap_cmd_no(&s->cmd, "[UNAVAILABLE] Mailbox not available, "
			    "try again later");
	} else {
		s->mbox = m->mbox;
		s->state = IMAP_AUTH;
		conn_log_info(c, "logged in");
		imap_capabilities(s, &caps);
		imap_cmd_ok(&s->cmd, "[CAPABILITY %s] Logged in", caps.data);
		buf_release(&caps);
	}
	free(m->store);
	free(m->user);
	free(m);
}

static void login_done(struct conn *c, int result, void *ctx)
{
	struct imap_session *s = ctx;
	struct imap_cmd *cmd = &s->cmd;
	struct mailbox_req *m;

	if (c->closing)
		return;
	if (result == 0) {
		imap_cmd_no(cmd, "[AUTHENTICATIONFAILED] Authentication failed.");
		return;
	}
	if (result < 0) {
		conn_log_warn(c, "authentication failed: %s",
			      strerror(-result));
		imap_cmd_no(cmd, "[UNAVAILABLE] Authentication service "
			    "unavailable");
		return;
	}
	m = xcalloc(1, sizeof(*m));
	m->store = xstrdup(conn_store(c));
	m->user = xstrdup(c->user);
	conn_queue_work(c, mailbox_work, mailbox_done, m);
}

static bool plaintext_allowed(struct imap_cmd *cmd)
{
	if (conn_plaintext_auth_allowed(cmd->s->c))
		return true;
	imap_cmd_no(cmd, "[PRIVACYREQUIRED] Plaintext authentication "
		    "disallowed on non-secure connections.");
	return false;
}

void imap_cmd_login(struct imap_cmd *cmd)
{
	const char *user, *pass;
	size_t ulen, plen;

	if (cmd->count != 2 ||
	    !imap_arg_get_astring(&cmd->args[0], &user, &ulen) ||
	    !imap_arg_get_astring(&cmd->args[1], &pass, &plen)) {
		imap_cmd_bad(cmd, "LOGIN needs a user name and a password");
		return;
	}
	if (!plaintext_allowed(cmd))
		return;
	if (ulen == 0 || ulen > SASL_MAX_FIELD || plen > SASL_MAX_FIELD ||
	    memchr(user, '\0', ulen) != NULL ||
	    memchr(pass, '\0', plen) != NULL) {
		imap_cmd_no(cmd, "[AUTHENTICATIONFAILED] Authentication failed.");
		return;
	}
	sasl_auth(cmd->s->c, user, pass, login_done, cmd->s);
}

/* A SASL step: a challenge, the login, or the end of the exchange. */
static void sasl_next(struct imap_session *s, const char *response)
{
	int ret = sasl_continue(s->c, &s->sasl, response, "+ ", login_done, s);

	s->in_sasl = ret == 1;
	if (ret == -ECANCELED)
		imap_cmd_bad(&s->cmd, "Authentication aborted by client.");
	else if (ret < 0)
		imap_cmd_bad(&s->cmd, "Invalid base64 data in response.");
}

void imap_sasl_continue(struct imap_session *s, const char *line)
{
	sasl_next(s, line);
}

void imap_cmd_authenticate(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->s;
	enum sasl_mech mech;
	const char *name, *ir = NULL;
	size_t len;

	if (cmd->count < 1 || cmd->count > 2 ||
	    !imap_arg_get_atom(&cmd->args[0], &name) ||
	    (cmd->count == 2 &&
	     !imap_arg_get_astring(&cmd->args[1], &ir, &len))) {
		imap_cmd_bad(cmd, "AUTHENTICATE needs a mechanism");
		return;
	}
	if (sasl_mech_lookup(name, &mech) < 0) {
		imap_cmd_no(cmd, "Unsupported authentication mechanism.");
		return;
	}
	if (!plaintext_allowed(cmd))
		return;
	sasl_init(&s->sasl, mech);
	s->in_sasl = true;
	sasl_next(s, ir);
}

/* ---- after login ---- */

void imap_cmd_enable(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->s;
	struct buf out = BUF_INIT;
	const char *name;
	unsigned int bit;
	size_t i;

	if (cmd->count == 0) {
		imap_cmd_bad(cmd, "ENABLE needs capability names");
		return;
	}
	for (i = 0; i < cmd->count; i++)
		if (!imap_arg_get_atom(&cmd->args[i], &name)) {
			imap_cmd_bad(cmd, "Invalid capability name");
			return;
		}
	for (i = 0; i < cmd->count; i++) {
		imap_arg_get_atom(&cmd->args[i], &name);
		if (strcasecmp(name, "CONDSTORE") == 0)
			bit = IMAP_ENABLED_CONDSTORE;
		else if (strcasecmp(name, "QRESYNC") == 0)
			bit = IMAP_ENABLED_QRESYNC | IMAP_ENABLED_CONDSTORE;
		else if (strcasecmp(name, "UTF8=ACCEPT") == 0)
			bit = IMAP_ENABLED_UTF8;
		else
			continue;
		if ((s->enabled & bit) == bit)
			continue;
		s->enabled |= bit;
		if (bit & IMAP_ENABLED_CONDSTORE)
			s->condstore = true;
		buf_putc(&out, ' ');
		buf_puts(&out, bit == IMAP_ENABLED_UTF8 ? "UTF8=ACCEPT" :
			 bit == IMAP_ENABLED_CONDSTORE ? "CONDSTORE" :
			 "QRESYNC");
	}
	imap_untagged(s, "ENABLED%s", out.data);
	buf_release(&out);
	imap_cmd_ok(cmd, "Enabled.");
}

void imap_cmd_namespace(struct imap_cmd *cmd)
{
	if (cmd->count != 0) {
		imap_cmd_bad(cmd, "NAMESPACE takes no arguments");
		return;
	}
	imap_untagged(cmd->s, "NAMESPACE ((\"\" \"/\")) NIL NIL");
	imap_cmd_ok(cmd, "Namespace completed.");
}
