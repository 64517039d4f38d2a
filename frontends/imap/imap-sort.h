#ifndef MAILTREE_IMAP_SORT_H
#define MAILTREE_IMAP_SORT_H

/*
 * SORT (RFC 5256 section 3, with DISPLAYFROM and DISPLAYTO of RFC 5957)
 * over the messages a search selected, from the cached header fields
 * only (imap-msg-ref.h), so it never reads a message file.
 *
 * Keys, each computed once per message before sorting:
 *   ARRIVAL      the internal date
 *   DATE         the Date: field's instant, else the internal date
 *   SIZE         RFC822.SIZE
 *   SUBJECT      the base subject (imap-base-subject.h)
 *   FROM, TO, CC the local part of the first address, decoded
 *   DISPLAYFROM, DISPLAYTO  the decoded display name of the first
 *                address, else its "local@domain"
 * Strings compare by octets after folding: ASCII case (i;ascii-casemap)
 * for SUBJECT, FROM, TO and CC as RFC 5256 says, and the case folding of
 * imap-casefold.h (i;unicode-casemap, in its extent) for DISPLAY* as
 * RFC 5957 says.  A missing field is the empty string, which sorts
 * first.  REVERSE turns the key after it around; when all keys tie, the
 * lower sequence number comes first (never reversed).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "imap-msg-ref.h"

struct imap_arg;

/* Most criteria in one SORT; more is a BAD, every key named twice. */
#define IMAP_SORT_MAX_CRITERIA 16

enum imap_sort_key {
	IMAP_SORT_ARRIVAL,
	IMAP_SORT_CC,
	IMAP_SORT_DATE,
	IMAP_SORT_FROM,
	IMAP_SORT_SIZE,
	IMAP_SORT_SUBJECT,
	IMAP_SORT_TO,
	IMAP_SORT_DISPLAYFROM,
	IMAP_SORT_DISPLAYTO,
};

struct imap_sort_criterion {
	enum imap_sort_key key;
	bool reverse;
};

struct imap_sort_program {
	struct imap_sort_criterion crit[IMAP_SORT_MAX_CRITERIA];
	size_t count;
};

/*
 * Parses the sort criteria: the elements of SORT's parenthesised list
 * (the session takes the list, then the charset, which must pass
 * imap_search_charset_ok(), then the keys with imap_search_parse_keys()).
 * Returns 0, or -EINVAL with a text for the BAD reply in *error_r.
 */
int imap_sort_parse(const struct imap_arg *args, size_t count,
		    struct imap_sort_program *prog, const char **error_r);

/*
 * Sorts msgs[0..n) (in any order): order_r[0..n) receives indices into
 * msgs in sorted order.  Returns 0.  O(n log n) comparisons of keys
 * computed once.
 */
int imap_sort_run(const struct imap_sort_program *prog,
		  const struct imap_msg_ref *msgs, size_t n,
		  uint32_t *order_r);

#endif
