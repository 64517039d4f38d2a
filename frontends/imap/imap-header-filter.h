#ifndef MAILTREE_IMAP_HEADER_FILTER_H
#define MAILTREE_IMAP_HEADER_FILTER_H

/*
 * BODY[HEADER.FIELDS (...)] and BODY[HEADER.FIELDS.NOT (...)] (RFC 3501
 * section 6.4.5): the fields of a header block whose names are (or are
 * not) in a list, compared case-insensitively, each kept as its original
 * lines (continuation lines included) with CRLF line endings and NUL
 * bytes turned into 0x80, then the empty line (CRLF) that ends a header.
 *
 * A field name is what comes before the colon, trailing whitespace
 * removed.  A line that is not a field (no colon) counts as a field with
 * an unlisted name: it appears only in HEADER.FIELDS.NOT.  Reading stops
 * at the header's empty line or at the end of the range.
 *
 * The header is read through `fd` in chunks.  The result is kept in
 * memory and bounded: a field that would take the result past
 * IMAP_HEADER_FILTER_MAX bytes, and every field after it, are left out.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf;

#define IMAP_HEADER_FILTER_MAX (1024 * 1024)
/* Longest field name looked at; a longer one matches no listed name. */
#define IMAP_HEADER_FILTER_NAME_MAX 1000

/*
 * Appends to `out` the filtered header found in the bytes [off, end) of
 * `fd` (a header block, its empty line included or not).  `names` holds
 * `count` field names; `exclude` selects HEADER.FIELDS.NOT.  Returns 0 or
 * a negative errno from reading; on error `out` is left as it was.
 */
int imap_header_filter(int fd, uint64_t off, uint64_t end,
		       char *const *names, size_t count, bool exclude,
		       struct buf *out);
/* The same for a header block in memory (data, len). */
void imap_header_filter_mem(const char *data, size_t len,
			    char *const *names, size_t count, bool exclude,
			    struct buf *out);

#endif
