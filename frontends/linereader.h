#ifndef MAILTREE_LINEREADER_H
#define MAILTREE_LINEREADER_H

/*
 * The one bounded line reader every protocol uses.  Its buffer holds at
 * most `max` bytes of a line (without the line ending); that is the line
 * limit.  Lines end in CRLF or a bare LF; both are accepted and reported.
 *
 *   linereader_feed()   copies in as much input as fits
 *   linereader_next()   returns the next complete line, LR_NEED_MORE, or
 *                       LR_TOO_LONG (once per over-long line; the rest of
 *                       that line, up to its LF, is then skipped)
 *
 * Memory stays at max + 2 bytes whatever the input.
 */

#include <stdbool.h>
#include <stddef.h>

enum lr_result {
	LR_NEED_MORE = 0,
	LR_LINE = 1,
	LR_TOO_LONG = 2,
};

/* Flags of a returned line. */
#define LR_HAS_NUL	0x1	/* the line contains NUL bytes */
#define LR_BARE_LF	0x2	/* it ended in LF without CR */

struct lr_line {
	char *data;		/* NUL-terminated, without the line ending;
				 * valid until the next feed or next call */
	size_t len;
	unsigned int flags;
};

struct linereader {
	char *buf;
	size_t max;		/* longest line, without its ending */
	size_t size;		/* max + 2: room for CR LF */
	size_t start, end;	/* unread bytes are buf[start..end) */
	size_t scanned;		/* of those, searched for LF already */
	bool skipping;		/* dropping the rest of an over-long line */
};

void linereader_init(struct linereader *lr, size_t max);
void linereader_release(struct linereader *lr);
/* Copies up to len bytes; returns how many were taken (0 when the buffer
 * is full: call linereader_next() first). */
size_t linereader_feed(struct linereader *lr, const void *data, size_t len);
enum lr_result linereader_next(struct linereader *lr, struct lr_line *line_r);
/* The bytes read but not yet returned as a line, for a protocol that
 * switches to a raw byte stream (DATA).  Valid until the next call. */
size_t linereader_pending(const struct linereader *lr, const char **data_r);
/* Drops n pending bytes (after the raw consumer used them). */
void linereader_consume(struct linereader *lr, size_t n);
/* Drops everything buffered (STARTTLS must not keep plaintext input). */
void linereader_clear(struct linereader *lr);

#endif
