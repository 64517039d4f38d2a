#ifndef MAILTREE_MIME_H
#define MAILTREE_MIME_H

/*
 * The streaming MIME structure parser and the tree of parts it builds.
 *
 * The parser is fed a whole message in chunks of any size and builds the
 * tree of its parts with their byte offsets, header fields and line
 * counts; it never holds more of the message than the current line (up to
 * a cap) and the header field being read.  The same input gives the same
 * tree whatever the chunk sizes.
 *
 * Tree shape.  The root is the message.  A multipart part has its parts
 * as children.  A message/rfc822 (or message/global) part has exactly one
 * child: the embedded message, flagged MIME_PART_MESSAGE, whose header
 * starts where the message/rfc822 part's body starts.  Every other part
 * is a leaf.
 *
 * Offsets are byte offsets in the message.  A part's header runs from
 * hdr_offset to body_offset (the empty line ending it included); its body
 * from body_offset to body_end.  As RFC 2046 says, the line break before
 * a boundary line belongs to the boundary, not to the body.
 *
 * Lines end at LF (a CR before it is part of the line break); a bare CR
 * is an ordinary byte, as in header.h.
 *
 * Boundaries.  A line is a boundary line when it starts with "--" and a
 * boundary of an enclosing multipart whose closing line has not been
 * seen.  A line that is exactly a boundary (plus "--" and whitespace) is
 * preferred over one that merely starts with it (RFC 2046 allows both),
 * so an inner boundary that is a prefix of an outer one works.  Missing
 * boundaries, a missing closing boundary, text before the first boundary
 * (preamble) and after the last (epilogue) are all accepted; the
 * preamble and epilogue belong to the multipart's body only.
 *
 * Memory.  The parser holds one line of at most max_boundary + 80 bytes,
 * one header field of at most max_header_value bytes, and the tree.  The
 * tree keeps per part only the Content-* fields, each capped, so it grows
 * with the number of parts (capped by max_parts), never with body sizes.
 *
 * The envelope of an embedded message (for IMAP ENVELOPE inside
 * BODYSTRUCTURE) is not kept in the tree: read its header bytes, from
 * hdr_offset to body_offset, with message_summary_parse().
 *
 * Deliberate deviations, and why:
 *  - A bare CR does not end a line (see header.h).
 *  - A line longer than max_boundary + 80 bytes is never a boundary line,
 *    so the line buffer stays bounded.
 *  - When a Content-* field occurs twice, the first one counts, as for the
 *    summary fields; RFC 2045 leaves this undefined.
 *  - A message/rfc822 part encoded in base64 or quoted-printable (which
 *    RFC 2046 forbids) is kept opaque rather than decoded and parsed.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "decode.h"
#include "mime-param.h"

struct mime_limits {
	/* Deepest nesting of multiparts and embedded messages parsed;
	 * deeper ones are kept as one opaque part.  Stops stack-like
	 * growth on "nested 10,000 times" bombs; real mail rarely goes
	 * past 5, and IMAP clients choke on deep BODYSTRUCTUREs. */
	unsigned int max_depth;
	/* Most parts in one message; the rest of the message becomes the
	 * body of the part that was open.  Bounds the tree's memory
	 * (flanker's enclosed-endless.eml has about 3,000 parts). */
	unsigned int max_parts;
	/* Longest Content-* header value kept; a longer one is cut.  Long
	 * enough for RFC 2231 file names split over many lines. */
	size_t max_header_value;
	/* Longest boundary accepted; a multipart with a longer one is
	 * opaque.  RFC 2046 allows 70; some software writes thousands
	 * (mime4j's very-very-long-boundary test has about 7,000).  The
	 * line buffer is this long. */
	size_t max_boundary;
};

#define MIME_LIMITS_DEFAULT { 64, 10000, 16384, 8192 }
/* max_depth is clamped to this. */
#define MIME_DEPTH_HARD_MAX 250

enum mime_part_flags {
	/* A multipart with a usable boundary: its children are parts. */
	MIME_PART_MULTIPART = 1 << 0,
	/* A message/rfc822 part whose child is the embedded message. */
	MIME_PART_HAS_MESSAGE = 1 << 1,
	/* A message: the root, or the child of a message/rfc822 part. */
	MIME_PART_MESSAGE = 1 << 2,
	/* Structure inside was not parsed: depth limit, boundary missing
	 * or too long, or an encoded message/rfc822. */
	MIME_PART_OPAQUE = 1 << 3,
	/* The header had no empty line: a boundary or the end came first. */
	MIME_PART_NO_BODY_SEP = 1 << 4,
	/* Root only: max_parts was reached and parsing of parts stopped. */
	MIME_PART_TOO_MANY_PARTS = 1 << 5,
};

