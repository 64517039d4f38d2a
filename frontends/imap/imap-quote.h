#ifndef MAILTREE_IMAP_QUOTE_H
#define MAILTREE_IMAP_QUOTE_H

/*
 * Writing strings into IMAP responses.  Each function picks the simplest
 * form that carries the bytes exactly: an atom where the grammar allows
 * one, else a quoted string, else a literal ("{N}" CRLF and the bytes) for
 * CR, LF, NUL, other control bytes (some clients mangle them quoted) and
 * 8-bit bytes, unless IMAP_QUOTE_UTF8 allows valid UTF-8 in quoted
 * strings (RFC 6855, after ENABLE UTF8=ACCEPT).  NUL cannot be sent in a
 * literal either; the caller must not pass it (FETCH BINARY uses ~{N}
 * itself).
 */

#include <stddef.h>

struct buf;

#define IMAP_QUOTE_ATOM	0x1	/* an atom is allowed (astring) */
#define IMAP_QUOTE_UTF8	0x2	/* UTF-8 may go in quoted strings */

void imap_quote(struct buf *out, const char *s, size_t len,
		unsigned int flags);
/* string: quoted or literal, never an atom. */
void imap_quote_string(struct buf *out, const char *s, size_t len);
/* astring: an atom when it is one (and not "NIL"), else as a string. */
void imap_quote_astring(struct buf *out, const char *s, size_t len);
/* nstring: NIL for s == NULL, else a string. */
void imap_quote_nstring(struct buf *out, const char *s, size_t len);

#endif
