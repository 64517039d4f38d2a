#ifndef MAILTREE_IMAP_BODYSTRUCTURE_H
#define MAILTREE_IMAP_BODYSTRUCTURE_H

/*
 * FETCH BODY and BODYSTRUCTURE (RFC 3501 sections 7.4.2 and 9) of a MIME
 * tree that mime.h built, written the way Dovecot writes them so clients
 * see what they are used to:
 *
 *  - a leaf: ("type" "subtype" params id description encoding size
 *    [lines]) where text parts carry their body's line count, and
 *    message/rfc822 parts carry the ENVELOPE of the embedded message, its
 *    body structure and the line count instead;
 *  - a multipart: (child child ... "subtype");
 *  - BODYSTRUCTURE adds the extension data: for a leaf md5, disposition,
 *    language and location; for a multipart params, disposition,
 *    language and location.
 *
 * Sizes are octets of the body with CRLF line endings (imap-crlf.h),
 * counted by reading the message once through `fd` in chunks; line counts
 * come from the tree.  Parameter lists are ("NAME" "value" ...) or NIL,
 * names in uppercase; a text part without a charset is given
 * ("CHARSET" "us-ascii"), the RFC 2045 default.  A value that is not printable ASCII
 * (RFC 2231 values decoded to 8-bit) is sent as NAME* "utf-8''%XX..." so
 * it reaches the client exact and in a known charset.  The encoding is
 * the first word of Content-Transfer-Encoding as written, "7bit" when
 * there is none.  A multipart with a boundary but no parts is written as
 * an empty text/plain part, as Dovecot does.  Language is a list of the
 * comma-separated tags.  Other strings are raw header values.
 *
 * The output includes the outer parentheses.
 */

#include <stdbool.h>

struct buf;
struct mime_part;

/* Most header bytes read to build the envelope of an embedded message;
 * the fields of ENVELOPE sit at the top of any real header. */
#define IMAP_BODYSTRUCTURE_HEADER_MAX (256 * 1024)

/*
 * Appends BODY (extended false) or BODYSTRUCTURE (extended true) of the
 * message whose tree is `root` and whose bytes are in `fd`.  Returns 0,
 * or a negative errno from reading (-EIO when the file is shorter than
 * the tree says); on error `out` is left as it was.
 */
int imap_bodystructure_write(const struct mime_part *root, int fd,
			     bool extended, struct buf *out);

#endif
