/* Decoded part content and the readable body; see mime-body.h. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "charset.h"
#include "decode.h"
#include "html-text.h"
#include "mime-body.h"
#include "util.h"

/* Bytes read from the file at a time. */
#define BODY_READ_SIZE 65536

int mime_body_stream(int fd, const struct mime_part *part, unsigned int flags,
		     mime_body_cb *cb, void *ctx)
{
	struct buf raw = BUF_INIT, dec = BUF_INIT, conv = BUF_INIT;
	struct charset_conv *cc = NULL;
	struct cte_decoder d;
	uint64_t off = part->body_offset;
	bool leaf = part->children == NULL &&
		    strcmp(part->type, "multipart") != 0;
	int ret = 0;

	decode_cte_init(&d, leaf ? part->cte : CTE_BINARY);
	if (leaf && (flags & MIME_BODY_UTF8) && strcmp(part->type, "text") == 0)
		cc = charset_conv_new(mime_part_charset(part));
	buf_grow(&raw, BODY_READ_SIZE);
	for (;;) {
		size_t want = part->body_end - off > BODY_READ_SIZE ?
			BODY_READ_SIZE : (size_t)(part->body_end - off);
		ssize_t n = 0;
		bool last;

		if (want > 0) {
			n = pread(fd, raw.data, want, (off_t)off);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				ret = -errno;
				break;
			}
		}
		/* A file shorter than the tree says ends the body too. */
		last = n == 0 || (uint64_t)n == part->body_end - off;
		off += (uint64_t)n;
		buf_reset(&dec);
		decode_cte_feed(&d, raw.data, (size_t)n, &dec);
		if (last)
			decode_cte_finish(&d, &dec);
		if (cc != NULL) {
			buf_reset(&conv);
			charset_conv_feed(cc, dec.data, dec.len, &conv);
			if (last)
				charset_conv_finish(cc, &conv);
		}
		if (cc != NULL ? conv.len > 0 : dec.len > 0) {
			ret = cc != NULL ? cb(ctx, conv.data, conv.len)
					 : cb(ctx, dec.data, dec.len);
			if (ret != 0)
				break;
		}
		if (last)
			break;
	}
	charset_conv_free(&cc);
	buf_release(&raw);
	buf_release(&dec);
	buf_release(&conv);
	return ret < 0 ? ret : 0;
}

const struct mime_part *mime_body_find_readable(const struct mime_part *root)
{
	const struct mime_part *p = root, *html = NULL;

	while (p != NULL) {
		if (p != root && mime_part_is_attachment(p)) {
			/* Skip the attachment and everything inside it. */
			while (p != root && p->next == NULL)
				p = p->parent;
			p = p == root ? NULL : p->next;
			continue;
		}
		if (p->children == NULL && mime_part_is(p, "text", "plain"))
			return p;
		if (p->children == NULL && html == NULL &&
		    mime_part_is(p, "text", "html"))
			html = p;
		p = mime_part_next(p);
	}
	return html;
}

struct readable {
	struct buf *out;
	size_t start;
	size_t max;
	bool html;
	struct html_text ht;
};

/* Cuts `out` back to at most max bytes after `start`, at a character
 * boundary; returns true when it was full. */
static bool cap_output(struct readable *r)
{
	size_t limit = r->start + r->max;

	if (r->out->len <= limit)
		return false;
	while (limit > r->start &&
	       ((unsigned char)r->out->data[limit] & 0xc0) == 0x80)
		limit--;
	buf_truncate(r->out, limit);
	return true;
}

static int readable_cb(void *ctx, const char *data, size_t len)
{
	struct readable *r = ctx;

	if (r->html)
		html_text_feed(&r->ht, data, len, r->out);
	else
		buf_append(r->out, data, len);
	return cap_output(r) ? 1 : 0;
}

int mime_body_readable(int fd, const struct mime_part *root, size_t max,
		       struct buf *out)
{
	const struct mime_part *p = mime_body_find_readable(root);
	struct readable r;
	int ret;

	if (p == NULL)
		return 0;
	r.out = out;
	r.start = out->len;
	r.max = max;
	r.html = mime_part_is(p, "text", "html");
	html_text_init(&r.ht);
	ret = mime_body_stream(fd, p, MIME_BODY_UTF8, readable_cb, &r);
	if (ret == 0 && r.html) {
		html_text_finish(&r.ht, out);
		cap_output(&r);
	}
	return ret;
}

struct readable_stream {
	mime_body_cb *cb;
	void *ctx;
	bool html;
	bool stopped;	/* the callback said stop */
	struct html_text ht;
	struct buf text;
};

static int readable_stream_cb(void *ctx, const char *data, size_t len)
{
	struct readable_stream *r = ctx;

	int ret = 0;

	if (!r->html) {
		ret = r->cb(r->ctx, data, len);
	} else {
		buf_reset(&r->text);
		html_text_feed(&r->ht, data, len, &r->text);
		if (r->text.len > 0)
			ret = r->cb(r->ctx, r->text.data, r->text.len);
	}
	r->stopped = ret != 0;
	return ret;
}

int mime_body_readable_stream(int fd, const struct mime_part *root,
			      mime_body_cb *cb, void *ctx)
{
	const struct mime_part *p = mime_body_find_readable(root);
	struct readable_stream r;
	int ret;

	if (p == NULL)
		return 0;
	r.cb = cb;
	r.ctx = ctx;
	r.html = mime_part_is(p, "text", "html");
	r.stopped = false;
	html_text_init(&r.ht);
	buf_init(&r.text);
	ret = mime_body_stream(fd, p, MIME_BODY_UTF8, readable_stream_cb, &r);
	if (ret == 0 && r.html && !r.stopped) {
		buf_reset(&r.text);
		html_text_finish(&r.ht, &r.text);
		if (r.text.len > 0)
			ret = cb(ctx, r.text.data, r.text.len);
	}
	buf_release(&r.text);
	return ret < 0 ? ret : 0;
}
