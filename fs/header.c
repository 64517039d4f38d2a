/* Streaming RFC 5322 header block parser; see header.h. */

#include <string.h>
#include <strings.h>

#include "header.h"
#include "util.h"

enum {
	ST_LINE_START,		/* at the first byte of a line */
	ST_CR_LINE_START,	/* a line started with CR; blank if LF follows */
	ST_NAME,		/* inside a field name, before the colon */
	ST_VALUE,		/* inside a field value */
	ST_GARBAGE,		/* skipping a line that is not a field */
	ST_DONE,
};

void header_parser_init(struct header_parser *hp, size_t max_value,
			header_field_cb *cb, void *ctx)
{
	memset(hp, 0, sizeof(*hp));
	buf_init(&hp->name);
	buf_init(&hp->value);
	hp->cb = cb;
	hp->ctx = ctx;
	hp->max_value = max_value ? max_value : HEADER_VALUE_MAX_DEFAULT;
	hp->state = ST_LINE_START;
}

void header_parser_reset(struct header_parser *hp)
{
	buf_reset(&hp->name);
	buf_reset(&hp->value);
	hp->offset = 0;
	hp->field_offset = 0;
	hp->state = ST_LINE_START;
	hp->garbage_lines = 0;
	hp->truncated = false;
	hp->cr_pending = false;
	hp->done = false;
}

void header_parser_release(struct header_parser *hp)
{
	buf_release(&hp->name);
	buf_release(&hp->value);
}

static bool is_wsp(unsigned char c)
{
	return c == ' ' || c == '\t';
}

/* A field is pending while its name is set: between the colon and the
 * first byte of a line that does not continue it. */
static int emit_pending(struct header_parser *hp)
{
	struct header_field f;
	int ret;

	if (hp->name.len == 0)
		return 0;
	while (hp->value.len > 0 &&
	       (is_wsp(hp->value.data[hp->value.len - 1]) ||
		hp->value.data[hp->value.len - 1] == '\r'))
		hp->value.len--;
	hp->value.data[hp->value.len] = '\0';
	f.name = hp->name.data;
	f.name_len = hp->name.len;
	f.value = hp->value.data;
	f.value_len = hp->value.len;
	f.truncated = hp->truncated;
	f.offset = hp->field_offset;
	ret = hp->cb != NULL ? hp->cb(hp->ctx, &f) : 0;
	buf_reset(&hp->name);
	buf_reset(&hp->value);
	hp->truncated = false;
	return ret < 0 ? ret : 0;
}

static void value_append(struct header_parser *hp, const char *p, size_t n)
{
	/* Whitespace before the first visible byte is not part of a value,
	 * also when the value only starts on a continuation line. */
	while (hp->value.len == 0 && n > 0 && is_wsp((unsigned char)*p)) {
		p++;
		n--;
	}
	if (n > hp->max_value - hp->value.len) {
		n = hp->max_value - hp->value.len;
		hp->truncated = true;
	}
	buf_append(&hp->value, p, n);
}

/* The name collected before a colon is a field name if it is printable
 * ASCII without spaces; whitespace before the colon is obsolete syntax
 * (RFC 5322 section 4.5) and dropped. */
static bool name_finish(struct buf *name)
{
	size_t i;

	while (name->len > 0 && is_wsp(name->data[name->len - 1]))
		name->len--;
	name->data[name->len] = '\0';
	if (name->len == 0 || name->len > HEADER_NAME_MAX)
		return false;
	for (i = 0; i < name->len; i++) {
		unsigned char c = name->data[i];

		if (c <= ' ' || c >= 0x7f)
			return false;
	}
	return true;
}

static void start_garbage(struct header_parser *hp)
{
	buf_reset(&hp->name);
	hp->garbage_lines++;
	hp->state = ST_GARBAGE;
}

