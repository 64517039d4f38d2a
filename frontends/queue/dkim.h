#ifndef MAILTREE_QUEUE_DKIM_H
#define MAILTREE_QUEUE_DKIM_H

/*
 * DKIM signing (RFC 6376) of outbound mail with rsa-sha256 or
 * ed25519-sha256 (RFC 8463), relaxed/relaxed canonicalization, keys from
 * OpenSSL PEM files.  The message is fed in chunks of any size (LF or
 * CRLF line endings), so it is never held whole: the header is kept (up
 * to DKIM_MAX_HEADER), the body only hashed.
 *
 * Functions return 0 or a negative errno.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/evp.h>

#include "buf.h"

#define DKIM_MAX_HEADER (256 * 1024)

struct dkim_key {
	char *domain, *selector;
	EVP_PKEY *pkey;
	bool ed25519;		/* else RSA */
};

/* A "domain selector keyfile" line of the configuration; -EINVAL with a
 * reason in err. */
int dkim_key_load(struct dkim_key *key, const char *line, struct buf *err);
void dkim_key_release(struct dkim_key *key);

/* Which header fields are signed (when present), in this order. */
extern const char *const dkim_signed_fields[];

struct dkim_sign {
	const struct dkim_key *key;
	EVP_MD_CTX *body_hash;
	struct buf header;	/* the header block as fed, LF endings */
	bool in_body, too_big;
	/* body canonicalization state */
	bool cr, wsp;
	size_t line_len;	/* of the current line, canonicalized */
	uint64_t empty_lines;	/* pending, dropped if nothing follows */
	struct buf out;		/* canonical body bytes not yet hashed */
};

void dkim_sign_init(struct dkim_sign *d, const struct dkim_key *key);
void dkim_sign_update(struct dkim_sign *d, const void *data, size_t len);
/* Appends "DKIM-Signature: ...\r\n" to out.  -EFBIG when the header was
 * over DKIM_MAX_HEADER (nothing appended), -EIO when signing failed. */
int dkim_sign_finish(struct dkim_sign *d, time_t now, struct buf *out);
void dkim_sign_release(struct dkim_sign *d);

/* The relaxed canonical form of one header field ("Name: value" with
 * its folding, no line ending) into out, with CRLF. */
void dkim_relaxed_header(const char *field, size_t len, struct buf *out);

#endif
