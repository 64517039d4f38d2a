/*
 * AUTH (RFC 4954) for submission, with the SASL mechanisms of sasl.c
 * (PLAIN, LOGIN) and initial responses.  It is offered and accepted only
 * where plaintext passwords may travel: over TLS, or from loopback unless
 * disable_plaintext_auth says otherwise (RFC 8314).
 */

#include <errno.h>
#include <string.h>

#include "buf.h"
#include "conn.h"
#include "sasl.h"
#include "smtp-int.h"
#include "util.h"

static void login_done(struct conn *c, int result, void *ctx)
{
	struct smtp_session *s = ctx;

	if (c->closing)
		return;
	if (result == 1) {
		conn_log_info(c, "authenticated");
		conn_puts(c, "235 2.7.0 Authentication successful\r\n");
	} else if (result == 0) {
		conn_log_info(c, "authentication failed");
		conn_puts(c, "535 5.7.8 Authentication credentials invalid\r\n");
		smtp_bad_command(s);
	} else {
		conn_log_warn(c, "authentication error: %s",
			      strerror(-result));
		conn_puts(c, "454 4.7.0 Temporary authentication failure\r\n");
	}
}

void smtp_sasl_continue(struct smtp_session *s, const char *response)
{
	int ret = sasl_continue(s->c, &s->sasl, response, "334 ", login_done,
				s);

	s->in_sasl = ret == 1;
	if (ret == -ECANCELED) {
		conn_puts(s->c, "501 5.0.0 Authentication aborted\r\n");
	} else if (ret < 0) {
		conn_puts(s->c, "501 5.5.2 Cannot decode response\r\n");
		smtp_bad_command(s);
	}
}

int smtp_check_auth(struct smtp_session *s, const char *args)
{
	if (s->c->user != NULL) {
		conn_puts(s->c, "503 5.5.1 Already authenticated\r\n");
		return -1;
	}
	if (!s->esmtp) {
		conn_puts(s->c, "503 5.5.1 Send EHLO first\r\n");
		return -1;
	}
	if (!conn_plaintext_auth_allowed(s->c)) {
		conn_puts(s->c, "538 5.7.11 Encryption required for requested "
			  "authentication mechanism\r\n");
		return -1;
	}
	if (*args == '\0') {
		conn_puts(s->c, "501 5.5.4 Syntax: AUTH mechanism\r\n");
		smtp_bad_command(s);
		return -1;
	}
	return 0;
}

void smtp_act_auth(struct smtp_session *s, const char *args)
{
	enum sasl_mech mech;
	char name[32];
	size_t n = strcspn(args, " ");
	const char *initial = NULL;

	if (n < sizeof(name)) {
		memcpy(name, args, n);
		name[n] = '\0';
	}
	if (n >= sizeof(name) || sasl_mech_lookup(name, &mech) < 0) {
		conn_puts(s->c, "504 5.5.4 Unrecognized authentication "
			  "type\r\n");
		smtp_bad_command(s);
		return;
	}
	if (args[n] == ' ')
		initial = args + n + 1;
	sasl_init(&s->sasl, mech);
	smtp_sasl_continue(s, initial);
}
