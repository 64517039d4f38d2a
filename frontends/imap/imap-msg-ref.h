#ifndef MAILTREE_IMAP_MSG_REF_H
#define MAILTREE_IMAP_MSG_REF_H

/*
 * One message as SEARCH, SORT and THREAD see it: a copy of what the
 * store keeps in memory for it (fs/folder.h struct message), with the
 * session's sequence number and \Recent, and without struct folder, so
 * the engines can run on a worker thread over a snapshot.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* A flag bit beside the MFLAG_* bits: the message is \Recent in this
 * session.  The session sets it; the store has no such flag. */
#define IMAP_MSG_RECENT		(1u << 16)

/* Pointers must stay valid while the message is matched, sorted or
 * threaded. */
struct imap_msg_ref {
	uint32_t seq, uid;
	uint32_t flags;		/* MFLAG_* | IMAP_MSG_RECENT */
	uint32_t keywords;	/* bit i: the folder's keyword i */
	uint64_t modseq;
	uint64_t vsize;		/* RFC822.SIZE */
	time_t internal_date;
	const char *headers;	/* cached fields, "Name: value\n" (index.h) */
	size_t headers_len;
	void *ctx;		/* the session's (for imap_search_env) */
};

/* The cached value of a field (case-insensitive name): returns true with
 * a pointer into m->headers and the value's length, or false. */
bool imap_msg_ref_header(const struct imap_msg_ref *m, const char *name,
			 const char **value_r, size_t *len_r);

/* Was the cached value of a field cut to INDEX_MAX_HEADER_VALUE? */
bool imap_msg_ref_header_cut(size_t len);

/*
 * The sent date (RFC 5256): the Date: field's instant and zone (minutes
 * east of UTC); without a valid one, the internal date and zone
 * *tz_min_r = INT_MIN.  Returns true when the Date: field was used.
 */
bool imap_msg_ref_sent_date(const struct imap_msg_ref *m, time_t *time_r,
			    int *tz_min_r);

/* Days since 1970-01-01 of an instant in the server's local zone. */
long imap_msg_ref_local_day(time_t t);

/* Days since 1970-01-01 of an instant seen in a zone (minutes east). */
long imap_msg_ref_zone_day(time_t t, int tz_min);

#endif
