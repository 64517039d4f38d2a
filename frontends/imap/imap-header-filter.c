/* HEADER.FIELDS and HEADER.FIELDS.NOT; see imap-header-filter.h. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "imap-crlf.h"
#include "imap-header-filter.h"
#include "util.h"

enum hf_state {
	HF_LINE_START,	/* at the first byte of a line */
	HF_NAME,	/* reading a field name, not yet decided */
	HF_COPY,	/* in a kept field */
	HF_SKIP,	/* in a dropped field */
	HF_DONE,	/* the empty line was seen, or the result is full */
};

struct hf {
	char *const *names;
	size_t count;
	bool exclude;
	struct buf *out;
	size_t base;		/* out->len at the start */
	size_t field_start;	/* out->len where the current field began */
	enum hf_state state;
	bool keep;		/* the current field is kept */
	bool in_field;		/* a field was started: continuations
				 * belong to it */
	bool prev_cr;
	struct buf name;	/* the current line while in HF_NAME */
};

/* Appends one byte of a kept field, converting its line ending. */
static void emit(struct hf *h, char c)
{
	if (c == '\n') {
		if (!h->prev_cr)
			buf_putc(h->out, '\r');
		buf_putc(h->out, '\n');
	} else {
		buf_putc(h->out, c == '\0' ? (char)0x80 : c);
	}
	h->prev_cr = c == '\r';
	if (h->out->len - h->base > IMAP_HEADER_FILTER_MAX) {
		/* Full: drop this field and stop. */
		buf_truncate(h->out, h->field_start);
		h->state = HF_DONE;
	}
}

static void emit_name(struct hf *h)
{
	size_t i;

	for (i = 0; i < h->name.len && h->state != HF_DONE; i++)
		emit(h, h->name.data[i]);
}

static bool listed(const struct hf *h, const char *name, size_t len)
{
	size_t i;

	while (len > 0 && (name[len - 1] == ' ' || name[len - 1] == '\t'))
		len--;
	for (i = 0; i < h->count; i++)
		if (strlen(h->names[i]) == len &&
		    strncasecmp(h->names[i], name, len) == 0)
			return true;
	return false;
}

/* The name is known (or cannot match): keep or drop the field. */
static void decide(struct hf *h, bool matches)
{
	h->keep = matches != h->exclude;
	h->state = h->keep ? HF_COPY : HF_SKIP;
	if (h->keep)
		emit_name(h);
}

static void feed_byte(struct hf *h, char c)
{
	switch (h->state) {
	case HF_LINE_START:
		if ((c == ' ' || c == '\t') && h->in_field) {
			h->state = h->keep ? HF_COPY : HF_SKIP;
			if (h->keep)
				emit(h, c);
			return;
		}
		h->field_start = h->out->len;
		h->in_field = false;
		buf_reset(&h->name);
		h->state = HF_NAME;
		/* fall through */
	case HF_NAME:
		if (c == '\n') {
			if (h->name.len == 0 ||
			    (h->name.len == 1 && h->name.data[0] == '\r')) {
				h->state = HF_DONE;	/* the empty line */
				return;
			}
			/* A line without a colon: not a listed field. */
			h->in_field = true;
			decide(h, false);
			if (h->state == HF_COPY)
				emit(h, c);
			if (h->state != HF_DONE)
				h->state = HF_LINE_START;
			return;
		}
		if (c == ':') {
			h->in_field = true;
			decide(h, listed(h, h->name.data, h->name.len));
			if (h->state == HF_COPY)
				emit(h, c);
			return;
		}
		buf_putc(&h->name, c);
		if (h->name.len > IMAP_HEADER_FILTER_NAME_MAX) {
			h->in_field = true;
			decide(h, false);
		}
		return;
	case HF_COPY:
		emit(h, c);
		if (c == '\n' && h->state == HF_COPY)
			h->state = HF_LINE_START;
		return;
	case HF_SKIP:
		if (c == '\n')
			h->state = HF_LINE_START;
		return;
	case HF_DONE:
		return;
	}
}

/* The range ended without an empty line: close an open kept line. */
static void finish(struct hf *h)
{
	if (h->state == HF_NAME && h->name.len > 0) {
		decide(h, false);
		if (h->state == HF_COPY)
			emit(h, '\n');
	} else if (h->state == HF_COPY) {
		emit(h, '\n');
	}
	buf_append(h->out, "\r\n", 2);
}

static void hf_init(struct hf *h, char *const *names, size_t count,
		    bool exclude, struct buf *out)
{
	memset(h, 0, sizeof(*h));
	h->names = names;
	h->count = count;
	h->exclude = exclude;
	h->out = out;
	h->base = h->field_start = out->len;
	h->state = HF_LINE_START;
	buf_init(&h->name);
}

static void hf_feed(struct hf *h, const char *data, size_t len)
{
	size_t i;

	for (i = 0; i < len && h->state != HF_DONE; i++)
		feed_byte(h, data[i]);
}

int imap_header_filter(int fd, uint64_t off, uint64_t end,
		       char *const *names, size_t count, bool exclude,
		       struct buf *out)
{
	struct hf h;
	char *chunk = xmalloc(IMAP_CRLF_CHUNK);
	int ret = 0;

	hf_init(&h, names, count, exclude, out);
	while (off < end && h.state != HF_DONE) {
		uint64_t want = end - off;
		ssize_t got;

		if (want > IMAP_CRLF_CHUNK)
			want = IMAP_CRLF_CHUNK;
		got = pread_full(fd, chunk, (size_t)want, off);
		if (got <= 0) {
			ret = got < 0 ? (int)got : -EIO;
			break;
		}
		hf_feed(&h, chunk, (size_t)got);
		off += (uint64_t)got;
	}
	if (ret == 0)
		finish(&h);
	else
		buf_truncate(out, h.base);
	buf_release(&h.name);
	free(chunk);
	return ret;
}

void imap_header_filter_mem(const char *data, size_t len,
			    char *const *names, size_t count, bool exclude,
			    struct buf *out)
{
	struct hf h;

	hf_init(&h, names, count, exclude, out);
	hf_feed(&h, data, len);
	finish(&h);
	buf_release(&h.name);
}
