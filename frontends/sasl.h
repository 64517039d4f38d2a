#ifndef MAILTREE_SASL_H
#define MAILTREE_SASL_H

/*
 * SASL mechanisms for the protocols with AUTH (POP3, SMTP submission,
 * IMAP): PLAIN (RFC 4616) and LOGIN.  The protocol feeds the client's
 * base64 lines to sasl_step() and sends back the challenges it returns;
 * when the credentials are complete it checks them with sasl_auth(),
 * which verifies the password against the store's passwd file on the
 * thread pool and, on failure, waits limits.auth_fail_delay_ms before
 * calling back, without blocking the loop.  Both are plaintext
 * mechanisms: offer them only where conn_plaintext_auth_allowed().
 */

#include <stdbool.h>

#include "buf.h"

struct conn;

enum sasl_mech { SASL_PLAIN, SASL_LOGIN };

#define SASL_MAX_FIELD 255	/* user name or password */

struct sasl {
	enum sasl_mech mech;
	unsigned int step;
	struct buf user, password;
};

/* "PLAIN" or "LOGIN" (any case); -ENOENT for others. */
int sasl_mech_lookup(const char *name, enum sasl_mech *mech_r);
/* The mechanism names for a capability line: "PLAIN LOGIN". */
const char *sasl_mech_list(void);
void sasl_init(struct sasl *sasl, enum sasl_mech mech);
void sasl_release(struct sasl *sasl);
/*
 * One client response (base64; "=" is an empty one; NULL before the
 * first step when the client sent no initial response).  Returns 1 when
 * the credentials are complete (sasl->user, sasl->password), 0 with the
 * next base64 challenge in challenge_r, -ECANCELED for "*", -EINVAL for
 * bad base64 or a malformed message.
 */
int sasl_step(struct sasl *sasl, const char *response, struct buf *challenge_r);

/* Checks a user and password against STORE/passwd; 1 valid, 0 not, or a
 * negative errno.  Blocking: run it on the thread pool. */
int sasl_verify(const char *store, const char *user, const char *password);
/*
 * sasl_verify() on the thread pool, then done(c, result, ctx) with 1 for
 * a valid login (conn->user is then set), 0 for a wrong one (after the
 * failure delay) or a negative errno.  Input is paused meanwhile.
 */
void sasl_auth(struct conn *c, const char *user, const char *password,
	       void (*done)(struct conn *c, int result, void *ctx), void *ctx);

/*
 * One client response of an exchange, for every protocol: sends the next
 * challenge as prefix + base64 + CRLF ("+ " for IMAP and POP3, "334 " for
 * SMTP), or, once the credentials are complete, starts sasl_auth() with
 * done and ctx.  Returns 1 while the exchange goes on (the next client
 * line is a response), 0 when the password is being checked, or
 * -ECANCELED ("*") / -EINVAL (bad base64, a malformed message): then the
 * protocol replies.  The sasl is released unless the exchange goes on.
 */
int sasl_continue(struct conn *c, struct sasl *sasl, const char *response,
		  const char *prefix,
		  void (*done)(struct conn *c, int result, void *ctx),
		  void *ctx);

/* Base64 (RFC 4648) with padding; -EINVAL for bad input. */
int sasl_base64_decode(const char *in, struct buf *out);
void sasl_base64_encode(const void *data, size_t len, struct buf *out);

#endif
