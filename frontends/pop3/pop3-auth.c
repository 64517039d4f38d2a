/*
 * POP3 AUTHORIZATION: USER and PASS (RFC 1939), AUTH with SASL PLAIN and
 * LOGIN and initial responses (RFC 5034), STLS (RFC 2595) and CAPA
 * (RFC 2449).  Passwords are checked by sasl_auth() on the thread pool,
 * with the core's delay after a failure; then the maildrop is opened and
 * locked there too.  USER, PASS and AUTH are refused, and not offered in
 * CAPA, where plaintext passwords are not allowed (no TLS, not loopback,
 * disable_plaintext_auth = yes).
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "conn.h"
#include "pop3-int.h"
#include "sasl.h"
#include "util.h"

#define PLAINTEXT_REFUSED "-ERR [AUTH] Plaintext authentication " \
	"disallowed on non-secure connections\r\n"

struct maildrop_req {
	struct pop3_session *s;
	char *store, *user;
	unsigned int stale_secs;
	struct pop3_maildrop *md;
	int ret;
};

static void maildrop_work(void *arg)
{
	struct maildrop_req *m = arg;

	m->ret = pop3_maildrop_open(m->store, m->user, m->stale_secs, &m->md);
}

static void maildrop_done(struct conn *c, void *arg)
{
	struct maildrop_req *m = arg;
	struct pop3_session *s = m->s;
	uint32_t i;

	if (c->closing) {
		pop3_maildrop_free(&m->md);
	} else if (m->ret < 0) {
		conn_log_info(c, "maildrop not opened: %s", strerror(-m->ret));
		conn_set_user(c, NULL);
		pop3_reply_errno(s, m->ret, NULL);
	} else {
		s->md = m->md;
		s->state = POP3_TRANSACTION;
		s->live_count = s->md->count;
		for (i = 0; i < s->md->count; i++)
			s->live_size += s->md->msgs[i].size;
		conn_log_info(c, "maildrop messages=%u size=%llu",
			      s->live_count, (unsigned long long)s->live_size);
		conn_puts(c, "+OK Logged in.\r\n");
	}
	free(m->store);
	free(m->user);
	free(m);
	if (!c->closing)
		pop3_after_command(s);
}

static void login_done(struct conn *c, int result, void *ctx)
{
	struct pop3_session *s = ctx;
	struct maildrop_req *m;

	if (c->closing)
		return;
	if (result == 0) {
		conn_puts(c, "-ERR [AUTH] Authentication failed.\r\n");
		pop3_after_command(s);
		return;
	}
	if (result < 0) {
		pop3_reply_errno(s, result, NULL);
		pop3_after_command(s);
		return;
	}
	m = xcalloc(1, sizeof(*m));
	m->s = s;
	m->store = xstrdup(conn_store(c));
	m->user = xstrdup(c->user);
	/* An idle session does not refresh its lock: stale only well after
	 * the idle timeout would have ended it. */
	m->stale_secs = c->limits.idle_timeout + 120;
	conn_queue_work(c, maildrop_work, maildrop_done, m);
}

void pop3_act_user(struct pop3_session *s, const char *args)
{
	if (!conn_plaintext_auth_allowed(s->c)) {
		conn_puts(s->c, PLAINTEXT_REFUSED);
		return;
	}
	if (*args == '\0' || strlen(args) > SASL_MAX_FIELD) {
		pop3_bad_command(s, "-ERR USER needs a user name.\r\n");
		return;
	}
	free(s->user);
	s->user = xstrdup(args);
	conn_puts(s->c, "+OK\r\n");
}

void pop3_act_pass(struct pop3_session *s, const char *args)
{
	char *user = s->user;

	if (!conn_plaintext_auth_allowed(s->c)) {
		conn_puts(s->c, PLAINTEXT_REFUSED);
		return;
	}
	if (user == NULL) {
		pop3_bad_command(s, "-ERR No user name given (USER first).\r\n");
		return;
	}
	s->user = NULL;
	sasl_auth(s->c, user, args, login_done, s);
	free(user);
}

/* A SASL step: a challenge, the login, or the end of the exchange. */
void pop3_sasl_continue(struct pop3_session *s, const char *response)
{
	int ret = sasl_continue(s->c, &s->sasl, response, "+ ", login_done, s);

	s->in_sasl = ret == 1;
	if (ret == -ECANCELED)
		conn_puts(s->c, "-ERR Authentication aborted by client.\r\n");
	else if (ret < 0)
		pop3_bad_command(s, "-ERR Invalid base64 data in SASL response.\r\n");
}

void pop3_act_auth(struct pop3_session *s, const char *args)
{
	enum sasl_mech mech;
	char name[32];
	size_t n = strcspn(args, " ");
	const char *initial = NULL;

	if (*args == '\0') {
		/* Not in RFC 5034, but what older clients send to learn the
		 * mechanisms; Dovecot answers it too. */
		conn_puts(s->c, "+OK\r\n");
		if (conn_plaintext_auth_allowed(s->c))
			conn_puts(s->c, "PLAIN\r\nLOGIN\r\n");
		conn_puts(s->c, ".\r\n");
		return;
	}
	if (!conn_plaintext_auth_allowed(s->c)) {
		conn_puts(s->c, PLAINTEXT_REFUSED);
		return;
	}
	if (n < sizeof(name)) {
		memcpy(name, args, n);
		name[n] = '\0';
	}
	if (n >= sizeof(name) || sasl_mech_lookup(name, &mech) < 0) {
		pop3_bad_command(s, "-ERR Unsupported authentication mechanism.\r\n");
		return;
	}
	if (args[n] == ' ')
		initial = args + n + 1;
	sasl_init(&s->sasl, mech);
	pop3_sasl_continue(s, initial);
}

void pop3_act_stls(struct pop3_session *s, const char *args)
{
	if (*args != '\0') {
		pop3_bad_command(s, "-ERR STLS takes no arguments.\r\n");
		return;
	}
	if (conn_tls_active(s->c)) {
		conn_puts(s->c, "-ERR TLS is already active.\r\n");
		return;
	}
	if (!conn_starttls_available(s->c)) {
		conn_puts(s->c, "-ERR TLS support isn't enabled.\r\n");
		return;
	}
	conn_puts(s->c, "+OK Begin TLS negotiation now.\r\n");
	/* RFC 2595 4: forget what the client said before TLS. */
	free(s->user);
	s->user = NULL;
	if (conn_starttls(s->c) < 0)
		conn_close(s->c);
}

void pop3_act_capa(struct pop3_session *s, const char *args)
{
	struct conn *c = s->c;

	(void)args;
	conn_puts(c, "+OK\r\nCAPA\r\nTOP\r\nUIDL\r\nRESP-CODES\r\n"
		  "PIPELINING\r\nAUTH-RESP-CODE\r\n");
	if (s->state == POP3_AUTHORIZATION &&
	    conn_plaintext_auth_allowed(c))
		conn_printf(c, "USER\r\nSASL %s\r\n", sasl_mech_list());
	if (s->state == POP3_AUTHORIZATION && conn_starttls_available(c))
		conn_puts(c, "STLS\r\n");
	conn_puts(c, "IMPLEMENTATION mailtree\r\n.\r\n");
}

