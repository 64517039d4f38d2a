/* DKIM signing; see dkim.h. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "queue/dkim.h"
#include "sasl.h"
#include "util.h"

const char *const dkim_signed_fields[] = {
	"From", "Reply-To", "Subject", "Date", "To", "Cc", "Message-ID",
	"In-Reply-To", "References", "MIME-Version", "Content-Type",
	"Content-Transfer-Encoding", NULL,
};

int dkim_key_load(struct dkim_key *key, const char *line, struct buf *err)
{
	char dom[256], sel[64], path[1024];
	FILE *f;
	int n;

	memset(key, 0, sizeof(*key));
	n = sscanf(line, "%255s %63s %1023s", dom, sel, path);
	if (n != 3) {
		buf_printf(err, "dkim: expected \"domain selector keyfile\": %s",
			   line);
		return -EINVAL;
	}
	f = fopen(path, "re");
	if (f == NULL) {
		buf_printf(err, "dkim: %s: %s", path, strerror(errno));
		return -errno;
	}
	key->pkey = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (key->pkey == NULL) {
		ERR_clear_error();
		buf_printf(err, "dkim: %s: not a PEM private key", path);
		return -EINVAL;
	}
	if (EVP_PKEY_id(key->pkey) == EVP_PKEY_ED25519) {
		key->ed25519 = true;
	} else if (EVP_PKEY_id(key->pkey) != EVP_PKEY_RSA) {
		EVP_PKEY_free(key->pkey);
		key->pkey = NULL;
		buf_printf(err, "dkim: %s: neither RSA nor Ed25519", path);
		return -EINVAL;
	}
	key->domain = xstrdup(dom);
	key->selector = xstrdup(sel);
	return 0;
}

void dkim_key_release(struct dkim_key *key)
{
	if (key->pkey != NULL)
		EVP_PKEY_free(key->pkey);
	free(key->domain);
	free(key->selector);
	memset(key, 0, sizeof(*key));
}

void dkim_sign_init(struct dkim_sign *d, const struct dkim_key *key)
{
	memset(d, 0, sizeof(*d));
	d->key = key;
	buf_init(&d->header);
	buf_init(&d->out);
	d->body_hash = EVP_MD_CTX_new();
	if (d->body_hash == NULL ||
	    EVP_DigestInit_ex(d->body_hash, EVP_sha256(), NULL) != 1)
		fatal("EVP_DigestInit failed");
}

void dkim_sign_release(struct dkim_sign *d)
{
	EVP_MD_CTX_free(d->body_hash);
	buf_release(&d->header);
	buf_release(&d->out);
	memset(d, 0, sizeof(*d));
}

static void body_flush(struct dkim_sign *d)
{
	EVP_DigestUpdate(d->body_hash, d->out.data, d->out.len);
	buf_reset(&d->out);
}

/* RFC 6376 3.4.4: whitespace runs become one SP, whitespace at line
 * ends goes, and so do empty lines at the end of the body. */
static void body_content(struct dkim_sign *d, char ch)
{
	if (d->line_len == 0) {
		for (; d->empty_lines > 0; d->empty_lines--) {
			buf_puts(&d->out, "\r\n");
			if (d->out.len >= 65536)
				body_flush(d);
		}
	}
	if (d->wsp) {
		buf_putc(&d->out, ' ');
		d->wsp = false;
		d->line_len++;
	}
	buf_putc(&d->out, ch);
	d->line_len++;
	if (d->out.len >= 65536)
		body_flush(d);
}

static void body_line_end(struct dkim_sign *d)
{
	if (d->line_len == 0)
		d->empty_lines++;
	else
		buf_puts(&d->out, "\r\n");
	d->line_len = 0;
	d->wsp = false;
}

static void body_byte(struct dkim_sign *d, char ch)
{
	if (d->cr) {
		d->cr = false;
		if (ch == '\n') {
			body_line_end(d);
			return;
		}
		body_content(d, '\r');
	}
	if (ch == '\r')
		d->cr = true;
	else if (ch == '\n')
		body_line_end(d);
	else if (ch == ' ' || ch == '\t')
		d->wsp = true;
	else
		body_content(d, ch);
}

void dkim_sign_update(struct dkim_sign *d, const void *data, size_t len)
{
	const char *p = data;
	size_t i = 0;

	while (!d->in_body && i < len) {
		char ch = p[i++];
		struct buf *h = &d->header;

		if (h->len >= DKIM_MAX_HEADER) {
			d->too_big = true;
		} else {
			buf_putc(h, ch);
		}
		if (ch == '\n' && (h->len == 1 ||
		    (h->len == 2 && h->data[0] == '\r') ||
		    (h->len >= 2 && h->data[h->len - 2] == '\n') ||
		    (h->len >= 3 && h->data[h->len - 2] == '\r' &&
		     h->data[h->len - 3] == '\n')))
			d->in_body = true;
	}
	for (; i < len; i++)
		body_byte(d, p[i]);
}

