#ifndef MAILTREE_IMAP_ENVELOPE_H
#define MAILTREE_IMAP_ENVELOPE_H

/*
 * The ENVELOPE of FETCH (RFC 3501 sections 7.4.2 and 9, with its errata):
 *
 *   (date subject from sender reply-to to cc bcc in-reply-to message-id)
 *
 * The parentheses are written too.  Date, subject, in-reply-to and
 * message-id are the raw unfolded header values (encoded words are not
 * decoded; RFC 3501 sends them as they are), NIL when the field is absent.
 * Address fields are lists of (name route mailbox host): name raw with
 * its quotes removed or NIL, route always NIL, host "" when the address
 * has no domain.  A group is (NIL NIL "name" NIL), its members, then
 * (NIL NIL NIL NIL).  An absent field, or one without any address, is
 * NIL, except that sender and reply-to then take the value of from, as
 * the RFC requires.  Strings go out quoted, or as literals when they hold
 * 8-bit or control bytes (imap-quote.h).
 */

#include <stddef.h>

struct buf;
struct message_summary;

/* Appends the envelope of a message whose header `sum` summarises. */
void imap_envelope_write(const struct message_summary *sum, struct buf *out);

/*
 * The same from the header fields the index caches for a message
 * (struct message .headers, "Name: raw unfolded value\n" lines, see
 * index.h), so ENVELOPE needs no access to the message file.  Values the
 * index cut at INDEX_MAX_HEADER_VALUE bytes are rendered cut.
 */
void imap_envelope_write_cached(const char *headers, size_t len,
				struct buf *out);

#endif
