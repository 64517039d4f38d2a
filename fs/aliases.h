#ifndef MAILTREE_ALIASES_H
#define MAILTREE_ALIASES_H

/*
 * The store's aliases: other addresses of its users, in the file
 * "aliases" at the store root.  One alias a line:
 *
 *   # comment
 *   postmaster: alice
 *   sales@example.org: bob
 *
 * The left side is a local part (matching it at any domain) or a whole
 * address (matching only that); both are compared case-insensitively.
 * The right side is one store user.  Spreading an address over several
 * users is the MTA's job (Postfix virtual_alias_maps): mailtree keeps
 * one mailbox per address, so an LMTP recipient gets exactly one reply.
 */

struct buf;

#define ALIASES_NAME "aliases"
/* An aliases file bigger than this is refused (a mistake, not a list). */
#define ALIASES_MAX_SIZE (4 << 20)

/* Looks up an address (local@domain or a bare local part).  A whole-
 * address entry wins over a local-part one.  Returns 1 and the user in
 * *user_r, 0 when there is no alias, or a negative errno (-EINVAL with
 * the line number in *line_r for a malformed file). */
int aliases_lookup(const char *store_root, const char *address,
		   struct buf *user_r, unsigned int *line_r);

/* The same on the file's contents (for tests and the fuzz target). */
#include <stddef.h>
int aliases_lookup_data(const char *data, size_t len, const char *address,
			struct buf *user_r, unsigned int *line_r);

#endif
