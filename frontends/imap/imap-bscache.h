#ifndef MAILTREE_IMAP_BSCACHE_H
#define MAILTREE_IMAP_BSCACHE_H

/*
 * The answers to FETCH BODY and BODYSTRUCTURE, and the header blocks
 * that HEADER.FIELDS filters, remembered by message GUID (the XXH3-128
 * of the message bytes, from the index): a message file never changes,
 * so each is computed once and then costs no open, read or MIME parse,
 * in any folder the message is in.  Clients ask for these again and
 * again (at each resync, for each new view).
 *
 * One cache per worker thread, used on its event loop only: no locks.
 * Bounded in bytes; the least recently used answers go first.
 */

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/* Bytes of answers (with their bookkeeping) one worker keeps. */
#define IMAP_BSCACHE_BYTES (8u << 20)
/* Longer answers (messages with very many parts, huge headers) are not
 * kept. */
#define IMAP_BSCACHE_MAX_ANSWER 8192

enum imap_bscache_kind {
	IMAP_BSCACHE_BODY,
	IMAP_BSCACHE_BODYSTRUCTURE,
	IMAP_BSCACHE_HEADER,	/* the raw header block, empty line included */
	IMAP_BSCACHE_KINDS
};

/* Appends the remembered answer to out; false when there is none. */
bool imap_bscache_get(const unsigned char guid[16],
		      enum imap_bscache_kind kind, struct buf *out);
/* Remembers an answer. */
void imap_bscache_put(const unsigned char guid[16],
		      enum imap_bscache_kind kind, const char *answer,
		      size_t len);
/* How many bytes this thread's cache holds now. */
size_t imap_bscache_bytes(void);
/* Frees this thread's cache (a worker thread at its end). */
void imap_bscache_cleanup(void);

#endif
