#ifndef MAILTREE_TLS_H
#define MAILTREE_TLS_H

/*
 * TLS over memory BIOs, so the event loop does all socket I/O: ciphertext
 * read from the socket goes in with tls_feed(), plaintext comes out of
 * tls_read(); plaintext to send goes in with tls_write() and the
 * ciphertext to put on the socket comes out of tls_output().
 *
 * Functions return 0 or a negative errno; -EPROTO means the peer broke
 * the protocol (garbage instead of a handshake, a bad record) and the
 * connection must be closed.
 */

#include <stdbool.h>
#include <stddef.h>

#include <openssl/ssl.h>

struct buf;

struct tls {
	SSL *ssl;
	BIO *rbio, *wbio;	/* owned by ssl */
	bool established;
};

/* A server context with the certificate chain and key, TLS 1.2 or newer.
 * Returns NULL with a reason in err. */
SSL_CTX *tls_ctx_new(const char *cert, const char *key, struct buf *err);

void tls_init(struct tls *t, SSL_CTX *ctx);
void tls_release(struct tls *t);
void tls_feed(struct tls *t, const void *data, size_t len);
/*
 * Advances the handshake and appends any plaintext to out.  Returns 1 when
 * this call completed the handshake, 0 when it made what progress the
 * input allowed, or -EPROTO.
 */
int tls_read(struct tls *t, struct buf *out);
int tls_write(struct tls *t, const void *data, size_t len);
/* Moves pending ciphertext to out; returns how many bytes. */
size_t tls_output(struct tls *t, struct buf *out);
/* "TLSv1.3 TLS_AES_256_GCM_SHA384" for logs. */
void tls_describe(const struct tls *t, struct buf *out);

#endif
