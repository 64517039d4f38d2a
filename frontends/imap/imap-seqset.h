#ifndef MAILTREE_IMAP_SEQSET_H
#define MAILTREE_IMAP_SEQSET_H

/*
 * IMAP sequence sets (RFC 3501 section 9 sequence-set): "1,3:5,7:*",
 * for message sequence numbers and for UIDs alike.
 *
 * A set is kept as sorted, merged, non-overlapping ranges, never as one
 * entry per number: "1:4294967295" is one range.  "*" means the largest
 * number in use (the message count, or the highest UID), which is known
 * only when the set is used, so the ranges that involve it are kept apart
 * and resolved by imap_seqset_contains() and the iterators.  As RFC 3501
 * says, "n:*" includes the largest number even when it is below n.
 *
 * "$" (RFC 5182, the saved search result) is reported in set->dollar and
 * holds no ranges; the command substitutes the saved result.
 *
 * Memory is one range per comma-separated item of the input, at most.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf;

struct imap_seq_range {
	uint32_t lo, hi;	/* 1 <= lo <= hi */
};

struct imap_seqset {
	struct imap_seq_range *ranges;	/* sorted and merged, no '*' */
	size_t count, cap;
	bool dollar;		/* "$" */
	bool star;		/* "*" or "*:*": the largest number */
	bool star_range;	/* some "n:*" */
	uint32_t star_min, star_max;	/* the smallest and largest n */
};

void imap_seqset_init(struct imap_seqset *set);
void imap_seqset_release(struct imap_seqset *set);
/* Empties the set, keeping its memory. */
void imap_seqset_clear(struct imap_seqset *set);

/*
 * Parses `len` bytes into set (which is cleared first).  Returns 0, or
 * -EINVAL for anything that is not a sequence-set or "$" (empty items,
 * zero, leading zeros, numbers over 4294967295, stray characters).
 */
int imap_seqset_parse(struct imap_seqset *set, const char *s, size_t len);

/* Adds the numbers lo..hi (either order, both nonzero), merging ranges;
 * for a server building a set (COPYUID, ESEARCH results).  Adding in
 * ascending order costs O(1) each. */
void imap_seqset_add_range(struct imap_seqset *set, uint32_t lo,
			   uint32_t hi);

/* Is n in the set, with '*' meaning max?  max 0 (an empty mailbox) makes
 * '*' match nothing.  O(log ranges). */
bool imap_seqset_contains(const struct imap_seqset *set, uint32_t n,
			  uint32_t max);

/* The largest number written in the set, ignoring '*' itself (so the
 * caller can refuse sequence numbers past the message count); 0 if none. */
uint32_t imap_seqset_max_number(const struct imap_seqset *set);

/* True if the set is empty (and not "$"). */
bool imap_seqset_is_empty(const struct imap_seqset *set);

/* Writes the set in IMAP form ("1:3,5,7:*"); "" when empty. */
void imap_seqset_format(const struct imap_seqset *set, struct buf *out);

/*
 * Iteration, in ascending order.  Over sequence numbers:
 * imap_seqset_iter_init(&it, set, count) yields each number of the set
 * in 1..count.  Over a mailbox's UIDs: imap_seqset_iter_init_uids(&it,
 * set, uids, count), with uids sorted ascending (uids[i] is the UID of
 * sequence number i + 1), yields the sequence numbers whose UID is in the
 * set.  The cost is O(matches + ranges * log count), whatever the ranges
 * span.  The set must stay unchanged until imap_seqset_iter_release().
 */
struct imap_seqset_iter {
	struct imap_seqset resolved;	/* the set with '*' resolved */
	size_t range;
	uint64_t next;			/* the next number (or index) */
	const uint32_t *uids;
	size_t uid_count;
};

void imap_seqset_iter_init(struct imap_seqset_iter *it,
			   const struct imap_seqset *set, uint32_t count);
void imap_seqset_iter_init_uids(struct imap_seqset_iter *it,
				const struct imap_seqset *set,
				const uint32_t *uids, size_t count);
/* Stores the next sequence number in *seq_r; false at the end. */
bool imap_seqset_iter_next(struct imap_seqset_iter *it, uint32_t *seq_r);
void imap_seqset_iter_release(struct imap_seqset_iter *it);

#endif
