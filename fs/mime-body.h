#ifndef MAILTREE_MIME_BODY_H
#define MAILTREE_MIME_BODY_H

/*
 * Reading the content of MIME parts: decoded from their
 * Content-Transfer-Encoding and, for text, converted to UTF-8; and
 * choosing and rendering "the readable body" of a message, as the FUSE
 * view's body.txt shows it.
 */

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "mime.h"

/* Called with successive pieces of content.  Return 0 to go on, 1 to stop
 * quietly (mime_body_stream() then returns 0), or a negative errno to
 * abort (mime_body_stream() returns it). */
typedef int mime_body_cb(void *ctx, const char *data, size_t len);

enum mime_body_flags {
	/* Convert the text parts from their charset to UTF-8 (parts without
	 * a charset are read as UTF-8 if valid, else windows-1252). */
	MIME_BODY_UTF8 = 1 << 0,
};

/*
 * Streams the body of `part` of the message in `fd` (read with pread;
 * offsets from the tree mime_parse_fd() built) to `cb`.  Leaf parts are
 * CTE-decoded; a multipart or message/rfc822 body is passed on raw.
 * Returns 0, a negative errno from reading, or the callback's.
 */
int mime_body_stream(int fd, const struct mime_part *part, unsigned int flags,
		     mime_body_cb *cb, void *ctx);

/*
 * The part to show as a message's text: the first text/plain part that is
 * not an attachment, else the first such text/html part, else NULL.
 * Attachments, including attached messages, are not looked into.
 */
const struct mime_part *mime_body_find_readable(const struct mime_part *root);

/*
 * Appends the readable body as UTF-8 text to `out`, at most `max` bytes
 * (cut at a character boundary); HTML is reduced to text
 * (html-text.h).  Nothing is appended when there is no readable part.
 * Returns 0 or a negative errno from reading.
 */
int mime_body_readable(int fd, const struct mime_part *root, size_t max,
		       struct buf *out);

/*
 * The same text as mime_body_readable(), whole, streamed to `cb` in
 * pieces, so a caller can count or copy it without holding it.  Returns
 * what mime_body_stream() returns.
 */
int mime_body_readable_stream(int fd, const struct mime_part *root,
			      mime_body_cb *cb, void *ctx);

#endif
