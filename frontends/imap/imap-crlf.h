#ifndef MAILTREE_IMAP_CRLF_H
#define MAILTREE_IMAP_CRLF_H

/*
 * Line endings as IMAP counts and sends them.
 *
 * Maildir files usually end their lines with a bare LF, but every size
 * IMAP gives (RFC822.SIZE, BODYSTRUCTURE sizes, literal lengths, partial
 * offsets) is of the message with CRLF line endings.  The conversion is
 * Dovecot's: a LF not preceded by CR becomes CRLF, an existing CRLF stays,
 * a bare CR stays.  Whether a LF at the start of a range is bare depends
 * on the byte before the range, so functions that start inside a file
 * look at that byte.
 *
 * Functions return 0 or a negative errno; reads use pread, so the file
 * position is never moved.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct buf;

/* How much is read from a file at a time by the streaming functions. */
#define IMAP_CRLF_CHUNK (64 * 1024)

struct imap_crlf {
	bool prev_cr;		/* the last byte seen was CR */
	bool nul_to_80;		/* replace NUL by 0x80, as Dovecot does,
				 * because literals cannot carry NUL */
};

void imap_crlf_init(struct imap_crlf *c, bool prev_cr, bool nul_to_80);
/* Appends the `len` bytes converted to `out`. */
void imap_crlf_convert(struct imap_crlf *c, const void *data, size_t len,
		       struct buf *out);

/* Whether the byte just before `off` is a CR (false at offset 0). */
int imap_crlf_prev_cr(int fd, uint64_t off, bool *prev_cr_r);

/*
 * The converted size of the `len` bytes at `off`, read in chunks (memory
 * stays at one chunk).  A file shorter than off + len gives -EIO.
 */
int imap_crlf_count(int fd, uint64_t off, uint64_t len, uint64_t *size_r);

/*
 * One pass for many ranges: for the ascending offsets offs[0..n), stores
 * in bare_r[i] the number of bare LFs in [offs[0], offs[i]).  The size of
 * any range [offs[a], offs[b]) after conversion is then
 * offs[b] - offs[a] + bare_r[b] - bare_r[a].  BODYSTRUCTURE uses it to
 * size every part while reading the message once.
 */
int imap_crlf_marks(int fd, const uint64_t *offs, size_t n,
		    uint64_t *bare_r);

#endif