struct mime_part {
	struct mime_part *parent;
	struct mime_part *children;	/* first child */
	struct mime_part *next;		/* next sibling */
	unsigned int n_children;
	unsigned int depth;		/* 0 for the root */
	unsigned int flags;		/* enum mime_part_flags */

	/* Lowercased and never NULL; text/plain when missing or invalid,
	 * message/rfc822 inside multipart/digest. */
	char *type;
	char *subtype;
	struct mime_params params;	/* Content-Type parameters */
	char *disposition;		/* lowercased, or NULL */
	struct mime_params disp_params;
	/* File name decoded to UTF-8: Content-Disposition filename, else
	 * Content-Type name; NULL when neither is there. */
	char *filename;
	char *cte_raw;			/* Content-Transfer-Encoding as
					 * written (trimmed), or NULL */
	enum cte cte;
	/* Raw header values, NULL when absent. */
	char *content_id;
	char *description;
	char *language;
	char *md5;
	char *location;

	uint64_t hdr_offset;
	uint64_t body_offset;
	uint64_t body_end;
	uint64_t body_lines;	/* text lines; a last line without a line
				 * break counts */

	/* Private to the parser. */
	char *boundary;
	size_t boundary_len;
	bool closed;		/* the closing boundary line was seen */
	uint64_t lf_at_body;
	struct mime_part *last_child;
};

static inline uint64_t mime_part_header_size(const struct mime_part *p)
{
	return p->body_offset - p->hdr_offset;
}

static inline uint64_t mime_part_body_size(const struct mime_part *p)
{
	return p->body_end - p->body_offset;
}

/* The charset parameter (raw), or NULL. */
const char *mime_part_charset(const struct mime_part *part);

/* True for type/subtype given in lowercase, e.g. ("text", "plain");
 * subtype NULL matches any. */
bool mime_part_is(const struct mime_part *part, const char *type,
		  const char *subtype);

/* True if the part is an attachment: disposition "attachment", or a
 * file name without an "inline" disposition. */
bool mime_part_is_attachment(const struct mime_part *part);

struct mime_parser;

/* limits NULL means MIME_LIMITS_DEFAULT. */
struct mime_parser *mime_parser_new(const struct mime_limits *limits);
/* Feeds the next `len` bytes of the message. */
void mime_parser_feed(struct mime_parser *parser, const void *data,
		      size_t len);
/* Ends the input, frees the parser (sets *parser NULL) and returns the
 * tree, which the caller frees with mime_part_free(). */
struct mime_part *mime_parser_finish(struct mime_parser **parser);
/* Frees a parser without taking its tree. */
void mime_parser_free(struct mime_parser **parser);

/* Parses a message in memory. */
struct mime_part *mime_parse_buf(const void *data, size_t len,
				 const struct mime_limits *limits);
/* Parses the message in `fd` from offset 0 to its end, reading with
 * pread.  Returns 0 and the tree in *root_r, or a negative errno. */
int mime_parse_fd(int fd, const struct mime_limits *limits,
		  struct mime_part **root_r);

void mime_part_free(struct mime_part **root);

/* The next part in pre-order (the order of their headers in the
 * message), or NULL after the last. */
struct mime_part *mime_part_next(const struct mime_part *part);
unsigned int mime_part_count(const struct mime_part *root);

/*
 * IMAP section numbers (RFC 3501 section 6.4.5).  A non-multipart
 * message's body is part "1"; the children of a multipart are 1..n after
 * its own number; a message/rfc822 part N's embedded message has, if it
 * is multipart, its children as N.1, N.2 ..., otherwise N.1 is it.
 *
 * mime_part_section() appends the number of a part to `out`: "" for a
 * multipart root, and for a multipart embedded message the number of the
 * message/rfc822 part holding it (these have no number of their own).
 *
 * mime_part_find() returns the part a number names, or NULL when there is
 * none or the string is malformed.  For "N.1" of a message/rfc822 part N
 * whose message is not multipart, that is the embedded message itself;
 * its header is then the MIME header of N.1 and its body the text.
 */
void mime_part_section(const struct mime_part *part, struct buf *out);
struct mime_part *mime_part_find(const struct mime_part *root,
				 const char *section);

/* Appends a text rendering of the tree, one line per part with every
 * field, for tests and debugging. */
void mime_part_dump(const struct mime_part *root, struct buf *out);

#endif
