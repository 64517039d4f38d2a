#ifndef MAILTREE_ADDRESS_H
#define MAILTREE_ADDRESS_H

/*
 * RFC 5322 address list parsing, for IMAP ENVELOPE and for display.
 *
 * The result is a list in the order IMAP ENVELOPE wants: mailboxes, and for
 * a group a GROUP_START entry (the group name in `name`), its members and a
 * GROUP_END entry.  Comments, quoted strings, obsolete route addresses
 * ("<@relay:user@host>") and obsolete phrases with dots are understood.
 * Nothing is rejected: an address without '@' gets an empty domain and
 * `invalid` set, an unclosed quote, comment or '<' runs to the end, and
 * stray specials are skipped.
 */

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/* Most addresses kept from one header; To lines of mailing-list spam can
 * hold thousands, nobody needs more. */
#define ADDRESS_LIST_MAX 2000

enum address_kind {
	ADDRESS_MAILBOX,
	ADDRESS_GROUP_START,
	ADDRESS_GROUP_END,
};

struct address {
	struct address *next;
	enum address_kind kind;
	/* Display name (group name for GROUP_START) as written, quotes
	 * removed, encoded words left alone; NULL when there is none.  For
	 * "user@host (Real Name)" the comment serves as the name. */
	char *name;
	/* The same decoded to UTF-8 (rfc2047_decode()); NULL with `name`. */
	char *name_utf8;
	/* Obsolete source route without the colon ("@a,@b"), or NULL. */
	char *route;
	/* Local part, unquoted; NULL for group markers. */
	char *mailbox;
	/* Domain; "" when missing, NULL for group markers. */
	char *domain;
	bool invalid;	/* no '@', empty local part, or unclosed syntax */
};

/*
 * Parses `len` bytes of an address header value into a new list (NULL
 * when empty).  Returns the number of entries (group markers included).
 * Never fails; free the list with address_list_free().
 */
int address_list_parse(const char *s, size_t len, struct address **list_r);

void address_list_free(struct address **list);

/*
 * Appends a one-line UTF-8 rendering for people: "Name <user@host>",
 * "user@host", "Group: a@b, c@d;" joined with ", ".
 */
void address_list_format(const struct address *list, struct buf *out);

#endif
