#ifndef MAILTREE_IMAP_CASEFOLD_H
#define MAILTREE_IMAP_CASEFOLD_H

/*
 * Case-insensitive substring search over UTF-8 text, as SEARCH needs it
 * (RFC 3501 6.4.4: "case-insensitive substring"), and the case folding
 * SORT's DISPLAYFROM/DISPLAYTO compare with.
 *
 * Folding is Unicode simple case folding (CaseFolding.txt status C and
 * S) for the scripts mail in Europe and around it is written in: ASCII,
 * Latin-1, Latin Extended-A and Additional, Greek (final sigma and the
 * symbol variants included), Cyrillic with its supplement, Armenian, the
 * Kelvin, Ohm and Angstrom signs and fullwidth ASCII.  Other code points
 * fold to themselves.  Full folding (ß = "ss") and normalisation
 * (precomposed = decomposed) are not done.
 *
 * The matcher runs Knuth-Morris-Pratt over folded code points, so it can
 * be fed text in chunks of any size: a match that spans chunks is found,
 * and its state is the needle's position plus a partial UTF-8 sequence.
 * A byte that is not part of valid UTF-8 counts as U+FFFD.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf;

/* The simple case folding of one code point. */
uint32_t imap_casefold_char(uint32_t cp);

/* Appends the folded form of `len` bytes of UTF-8 to out (invalid bytes
 * become U+FFFD). */
void imap_casefold_utf8(const char *s, size_t len, struct buf *out);

/* A compiled search string.  An empty needle matches everything. */
struct imap_casefold_needle {
	uint32_t *cps;		/* folded code points */
	size_t *fail;		/* KMP failure function */
	size_t len;
};

void imap_casefold_needle_init(struct imap_casefold_needle *n,
			       const char *utf8, size_t len);
void imap_casefold_needle_release(struct imap_casefold_needle *n);

/* The state of one search through a stream of text. */
struct imap_casefold_match {
	const struct imap_casefold_needle *needle;
	size_t pos;		/* code points of the needle matched */
	uint32_t cp;		/* the code point being decoded */
	unsigned int need;	/* continuation bytes still wanted */
	bool found;
};

void imap_casefold_match_init(struct imap_casefold_match *m,
			      const struct imap_casefold_needle *needle);
/* Feeds more text; returns true once the needle has been seen (and
 * keeps returning true). */
bool imap_casefold_match_feed(struct imap_casefold_match *m,
			      const char *data, size_t len);
/* Ends a piece of text: a partial UTF-8 sequence counts as U+FFFD and
 * the next feed cannot continue a match across the break. */
void imap_casefold_match_break(struct imap_casefold_match *m);

/* One-shot: does `len` bytes of UTF-8 contain the needle? */
bool imap_casefold_find(const struct imap_casefold_needle *needle,
			const char *s, size_t len);

#endif
