#ifndef MAILTREE_MUTF7_H
#define MAILTREE_MUTF7_H

/*
 * Modified UTF-7 (RFC 3501 section 5.1.3), the encoding of IMAP mailbox
 * names and of Maildir++ folder names on disk.  Printable ASCII stands for
 * itself except '&', which becomes "&-"; every run of other characters is
 * "&" + modified base64 of its UTF-16BE form ("," instead of "/", no "="
 * padding) + "-".
 *
 * Both functions append to `out` and return 0, or return a negative errno
 * and leave `out` as it was.  The encoding is canonical: a string decode()
 * accepts is exactly what encode() produces for its result.
 */

#include <stddef.h>

struct buf;

/*
 * Encodes UTF-8.  Returns -EINVAL for input that is not valid UTF-8
 * (overlong forms, surrogates, code points past U+10FFFF, truncated
 * sequences) or that contains NUL, which no folder name may hold.
 */
int mutf7_encode(const char *utf8, size_t len, struct buf *out);

/*
 * Decodes to UTF-8, strictly.  Returns -EINVAL for anything RFC 3501 or
 * Dovecot refuse: bytes outside printable ASCII, an unterminated or empty
 * "&" section, characters outside the modified base64 alphabet, an encoded
 * printable ASCII character or NUL, two encoded sections next to each other,
 * non-zero padding bits or surplus base64 characters, an odd number of
 * UTF-16 bytes, and unpaired surrogates.
 */
int mutf7_decode(const char *mutf7, size_t len, struct buf *out);

/* Returns 1 if `s` decodes cleanly, 0 if not. */
int mutf7_is_valid(const char *s, size_t len);

#endif
