#ifndef MAILTREE_RFC2047_H
#define MAILTREE_RFC2047_H

/*
 * Decoding of header values to display text in UTF-8: RFC 2047 encoded
 * words, raw 8-bit bytes and control characters.
 *
 *  - Encoded words "=?charset?B|Q?text?=" are decoded in any position,
 *    also glued to other text, as mail readers do; the charset may carry
 *    an RFC 2231 language ("=?utf-8*en?Q?...?=").  Whitespace between two
 *    encoded words is dropped (RFC 2047 section 6.2).  Consecutive words in
 *    the same charset are converted together, so a multibyte character
 *    split between two words comes out whole.
 *  - Raw bytes outside encoded words are kept when they are valid UTF-8
 *    (RFC 6532) and read as windows-1252 otherwise.
 *  - Output is valid UTF-8 with no control characters: TAB, CR and LF
 *    become spaces, other C0/C1 controls, DEL and NUL are dropped.
 */

#include <stddef.h>

#include "buf.h"

/* Appends the decoded form of `len` bytes to `out`. */
void rfc2047_decode(const char *in, size_t len, struct buf *out);

/* Appends `len` bytes of UTF-8 (or anything) to `out` as clean UTF-8 with
 * control characters removed as described above; no RFC 2047 decoding. */
void rfc2047_clean_text(const char *in, size_t len, struct buf *out);

#endif
