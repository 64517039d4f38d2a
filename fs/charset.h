#ifndef MAILTREE_CHARSET_H
#define MAILTREE_CHARSET_H

/*
 * Conversion of text in a MIME charset to UTF-8, built on glibc iconv.
 *
 * Output is always valid UTF-8, whatever the input:
 *  - a charset iconv does not know is treated as "unknown 8-bit": the bytes
 *    are kept where they form valid UTF-8, else read as windows-1252;
 *  - bytes that are invalid in a known charset become U+FFFD;
 *  - US-ASCII and ISO-8859-1 are read as windows-1252 (its superset), as
 *    mail readers do, since mislabelled 8-bit text is common.
 * Control characters are passed through; callers that want them removed
 * (header values) do that themselves.
 */

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/* True if `len` bytes form valid UTF-8 (no overlongs, no surrogates). */
bool charset_is_utf8(const void *data, size_t len);

/* Appends `len` bytes to `out` as valid UTF-8: valid UTF-8 sequences are
 * kept, every other byte is read as windows-1252. */
void charset_utf8_sanitize(const void *data, size_t len, struct buf *out);

/*
 * Appends the conversion of `len` bytes in `charset` to `out`.  Returns 0,
 * or 1 when the charset was unknown and charset_utf8_sanitize() was used.
 * A NULL or empty charset counts as unknown.
 */
int charset_to_utf8(const char *charset, const void *data, size_t len,
		    struct buf *out);

/* True if iconv can convert from this charset (after alias mapping). */
bool charset_is_known(const char *charset);

/*
 * A streaming converter, for bodies: a multibyte character split between
 * two chunks is converted once the rest arrives.
 */
struct charset_conv;

/* Never fails: an unknown charset gives a converter that sanitizes. */
struct charset_conv *charset_conv_new(const char *charset);
void charset_conv_feed(struct charset_conv *conv, const void *data,
		       size_t len, struct buf *out);
/* Flushes an incomplete trailing sequence (as U+FFFD). */
void charset_conv_finish(struct charset_conv *conv, struct buf *out);
void charset_conv_free(struct charset_conv **conv);

#endif