void dkim_relaxed_header(const char *field, size_t len, struct buf *out)
{
	const char *colon = memchr(field, ':', len), *v, *end = field + len;
	size_t n, start;
	bool wsp = false;

	if (colon == NULL)
		return;
	n = (size_t)(colon - field);
	while (n > 0 && (field[n - 1] == ' ' || field[n - 1] == '\t'))
		n--;
	for (size_t i = 0; i < n; i++)
		buf_putc(out, (char)((field[i] >= 'A' && field[i] <= 'Z') ?
				     field[i] + 32 : field[i]));
	buf_putc(out, ':');
	start = out->len;
	for (v = colon + 1; v < end; v++) {
		if (*v == '\r' || *v == '\n')
			continue;
		if (*v == ' ' || *v == '\t') {
			wsp = true;
			continue;
		}
		if (wsp && out->len > start)
			buf_putc(out, ' ');
		wsp = false;
		buf_putc(out, *v);
	}
	buf_puts(out, "\r\n");
}

struct field {
	const char *start;
	size_t len;
	bool used;
};

/* The header block split into fields (with their folding). */
static size_t split_fields(const struct buf *h, struct field **fields_r)
{
	struct field *f = NULL;
	size_t n = 0, cap = 0, pos = 0;

	while (pos < h->len) {
		const char *line = h->data + pos;
		const char *nl = memchr(line, '\n', h->len - pos);
		size_t llen = nl != NULL ? (size_t)(nl - line) + 1 :
			      h->len - pos;

		if (llen <= 2 && (line[0] == '\n' || line[0] == '\r'))
			break;	/* the empty line */
		if ((line[0] == ' ' || line[0] == '\t') && n > 0) {
			f[n - 1].len += llen;
		} else {
			f = xgrow(f, &cap, n + 1, sizeof(*f));
			f[n].start = line;
			f[n].len = llen;
			f[n].used = false;
			n++;
		}
		pos += llen;
	}
	*fields_r = f;
	return n;
}

static bool field_is(const struct field *f, const char *name)
{
	size_t n = strlen(name);

	return f->len > n && strncasecmp(f->start, name, n) == 0 &&
	       (f->start[n] == ':' || f->start[n] == ' ' ||
		f->start[n] == '\t');
}

static int sign_data(const struct dkim_key *key, const struct buf *data,
		     struct buf *sig_b64)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char hash[32], sig[1024];
	size_t siglen = sizeof(sig);
	int ok;

	if (ctx == NULL)
		return -ENOMEM;
	if (key->ed25519) {
		/* RFC 8463 3: Ed25519 over the SHA-256 of the data. */
		ok = EVP_Digest(data->data, data->len, hash, NULL, EVP_sha256(),
				NULL) == 1 &&
		     EVP_DigestSignInit(ctx, NULL, NULL, NULL, key->pkey) == 1 &&
		     EVP_DigestSign(ctx, sig, &siglen, hash, sizeof(hash)) == 1;
	} else {
		ok = EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL,
					key->pkey) == 1 &&
		     EVP_DigestSignUpdate(ctx, data->data, data->len) == 1 &&
		     EVP_DigestSignFinal(ctx, NULL, &siglen) == 1 &&
		     siglen <= sizeof(sig) &&
		     EVP_DigestSignFinal(ctx, sig, &siglen) == 1;
	}
	EVP_MD_CTX_free(ctx);
	if (!ok) {
		ERR_clear_error();
		return -EIO;
	}
	sasl_base64_encode(sig, siglen, sig_b64);
	return 0;
}

int dkim_sign_finish(struct dkim_sign *d, time_t now, struct buf *out)
{
	struct buf hlist = BUF_INIT, data = BUF_INIT, value = BUF_INIT;
	struct buf sig = BUF_INIT, bh = BUF_INIT;
	unsigned char digest[32];
	struct field *fields = NULL;
	size_t n, i, k;
	int ret;

	if (d->too_big)
		return -EFBIG;
	if (d->cr) {
		d->cr = false;
		body_content(d, '\r');
	}
	if (d->line_len > 0)
		buf_puts(&d->out, "\r\n");
	body_flush(d);
	EVP_DigestFinal_ex(d->body_hash, digest, NULL);
	sasl_base64_encode(digest, sizeof(digest), &bh);
	n = split_fields(&d->header, &fields);
	/* Each instance of a signed field, bottom-up (RFC 6376 5.4.2). */
	for (k = 0; dkim_signed_fields[k] != NULL; k++) {
		for (i = n; i-- > 0;) {
			if (!field_is(&fields[i], dkim_signed_fields[k]))
				continue;
			if (hlist.len > 0)
				buf_putc(&hlist, ':');
			buf_puts(&hlist, dkim_signed_fields[k]);
			dkim_relaxed_header(fields[i].start, fields[i].len,
					    &data);
		}
	}
	buf_printf(&value, "v=1; a=%s; c=relaxed/relaxed; d=%s; s=%s;\r\n"
		   "\tt=%lld; h=%s;\r\n\tbh=%s;\r\n\tb=",
		   d->key->ed25519 ? "ed25519-sha256" : "rsa-sha256",
		   d->key->domain, d->key->selector, (long long)now,
		   hlist.data, bh.data);
	{
		struct buf field = BUF_INIT;

		buf_printf(&field, "DKIM-Signature: %s", value.data);
		dkim_relaxed_header(field.data, field.len, &data);
		buf_truncate(&data, data.len - 2);	/* no CRLF */
		buf_release(&field);
	}
	ret = sign_data(d->key, &data, &sig);
	if (ret == 0)
		buf_printf(out, "DKIM-Signature: %s%s\r\n", value.data,
			   sig.data);
	free(fields);
	buf_release(&hlist);
	buf_release(&data);
	buf_release(&value);
	buf_release(&sig);
	buf_release(&bh);
	return ret;
}
