/* The bounded line reader; see linereader.h. */

#include <stdlib.h>
#include <string.h>

#include "linereader.h"
#include "util.h"

void linereader_init(struct linereader *lr, size_t max)
{
	memset(lr, 0, sizeof(*lr));
	lr->max = max;
	lr->size = max + 2;
	lr->buf = xmalloc(lr->size + 1);
}

void linereader_release(struct linereader *lr)
{
	free(lr->buf);
	memset(lr, 0, sizeof(*lr));
}

size_t linereader_feed(struct linereader *lr, const void *data, size_t len)
{
	size_t room;

	if (lr->start > 0 && lr->start == lr->end)
		lr->start = lr->end = lr->scanned = 0;
	if (lr->end == lr->size && lr->start > 0) {
		memmove(lr->buf, lr->buf + lr->start, lr->end - lr->start);
		lr->end -= lr->start;
		lr->scanned = lr->scanned > lr->start ? lr->scanned - lr->start : 0;
		lr->start = 0;
	}
	room = lr->size - lr->end;
	if (len > room)
		len = room;
	memcpy(lr->buf + lr->end, data, len);
	lr->end += len;
	return len;
}

enum lr_result linereader_next(struct linereader *lr, struct lr_line *line_r)
{
	char *lf;
	size_t avail;

	for (;;) {
		if (lr->scanned < lr->start)
			lr->scanned = lr->start;
		avail = lr->end - lr->scanned;
		lf = memchr(lr->buf + lr->scanned, '\n', avail);
		if (lf == NULL) {
			lr->scanned = lr->end;
			if (lr->skipping) {
				/* Keep a trailing CR: it may end the line. */
				lr->start = lr->end;
				return LR_NEED_MORE;
			}
			if (lr->end - lr->start > lr->max + 1 ||
			    (lr->end - lr->start == lr->max + 1 &&
			     lr->buf[lr->end - 1] != '\r')) {
				/* No line ending within the limit. */
				lr->skipping = true;
				lr->start = lr->scanned = lr->end;
				return LR_TOO_LONG;
			}
			if (lr->start > 0 && lr->end == lr->size) {
				memmove(lr->buf, lr->buf + lr->start,
					lr->end - lr->start);
				lr->end -= lr->start;
				lr->start = 0;
				lr->scanned = lr->end;
			}
			return LR_NEED_MORE;
		}
		size_t lfpos = (size_t)(lf - lr->buf);
		size_t len = lfpos - lr->start;
		unsigned int flags = 0;

		if (lr->skipping) {
			lr->skipping = false;
			lr->start = lr->scanned = lfpos + 1;
			continue;
		}
		if (len > 0 && lr->buf[lfpos - 1] == '\r')
			len--;
		else
			flags |= LR_BARE_LF;
		if (len > lr->max) {
			lr->start = lr->scanned = lfpos + 1;
			return LR_TOO_LONG;
		}
		line_r->data = lr->buf + lr->start;
		line_r->len = len;
		if (memchr(line_r->data, '\0', len) != NULL)
			flags |= LR_HAS_NUL;
		line_r->flags = flags;
		/* The line ending is overwritten: the line is NUL-terminated. */
		line_r->data[len] = '\0';
		lr->start = lr->scanned = lfpos + 1;
		return LR_LINE;
	}
}

size_t linereader_pending(const struct linereader *lr, const char **data_r)
{
	*data_r = lr->buf + lr->start;
	return lr->end - lr->start;
}

void linereader_consume(struct linereader *lr, size_t n)
{
	if (n > lr->end - lr->start)
		n = lr->end - lr->start;
	lr->start += n;
	if (lr->scanned < lr->start)
		lr->scanned = lr->start;
}

void linereader_clear(struct linereader *lr)
{
	lr->start = lr->end = lr->scanned = 0;
	lr->skipping = false;
}
