/* TLS over memory BIOs; see tls.h. */

#include <errno.h>
#include <string.h>

#include <openssl/err.h>

#include "buf.h"
#include "tls.h"
#include "util.h"

static void openssl_reason(struct buf *err)
{
	unsigned long e = ERR_get_error();
	char msg[256];

	if (e == 0) {
		buf_puts(err, "unknown error");
		return;
	}
	ERR_error_string_n(e, msg, sizeof(msg));
	buf_puts(err, msg);
	ERR_clear_error();
}

SSL_CTX *tls_ctx_new(const char *cert, const char *key, struct buf *err)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

	if (ctx == NULL) {
		buf_puts(err, "cannot create a TLS context: ");
		openssl_reason(err);
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION |
			    SSL_OP_CIPHER_SERVER_PREFERENCE);
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		buf_printf(err, "%s: ", cert);
		openssl_reason(err);
		SSL_CTX_free(ctx);
		return NULL;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		buf_printf(err, "%s: ", key);
		openssl_reason(err);
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

void tls_init(struct tls *t, SSL_CTX *ctx)
{
	memset(t, 0, sizeof(*t));
	t->ssl = SSL_new(ctx);
	if (t->ssl == NULL)
		fatal("SSL_new failed");
	t->rbio = BIO_new(BIO_s_mem());
	t->wbio = BIO_new(BIO_s_mem());
	if (t->rbio == NULL || t->wbio == NULL)
		fatal("BIO_new failed");
	/* An empty read BIO means "want more", not end of file. */
	BIO_set_mem_eof_return(t->rbio, -1);
	SSL_set_bio(t->ssl, t->rbio, t->wbio);
	SSL_set_accept_state(t->ssl);
}

void tls_release(struct tls *t)
{
	if (t->ssl != NULL)
		SSL_free(t->ssl);
	memset(t, 0, sizeof(*t));
}

void tls_feed(struct tls *t, const void *data, size_t len)
{
	if (len > 0 && BIO_write(t->rbio, data, (int)len) != (int)len)
		fatal("BIO_write to a memory BIO failed");
}

int tls_read(struct tls *t, struct buf *out)
{
	char chunk[16384];
	int n, done = 0;

	if (!t->established) {
		n = SSL_do_handshake(t->ssl);
		if (n != 1) {
			int e = SSL_get_error(t->ssl, n);

			if (e == SSL_ERROR_WANT_READ ||
			    e == SSL_ERROR_WANT_WRITE)
				return 0;
			ERR_clear_error();
			return -EPROTO;
		}
		t->established = true;
		done = 1;
	}
	for (;;) {
		n = SSL_read(t->ssl, chunk, sizeof(chunk));
		if (n > 0) {
			buf_append(out, chunk, (size_t)n);
			continue;
		}
		int e = SSL_get_error(t->ssl, n);

		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
			return done;
		ERR_clear_error();
		/* A close_notify or a broken record both end the session. */
		return -EPROTO;
	}
}

int tls_write(struct tls *t, const void *data, size_t len)
{
	int n;

	if (len == 0)
		return 0;
	n = SSL_write(t->ssl, data, (int)len);
	if (n != (int)len) {
		ERR_clear_error();
		return -EPROTO;
	}
	return 0;
}

size_t tls_output(struct tls *t, struct buf *out)
{
	char *p;
	long n = BIO_get_mem_data(t->wbio, &p);

	if (n <= 0)
		return 0;
	buf_append(out, p, (size_t)n);
	(void)BIO_reset(t->wbio);
	return (size_t)n;
}

void tls_describe(const struct tls *t, struct buf *out)
{
	buf_printf(out, "%s %s", SSL_get_version(t->ssl),
		   SSL_get_cipher_name(t->ssl));
}
