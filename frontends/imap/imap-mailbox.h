#ifndef MAILTREE_IMAP_MAILBOX_H
#define MAILTREE_IMAP_MAILBOX_H

/*
 * Mailbox names between the wire and the store.  On the wire a name is
 * modified UTF-7 (RFC 3501 5.1.3), or UTF-8 once the client enabled
 * UTF8=ACCEPT (RFC 6855); the store takes UTF-8.  Only the encoding is
 * handled here: whether a name is allowed ("..", a leading '/', the
 * hierarchy separator) is the store's check, so the bytes are handed
 * through exactly.
 */

#include <stdbool.h>
#include <stddef.h>

struct buf;

/*
 * Appends the UTF-8 form of a name taken from a command (the astring's
 * bytes).  "INBOX" in any case becomes "INBOX" (RFC 3501 5.1).  Returns
 * 0, or -EINVAL (out unchanged) for an empty name, invalid modified
 * UTF-7, invalid UTF-8, or NUL and other control characters.
 */
int imap_mailbox_decode(const char *name, size_t len, bool utf8,
			struct buf *out);

/* Appends a store name in wire form, quoted as an astring.  Returns 0 or
 * -EINVAL for a name that is not valid UTF-8.  `name` must not point
 * into `out`. */
int imap_mailbox_encode(const char *name, size_t len, bool utf8,
			struct buf *out);

#endif
