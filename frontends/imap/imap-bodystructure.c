/* FETCH BODY and BODYSTRUCTURE; see imap-bodystructure.h. */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "imap-bodystructure.h"
#include "imap-crlf.h"
#include "imap-envelope.h"
#include "imap-quote.h"
#include "message-summary.h"
#include "mime.h"
#include "util.h"

struct bs_ctx {
	int fd;
	bool extended;
	struct buf *out;
	/* Sorted body offsets of all parts and the bare LFs before each
	 * (imap_crlf_marks()). */
	uint64_t *offs;
	uint64_t *bare;
	size_t n;
};

static void write_str(struct buf *out, const char *s)
{
	imap_quote_string(out, s, strlen(s));
}

static void write_nstr(struct buf *out, const char *s)
{
	imap_quote_nstring(out, s, s != NULL ? strlen(s) : 0);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static size_t mark_index(const struct bs_ctx *ctx, uint64_t off)
{
	const uint64_t *m = bsearch(&off, ctx->offs, ctx->n,
				    sizeof(*ctx->offs), cmp_u64);

	if (m == NULL)
		fatal("imap-bodystructure: offset %llu not marked",
		      (unsigned long long)off);
	return (size_t)(m - ctx->offs);
}

static uint64_t body_size(const struct bs_ctx *ctx, const struct mime_part *p)
{
	size_t a = mark_index(ctx, p->body_offset);
	size_t b = mark_index(ctx, p->body_end);

	return mime_part_body_size(p) + ctx->bare[b] - ctx->bare[a];
}

/* Counts the bare LFs at every part's body start and end in one pass. */
static int count_sizes(struct bs_ctx *ctx, const struct mime_part *root)
{
	const struct mime_part *p;
	size_t n = 0, i, u;

	ctx->offs = xcalloc(2 * (size_t)mime_part_count(root) + 1,
			    sizeof(*ctx->offs));
	for (p = root; p != NULL; p = mime_part_next(p)) {
		ctx->offs[n++] = p->body_offset;
		ctx->offs[n++] = p->body_end;
	}
	qsort(ctx->offs, n, sizeof(*ctx->offs), cmp_u64);
	for (i = 0, u = 0; i < n; i++)
		if (u == 0 || ctx->offs[u - 1] != ctx->offs[i])
			ctx->offs[u++] = ctx->offs[i];
	ctx->n = u;
	ctx->bare = xcalloc(u + 1, sizeof(*ctx->bare));
	return imap_crlf_marks(ctx->fd, ctx->offs, ctx->n, ctx->bare);
}

static bool is_printable_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return false;
	return true;
}

/* An RFC 2231 extended value: utf-8'' and the bytes, %XX where needed. */
static void write_ext_value(struct buf *out, const char *v)
{
	static const char hex[] = "0123456789ABCDEF";
	struct buf tmp = BUF_INIT;

	buf_puts(&tmp, "utf-8''");
	for (; *v != '\0'; v++) {
		unsigned char c = (unsigned char)*v;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("!#$&+-.^_`|~", c)) {
			buf_putc(&tmp, (char)c);
		} else {
			buf_putc(&tmp, '%');
			buf_putc(&tmp, hex[c >> 4]);
			buf_putc(&tmp, hex[c & 15]);
		}
	}
	imap_quote_string(out, tmp.data, tmp.len);
	buf_release(&tmp);
}

static void write_param(struct buf *out, const struct mime_param *prm)
{
	struct buf name = BUF_INIT;
	const char *s;
	bool plain = is_printable_ascii(prm->raw);

	for (s = prm->name; *s != '\0'; s++)
		buf_putc(&name, *s >= 'a' && *s <= 'z' ? *s - 'a' + 'A' : *s);
	if (!plain)
		buf_putc(&name, '*');
	imap_quote_string(out, name.data, name.len);
	buf_putc(out, ' ');
	if (plain)
		write_str(out, prm->raw);
	else
		write_ext_value(out, prm->value);
	buf_release(&name);
}

static void write_params(struct buf *out, const struct mime_params *params,
			 bool default_charset)
{
	unsigned int i;

	if (params->n == 0 && !default_charset) {
		buf_puts(out, "NIL");
		return;
	}
	buf_putc(out, '(');
	for (i = 0; i < params->n; i++) {
		if (i > 0)
			buf_putc(out, ' ');
		write_param(out, &params->v[i]);
	}
	if (default_charset)
		buf_puts(out, i > 0 ? " \"CHARSET\" \"us-ascii\""
				    : "\"CHARSET\" \"us-ascii\"");
	buf_putc(out, ')');
}

static void write_disposition(struct buf *out, const struct mime_part *p)
{
	if (p->disposition == NULL) {
		buf_puts(out, "NIL");
		return;
	}
	buf_putc(out, '(');
	write_str(out, p->disposition);
	buf_putc(out, ' ');
	write_params(out, &p->disp_params, false);
	buf_putc(out, ')');
}

