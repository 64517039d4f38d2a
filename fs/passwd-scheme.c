/*
 * Password schemes with Dovecot's names and stored forms; see passwd.h.
 * crypt(3) strings go through libxcrypt, digests through OpenSSL.
 */

#include <crypt.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "buf.h"
#include "passwd.h"
#include "util.h"

#define SALT_LEN	8	/* bytes of salt for the SSHA family */
#define BLF_COST	10

enum scheme_kind { KIND_PLAIN, KIND_CRYPT, KIND_DIGEST };
enum scheme_encoding { ENC_NONE, ENC_BASE64, ENC_HEX };

struct scheme {
	const char *name;
	enum scheme_kind kind;
	enum scheme_encoding encoding;	/* when the name has no suffix */
	const char *digest;		/* OpenSSL digest name */
	int salted;
	const char *crypt_prefix;	/* for hashing; NULL: verify only */
	unsigned long crypt_cost;
	int can_hash;
};

static const struct scheme schemes[] = {
	{ "PLAIN", KIND_PLAIN, ENC_NONE, NULL, 0, NULL, 0, 1 },
	{ "CLEARTEXT", KIND_PLAIN, ENC_NONE, NULL, 0, NULL, 0, 1 },
	{ "CRYPT", KIND_CRYPT, ENC_NONE, NULL, 0, NULL, 0, 0 },
	{ "MD5-CRYPT", KIND_CRYPT, ENC_NONE, NULL, 0, NULL, 0, 0 },
	{ "SHA256-CRYPT", KIND_CRYPT, ENC_NONE, NULL, 0, "$5$", 0, 1 },
	{ "SHA512-CRYPT", KIND_CRYPT, ENC_NONE, NULL, 0, "$6$", 0, 1 },
	{ "BLF-CRYPT", KIND_CRYPT, ENC_NONE, NULL, 0, "$2y$", BLF_COST, 1 },
	{ "SHA", KIND_DIGEST, ENC_BASE64, "SHA1", 0, NULL, 0, 0 },
	{ "SHA1", KIND_DIGEST, ENC_BASE64, "SHA1", 0, NULL, 0, 0 },
	{ "SHA256", KIND_DIGEST, ENC_BASE64, "SHA256", 0, NULL, 0, 0 },
	{ "SHA512", KIND_DIGEST, ENC_BASE64, "SHA512", 0, NULL, 0, 0 },
	{ "SSHA", KIND_DIGEST, ENC_BASE64, "SHA1", 1, NULL, 0, 1 },
	{ "SSHA256", KIND_DIGEST, ENC_BASE64, "SHA256", 1, NULL, 0, 1 },
	{ "SSHA512", KIND_DIGEST, ENC_BASE64, "SHA512", 1, NULL, 0, 1 },
	{ "PLAIN-MD5", KIND_DIGEST, ENC_HEX, "MD5", 0, NULL, 0, 0 },
	{ "LDAP-MD5", KIND_DIGEST, ENC_BASE64, "MD5", 0, NULL, 0, 0 },
	{ "SMD5", KIND_DIGEST, ENC_BASE64, "MD5", 1, NULL, 0, 0 },
};

/*
 * Finds "NAME" or "NAME.B64" / "NAME.BASE64" / "NAME.HEX", case-insensitive
 * like Dovecot.  *explicit_r says whether a suffix chose the encoding.
 */
static const struct scheme *scheme_lookup(const char *name, size_t len,
					  enum scheme_encoding *enc_r,
					  int *explicit_r)
{
	const char *dot = memchr(name, '.', len);
	size_t base = dot ? (size_t)(dot - name) : len, i;
	const struct scheme *s = NULL;

	for (i = 0; i < ARRAY_SIZE(schemes); i++) {
		if (strlen(schemes[i].name) == base &&
		    strncasecmp(schemes[i].name, name, base) == 0) {
			s = &schemes[i];
			break;
		}
	}
	if (s == NULL)
		return NULL;
	*enc_r = s->encoding;
	*explicit_r = dot != NULL;
	if (dot == NULL)
		return s;
	dot++;
	len -= base + 1;
	if ((len == 3 && strncasecmp(dot, "B64", 3) == 0) ||
	    (len == 6 && strncasecmp(dot, "BASE64", 6) == 0))
		*enc_r = ENC_BASE64;
	else if (len == 3 && strncasecmp(dot, "HEX", 3) == 0)
		*enc_r = ENC_HEX;
	else
		return NULL;
	return s;
}

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Standard base64; the '=' padding may be left out. */
static int base64_decode(const char *s, size_t len, struct buf *out)
{
	uint32_t bits = 0;
	unsigned int nbits = 0;
	size_t i, pad = 0;

	while (pad < len && pad < 2 && s[len - 1 - pad] == '=')
		pad++;
	if (pad > 0 && len % 4 != 0)
		return -EINVAL;
	len -= pad;
	if (len % 4 == 1)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		int v = b64_value((unsigned char)s[i]);

		if (v < 0)
			return -EINVAL;
		bits = (bits << 6) | (uint32_t)v;
		nbits += 6;
		if (nbits >= 8) {
			nbits -= 8;
			buf_putc(out, (char)((bits >> nbits) & 0xff));
			bits &= (1u << nbits) - 1;
		}
	}
	return 0;
}

