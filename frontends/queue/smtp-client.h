#ifndef MAILTREE_QUEUE_SMTP_CLIENT_H
#define MAILTREE_QUEUE_SMTP_CLIENT_H

/*
 * The SMTP client of the queue runner: blocking I/O on the runner's own
 * thread (never the event loop), EHLO, STARTTLS, AUTH PLAIN, PIPELINING
 * (RFC 2920) and several messages on one connection.  Every wait is cut
 * into one-second slices so that a stopping daemon (the stop flag) is
 * never held up; the overall waits are RFC 5321 4.5.3.2's.
 *
 * Functions return 0 or a negative errno; a failure leaves the reason in
 * cl->error ("connect to 192.0.2.1: Connection refused", or the server's
 * reply).  A reply code of the server is given as the positive
 * three-digit number.
 */

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "buf.h"
#include "config.h"

struct smtp_client_opts {
	const char *helo;		/* our host name */
	enum config_tls tls;		/* NONE: plain; STARTTLS: when
					 * offered; IMPLICIT: port 465 */
	bool tls_required;		/* fail rather than go plaintext */
	bool verify;			/* the certificate must be valid for
					 * the host name connected to */
	const char *ca_file;		/* for verify; NULL: the system's */
	const char *user, *password;	/* AUTH PLAIN, or NULL */
	const atomic_bool *stop;
};

struct smtp_client {
	int fd;
	SSL_CTX *ctx;
	SSL *ssl;
	const struct smtp_client_opts *opts;
	char host[300];			/* for messages: "name[addr]" */
	struct buf in;
	bool pipelining, starttls, auth, eightbit, dsn, smtputf8;
	uint64_t size_limit;		/* SIZE, 0 when not announced */
	unsigned int timeout;		/* seconds for the current wait */
	struct buf error;
};

/* The outcome for one recipient of smtp_client_send(). */
struct smtp_client_rcpt {
	const char *addr;
	const char *notify;	/* "FAILURE,DELAY" etc., or NULL */
	const char *orcpt;	/* or NULL */
	int code;		/* the RCPT reply, then the DATA reply */
	char diag[512];		/* the reply's text */
};

void smtp_client_init(struct smtp_client *cl,
		      const struct smtp_client_opts *opts);
/* Connects to host:port (each address in turn), reads the greeting and
 * does EHLO, STARTTLS and AUTH as configured. */
int smtp_client_open(struct smtp_client *cl, const char *host,
		     uint16_t port);
/*
 * One message: MAIL, the RCPTs and DATA (pipelined when offered), the
 * message read from fd (LF or CRLF line endings; sent as CRLF and
 * dot-stuffed) after `prefix` (a DKIM-Signature field, may be empty).
 * Fills each rcpt's code and diag.  Returns 0 when the exchange ran to
 * its end (some recipients may still have failed), or a negative errno
 * when the connection broke: the message must then be tried again.
 */
int smtp_client_send(struct smtp_client *cl, const char *sender,
		     const char *envid, bool ret_hdrs,
		     struct smtp_client_rcpt *rcpts, size_t count,
		     const char *prefix, int fd);
/* QUIT (when still connected) and frees everything. */
void smtp_client_release(struct smtp_client *cl);

#endif
