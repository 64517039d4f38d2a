#ifndef MAILTREE_HEADER_H
#define MAILTREE_HEADER_H

/*
 * A streaming parser for an RFC 5322 header block.
 *
 * The parser is fed the message in chunks of any size (down to one byte).
 * It reports every field through a callback once the field is complete,
 * that is when the first byte of the next line shows it is not a
 * continuation.  It stops at the empty line that ends the header, or at
 * end of input when there is none.
 *
 * Lines end at LF; a CR right before the LF belongs to the line ending.
 * A CR elsewhere is an ordinary byte (bare CR is not a line ending: no
 * message in the wild relies on old Mac line endings, and treating it as
 * one would make byte offsets disagree with other software).
 *
 * Values are unfolded the RFC 5322 way (the line breaks are removed, the
 * whitespace that starts a continuation line is kept) and have leading
 * and trailing whitespace removed.  They are raw bytes: 8-bit bytes and
 * NULs are passed on as they are; see rfc2047.h for decoding to UTF-8.
 * A value longer than the cap is cut at the cap and flagged `truncated`,
 * so memory stays bounded whatever the input.
 *
 * A line that is not a field (no colon, or a name holding whitespace or
 * control bytes, such as an mbox "From " line) is skipped together with its
 * continuation lines; `garbage_lines` counts them.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* Longest field name kept; a longer "name" is treated as a garbage line. */
#define HEADER_NAME_MAX 256
/* Default cap on one field's unfolded value. */
#define HEADER_VALUE_MAX_DEFAULT (64 * 1024)

struct header_field {
	const char *name;	/* NUL-terminated, as written (case kept) */
	size_t name_len;
	const char *value;	/* NUL-terminated, may also contain NULs */
	size_t value_len;
	bool truncated;		/* the value was longer than the cap */
	uint64_t offset;	/* where the field starts in the header block */
};

/* Called for each field; the pointers are valid during the call only.
 * Returning a negative errno stops the parser, which returns it. */
typedef int header_field_cb(void *ctx, const struct header_field *field);

struct header_parser {
	/* All private. */
	header_field_cb *cb;
	void *ctx;
	size_t max_value;
	struct buf name;
	struct buf value;
	uint64_t offset;	/* bytes consumed so far */
	uint64_t field_offset;
	unsigned int state;
	unsigned int garbage_lines;
	bool truncated;
	bool cr_pending;
	bool done;
};

/* max_value 0 means HEADER_VALUE_MAX_DEFAULT. */
void header_parser_init(struct header_parser *hp, size_t max_value,
			header_field_cb *cb, void *ctx);
/* Forgets everything fed so far; the parser can start a new header. */
void header_parser_reset(struct header_parser *hp);
void header_parser_release(struct header_parser *hp);

/*
 * Feeds `len` bytes.  Returns 0 when all of them were consumed and more are
 * wanted, 1 when the header ended inside this chunk (*used_r says how many
 * bytes of it belong to the header, the ending empty line included), or the
 * negative errno a callback returned.  Feeding a finished parser returns 1
 * with *used_r 0.
 */
int header_parser_feed(struct header_parser *hp, const void *data,
		       size_t len, size_t *used_r);

/* Ends the input: reports the field still pending, if any.  Returns 0 or
 * the negative errno of a callback. */
int header_parser_finish(struct header_parser *hp);

/* Bytes that belong to the header so far (its size once it has ended). */
static inline uint64_t header_parser_size(const struct header_parser *hp)
{
	return hp->offset;
}

/* True once the empty line ending the header was seen. */
static inline bool header_parser_done(const struct header_parser *hp)
{
	return hp->done;
}

static inline unsigned int
header_parser_garbage_lines(const struct header_parser *hp)
{
	return hp->garbage_lines;
}

/*
 * Parses the header at the start of a memory buffer in one call.  Stores
 * the header size (ending empty line included; all of `len` when there is
 * no empty line) in *size_r.  Returns 0 or a callback's negative errno.
 */
int header_parse(const void *data, size_t len, size_t max_value,
		 header_field_cb *cb, void *ctx, size_t *size_r);

/*
 * Finding where the header ends without parsing its fields: for a reader
 * that only needs the size (a FETCH of header fields, which filters the
 * raw lines itself).  The same rule as the parser: the header ends after
 * the first empty line ("\n" or "\r\n"), or at the end of the input.
 */
struct header_end {
	uint64_t offset;	/* bytes of header seen so far */
	unsigned int state;	/* private */
	bool done;		/* the empty line was seen */
};

void header_end_init(struct header_end *he);
/* Feeds len bytes; returns how many belong to the header (all of them
 * unless it ended inside this chunk, which sets he->done). */
size_t header_end_feed(struct header_end *he, const void *data, size_t len);
/* The header size of the message at offset in fd, read in chunks of
 * chunk bytes (into buf, which must hold that many).  0 or -errno. */
int header_end_fd(int fd, uint64_t offset, void *buf, size_t chunk,
		  uint64_t *size_r);

/* Case-insensitive comparison of a field name with `name`. */
bool header_field_is(const struct header_field *field, const char *name);

#endif