/* Content-Language: "en, de (comment)" gives ("en" "de"). */
static void write_language(struct buf *out, const char *lang)
{
	const char *p = lang;
	bool any = false;

	while (p != NULL && *p != '\0') {
		const char *start, *end;
		size_t len;

		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		start = p;
		while (*p != '\0' && *p != ',' && *p != ' ' && *p != '\t' &&
		       *p != '(')
			p++;
		end = p;
		len = (size_t)(end - start);
		if (len > 0) {
			buf_puts(out, any ? " " : "(");
			imap_quote_string(out, start, len);
			any = true;
		}
		/* Skip a comment and anything else up to the next tag. */
		while (*p != '\0' && *p != ',')
			p++;
	}
	buf_puts(out, any ? ")" : "NIL");
}

static void write_encoding(struct buf *out, const char *cte)
{
	size_t len = 0;

	if (cte != NULL) {
		while (*cte == ' ' || *cte == '\t')
			cte++;
		len = strcspn(cte, " \t;(\"");
	}
	if (len == 0)
		buf_puts(out, "\"7bit\"");
	else
		imap_quote_string(out, cte, len);
}

static int write_envelope(struct bs_ctx *ctx, const struct mime_part *msg)
{
	struct message_summary sum;
	uint64_t len = mime_part_header_size(msg);
	char *hdr;
	ssize_t got;

	if (len > IMAP_BODYSTRUCTURE_HEADER_MAX)
		len = IMAP_BODYSTRUCTURE_HEADER_MAX;
	hdr = xmalloc((size_t)len + 1);
	got = pread_full(ctx->fd, hdr, (size_t)len, msg->hdr_offset);
	if (got < 0) {
		free(hdr);
		return (int)got;
	}
	message_summary_parse(hdr, (size_t)got, &sum);
	imap_envelope_write(&sum, ctx->out);
	message_summary_release(&sum);
	free(hdr);
	return 0;
}

static int write_part(struct bs_ctx *ctx, const struct mime_part *p);

/* The extension data multiparts and leaves end with (RFC 3501 7.4.2):
 * disposition, language, location. */
static void write_ext_tail(struct buf *out, const struct mime_part *p)
{
	buf_putc(out, ' ');
	write_disposition(out, p);
	buf_putc(out, ' ');
	write_language(out, p->language);
	buf_putc(out, ' ');
	write_nstr(out, p->location);
}

static int write_multipart(struct bs_ctx *ctx, const struct mime_part *p)
{
	struct buf *out = ctx->out;
	const struct mime_part *c;
	int ret;

	buf_putc(out, '(');
	for (c = p->children; c != NULL; c = c->next)
		if ((ret = write_part(ctx, c)) < 0)
			return ret;
	if (p->children == NULL)
		buf_puts(out, ctx->extended
			 ? "(\"text\" \"plain\" (\"CHARSET\" \"us-ascii\") NIL "
			   "NIL \"7bit\" 0 0 NIL NIL NIL NIL)"
			 : "(\"text\" \"plain\" (\"CHARSET\" \"us-ascii\") NIL "
			   "NIL \"7bit\" 0 0)");
	buf_putc(out, ' ');
	write_str(out, p->subtype);
	if (ctx->extended) {
		buf_putc(out, ' ');
		write_params(out, &p->params, false);
		write_ext_tail(out, p);
	}
	buf_putc(out, ')');
	return 0;
}

static int write_leaf(struct bs_ctx *ctx, const struct mime_part *p)
{
	struct buf *out = ctx->out;
	bool text = strcmp(p->type, "text") == 0;
	int ret;

	buf_putc(out, '(');
	write_str(out, p->type);
	buf_putc(out, ' ');
	write_str(out, p->subtype);
	buf_putc(out, ' ');
	write_params(out, &p->params,
		     text && mime_params_find(&p->params, "charset") == NULL);
	buf_putc(out, ' ');
	write_nstr(out, p->content_id);
	buf_putc(out, ' ');
	write_nstr(out, p->description);
	buf_putc(out, ' ');
	write_encoding(out, p->cte_raw);
	buf_printf(out, " %llu", (unsigned long long)body_size(ctx, p));
	if ((p->flags & MIME_PART_HAS_MESSAGE) && p->children != NULL) {
		buf_putc(out, ' ');
		if ((ret = write_envelope(ctx, p->children)) < 0)
			return ret;
		buf_putc(out, ' ');
		if ((ret = write_part(ctx, p->children)) < 0)
			return ret;
		buf_printf(out, " %llu", (unsigned long long)p->body_lines);
	} else if (text) {
		buf_printf(out, " %llu", (unsigned long long)p->body_lines);
	}
	if (ctx->extended) {
		buf_putc(out, ' ');
		write_nstr(out, p->md5);
		write_ext_tail(out, p);
	}
	buf_putc(out, ')');
	return 0;
}

static int write_part(struct bs_ctx *ctx, const struct mime_part *p)
{
	if (p->flags & MIME_PART_MULTIPART)
		return write_multipart(ctx, p);
	return write_leaf(ctx, p);
}

int imap_bodystructure_write(const struct mime_part *root, int fd,
			     bool extended, struct buf *out)
{
	struct bs_ctx ctx = { .fd = fd, .extended = extended, .out = out };
	size_t start = out->len;
	int ret;

	ret = count_sizes(&ctx, root);
	if (ret == 0)
		ret = write_part(&ctx, root);
	if (ret < 0)
		buf_truncate(out, start);
	free(ctx.offs);
	free(ctx.bare);
	return ret;
}