int header_parser_feed(struct header_parser *hp, const void *data,
		       size_t len, size_t *used_r)
{
	const char *p = data;
	size_t i = 0;
	int ret;

	while (i < len) {
		unsigned char c = p[i];

		switch (hp->state) {
		case ST_DONE:
			*used_r = i;
			return 1;
		case ST_LINE_START:
			if (c == '\n')
				goto blank_line;
			if (c == '\r') {
				hp->state = ST_CR_LINE_START;
				break;
			}
			if (is_wsp(c)) {
				/* A continuation of the pending field, or of a
				 * skipped line (name empty). */
				hp->state = hp->name.len > 0 ? ST_VALUE
							     : ST_GARBAGE;
				if (hp->state == ST_GARBAGE &&
				    hp->offset == 0)
					hp->garbage_lines++;
				continue;
			}
			if ((ret = emit_pending(hp)) < 0)
				return ret;
			hp->field_offset = hp->offset;
			hp->state = ST_NAME;
			continue;
		case ST_CR_LINE_START:
			if (c == '\n')
				goto blank_line;
			if (c == '\r')
				break;
			/* CR followed by text: not a field line. */
			if ((ret = emit_pending(hp)) < 0)
				return ret;
			start_garbage(hp);
			continue;
		case ST_NAME:
			if (c == ':') {
				if (name_finish(&hp->name)) {
					hp->state = ST_VALUE;
					buf_reset(&hp->value);
					hp->cr_pending = false;
				} else {
					start_garbage(hp);
				}
			} else if (c == '\n') {
				start_garbage(hp);
				hp->state = ST_LINE_START;
			} else if (hp->name.len <= HEADER_NAME_MAX) {
				buf_putc(&hp->name, c);
			}
			break;
		case ST_VALUE: {
			size_t j = i;

			if (c == '\n') {
				hp->cr_pending = false;
				hp->state = ST_LINE_START;
				break;
			}
			if (hp->cr_pending) {
				value_append(hp, "\r", 1);
				hp->cr_pending = false;
			}
			if (c == '\r') {
				hp->cr_pending = true;
				break;
			}
			/* Copy the run of ordinary bytes at once. */
			while (j < len && p[j] != '\n' && p[j] != '\r')
				j++;
			value_append(hp, p + i, j - i);
			hp->offset += j - i;
			i = j;
			continue;
		}
		case ST_GARBAGE:
			if (c == '\n')
				hp->state = ST_LINE_START;
			break;
		}
		hp->offset++;
		i++;
		continue;
blank_line:
		hp->offset++;
		i++;
		if ((ret = emit_pending(hp)) < 0)
			return ret;
		hp->state = ST_DONE;
		hp->done = true;
		*used_r = i;
		return 1;
	}
	*used_r = len;
	if (hp->state == ST_DONE)
		return 1;
	return 0;
}

int header_parser_finish(struct header_parser *hp)
{
	if (hp->state == ST_DONE)
		return 0;
	if (hp->state == ST_NAME && hp->name.len > 0) {
		/* A last line without colon or newline. */
		buf_reset(&hp->name);
		hp->garbage_lines++;
	}
	hp->state = ST_DONE;
	return emit_pending(hp);
}

int header_parse(const void *data, size_t len, size_t max_value,
		 header_field_cb *cb, void *ctx, size_t *size_r)
{
	struct header_parser hp;
	size_t used = 0;
	int ret;

	header_parser_init(&hp, max_value, cb, ctx);
	ret = header_parser_feed(&hp, data, len, &used);
	if (ret == 0)
		ret = header_parser_finish(&hp);
	if (size_r != NULL)
		*size_r = (size_t)header_parser_size(&hp);
	header_parser_release(&hp);
	return ret < 0 ? ret : 0;
}

enum { END_LINE_START, END_LINE_CR, END_IN_LINE };

void header_end_init(struct header_end *he)
{
	memset(he, 0, sizeof(*he));
	he->state = END_LINE_START;
}

size_t header_end_feed(struct header_end *he, const void *data, size_t len)
{
	const char *start = data, *p = start, *end = p + len, *nl;

	while (p < end && !he->done) {
		switch (he->state) {
		case END_LINE_START:
		case END_LINE_CR:
			if (*p == '\n') {
				he->done = true;	/* an empty line */
			} else if (*p == '\r' &&
				   he->state == END_LINE_START) {
				he->state = END_LINE_CR;
			} else {
				he->state = END_IN_LINE;
			}
			p++;
			break;
		default:
			nl = memchr(p, '\n', (size_t)(end - p));
			if (nl == NULL) {
				p = end;
			} else {
				p = nl + 1;
				he->state = END_LINE_START;
			}
			break;
		}
	}
	he->offset += (uint64_t)(p - start);
	return (size_t)(p - start);
}

int header_end_fd(int fd, uint64_t offset, void *buf, size_t chunk,
		  uint64_t *size_r)
{
	struct header_end he;
	ssize_t n;

	header_end_init(&he);
	while (!he.done) {
		n = pread_full(fd, buf, chunk, offset + he.offset);
		if (n < 0)
			return (int)n;
		if (n == 0)
			break;
		header_end_feed(&he, buf, (size_t)n);
	}
	*size_r = he.offset;
	return 0;
}

bool header_field_is(const struct header_field *field, const char *name)
{
	return strcasecmp(field->name, name) == 0;
}