static int hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int hex_decode(const char *s, size_t len, struct buf *out)
{
	size_t i;

	if (len % 2 != 0)
		return -EINVAL;
	for (i = 0; i < len; i += 2) {
		int hi = hex_value((unsigned char)s[i]);
		int lo = hex_value((unsigned char)s[i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		buf_putc(out, (char)(hi << 4 | lo));
	}
	return 0;
}

static void encode(enum scheme_encoding enc, const unsigned char *raw,
		   size_t len, struct buf *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	switch (enc) {
	case ENC_NONE:
		buf_append(out, raw, len);
		break;
	case ENC_HEX:
		for (i = 0; i < len; i++) {
			buf_putc(out, hex[raw[i] >> 4]);
			buf_putc(out, hex[raw[i] & 15]);
		}
		break;
	case ENC_BASE64:
		buf_grow(out, 4 * ((len + 2) / 3));
		out->len += (size_t)EVP_EncodeBlock(
			(unsigned char *)out->data + out->len, raw, (int)len);
		out->data[out->len] = '\0';
		break;
	}
}

/* The size of a digest in bytes, 0 if OpenSSL lacks it. */
static size_t digest_size(const char *name)
{
	const EVP_MD *type = EVP_get_digestbyname(name);
	int n = type != NULL ? EVP_MD_get_size(type) : 0;

	return n > 0 ? (size_t)n : 0;
}

/* digest(password + salt) into md, which holds EVP_MAX_MD_SIZE bytes. */
static int digest(const char *name, const char *password,
		  const unsigned char *salt, size_t salt_len,
		  unsigned char *md, unsigned int *md_len_r)
{
	const EVP_MD *type = EVP_get_digestbyname(name);
	EVP_MD_CTX *ctx;
	int ok;

	if (type == NULL)
		return -EIO;
	ctx = EVP_MD_CTX_new();
	if (ctx == NULL)
		fatal("out of memory in EVP_MD_CTX_new");
	ok = EVP_DigestInit_ex(ctx, type, NULL) &&
	     EVP_DigestUpdate(ctx, password, strlen(password)) &&
	     EVP_DigestUpdate(ctx, salt, salt_len) &&
	     EVP_DigestFinal_ex(ctx, md, md_len_r);
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -EIO;
}

/* Runs crypt_r(); NULL when libcrypt refuses the setting. */
static const char *run_crypt(const char *password, const char *setting,
			     struct crypt_data *data)
{
	const char *h = crypt_r(password, setting, data);

	/* libxcrypt fails with a string starting with '*'. */
	return h == NULL || h[0] == '*' ? NULL : h;
}

/* "{NAME}" or "{NAME.HEX}" / "{NAME.B64}" when the encoding was asked. */
static void put_prefix(struct buf *out, const struct scheme *s,
		       enum scheme_encoding enc, int explicit_enc)
{
	buf_printf(out, "{%s%s}", s->name, !explicit_enc ? "" :
		   enc == ENC_HEX ? ".HEX" : enc == ENC_BASE64 ? ".B64" : "");
}

int passwd_hash(const char *scheme_name, const char *password,
		struct buf *out)
{
	const struct scheme *s;
	enum scheme_encoding enc;
	unsigned char raw[EVP_MAX_MD_SIZE + SALT_LEN];
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data *cd;
	const char *h;
	unsigned int md_len;
	int explicit_enc, ret = 0;

	if (scheme_name == NULL)
		scheme_name = PASSWD_DEFAULT_SCHEME;
	s = scheme_lookup(scheme_name, strlen(scheme_name), &enc,
			  &explicit_enc);
	if (s == NULL || !s->can_hash)
		return -ENOTSUP;

	switch (s->kind) {
	case KIND_PLAIN:
		if (enc == ENC_NONE && strpbrk(password, ":\r\n") != NULL)
			return -EINVAL;
		put_prefix(out, s, enc, explicit_enc);
		encode(enc, (const unsigned char *)password, strlen(password),
		       out);
		break;
	case KIND_CRYPT:
		if (crypt_gensalt_rn(s->crypt_prefix, s->crypt_cost, NULL, 0,
				     setting, sizeof(setting)) == NULL)
			return -EIO;
		cd = xcalloc(1, sizeof(*cd));
		h = run_crypt(password, setting, cd);
		if (h == NULL) {
			ret = -EIO;
		} else {
			put_prefix(out, s, enc, explicit_enc);
			encode(enc, (const unsigned char *)h, strlen(h), out);
		}
		explicit_bzero(cd, sizeof(*cd));
		free(cd);
		break;
	case KIND_DIGEST:
		md_len = (unsigned int)digest_size(s->digest);
		if (md_len == 0)
			return -EIO;
		if (RAND_bytes(raw + md_len, SALT_LEN) != 1)
			return -EIO;
		ret = digest(s->digest, password, raw + md_len, SALT_LEN, raw,
			     &md_len);
		if (ret < 0)
			break;
		put_prefix(out, s, enc, explicit_enc);
		encode(enc, raw, md_len + SALT_LEN, out);
		break;
	}
	return ret;
}

static int verify_crypt(const char *stored, const char *password)
{
	struct crypt_data *cd = xcalloc(1, sizeof(*cd));
	const char *h = run_crypt(password, stored, cd);
	size_t len = strlen(stored);
	int ret;

	if (h == NULL)
		ret = -EINVAL;
	else
		ret = strlen(h) == len && CRYPTO_memcmp(h, stored, len) == 0;
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return ret;
}

static int verify_digest(const struct scheme *s, const unsigned char *raw,
			 size_t len, const char *password)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len;
	int ret;

	ret = digest(s->digest, password, NULL, 0, md, &md_len);
	if (ret < 0)
		return ret;
	if (s->salted ? len <= md_len : len != md_len)
		return -EINVAL;
	if (s->salted) {
		ret = digest(s->digest, password, raw + md_len, len - md_len,
			     md, &md_len);
		if (ret < 0)
			return ret;
	}
	return CRYPTO_memcmp(md, raw, md_len) == 0;
}

int passwd_verify_hash(const char *stored, const char *password)
{
	const struct scheme *s;
	enum scheme_encoding enc;
	struct buf raw = BUF_INIT;
	const char *value = stored, *close;
	int explicit_enc, ret = 0;
	size_t len;

	if (stored[0] == '\0')
		return 0;
	close = stored[0] == '{' ? strchr(stored, '}') : NULL;
	if (close != NULL) {
		s = scheme_lookup(stored + 1, (size_t)(close - stored - 1),
				  &enc, &explicit_enc);
		if (s == NULL)
			return -ENOTSUP;
		value = close + 1;
	} else {
		/* No prefix: Dovecot's default scheme, CRYPT. */
		s = scheme_lookup("CRYPT", 5, &enc, &explicit_enc);
	}
	len = strlen(value);

	/*
	 * Unsalted digests have a known size, so like Dovecot guess hex
	 * when the length fits, and fall back to base64.
	 */
	if (s->kind == KIND_DIGEST && !s->salted && !explicit_enc) {
		enc = ENC_BASE64;
		if (len == 2 * digest_size(s->digest)) {
			if (hex_decode(value, len, &raw) == 0)
				enc = ENC_NONE;
			else
				buf_reset(&raw);
		}
		if (enc == ENC_NONE)
			goto decoded;
	}
	switch (enc) {
	case ENC_NONE:
		buf_append(&raw, value, len);
		break;
	case ENC_HEX:
		ret = hex_decode(value, len, &raw);
		break;
	case ENC_BASE64:
		ret = base64_decode(value, len, &raw);
		break;
	}
	if (ret < 0)
		goto out;
decoded:
	switch (s->kind) {
	case KIND_PLAIN:
		ret = raw.len == strlen(password) &&
		      CRYPTO_memcmp(raw.data, password, raw.len) == 0;
		break;
	case KIND_CRYPT:
		/* A decoded crypt string must not hide a NUL. */
		if (strlen(raw.data) != raw.len || raw.len == 0)
			ret = -EINVAL;
		else
			ret = verify_crypt(raw.data, password);
		break;
	case KIND_DIGEST:
		ret = verify_digest(s, (const unsigned char *)raw.data,
				    raw.len, password);
		break;
	}
out:
	explicit_bzero(raw.data, raw.len);
	buf_release(&raw);
	return ret;
}

int passwd_verify(const struct passwd_entry *entry, const char *password)
{
	return passwd_verify_hash(entry->password, password);
}
