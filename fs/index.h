#ifndef MAILTREE_INDEX_H
#define MAILTREE_INDEX_H

/*
 * mailtree's own per-folder files.  Both are derived from the Maildir and
 * dovecot-uidlist and are safe to delete: the next sync rebuilds them.
 *
 * mailtree.index holds, for every message, what listing and searching need
 * without opening the message file: UID, file name, flags, keywords,
 * MODSEQ, sizes, internal date, GUID and the cached header fields.  It also
 * remembers the directory mtimes and the uidlist identity of the last scan
 * so that an unchanged folder is recognised with two stat() calls.  It is
 * replaced atomically (write to a temporary file, rename); a file that
 * fails its checksum or does not match the uidlist is ignored and rebuilt.
 *
 * mailtree.changes is an append-only log of "<modseq> <uid> <what>" lines
 * (A appended, F flags changed, E expunged, R reset: nothing before this
 * line is known) from which a frontend learns
 * what changed since a MODSEQ (CONDSTORE/QRESYNC, IDLE).  Its first line
 * says the lowest MODSEQ it is complete from.
 *
 * Cached header fields are kept as "Name: raw unfolded value\n" lines, for
 * the fields listed in index_cached_headers[].
 *
 * Functions return 0 or a negative errno.
 */

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

struct folder;
struct message;
struct buf;

#define INDEX_NAME "mailtree.index"
#define CHANGES_NAME "mailtree.changes"
/* A cached header value longer than this is cut; the message file has all. */
#define INDEX_MAX_HEADER_VALUE 4096

extern const char *const index_cached_headers[];

/* Whether the uidlist is the file the loaded index was made from (the
 * same inode number and birth time), though perhaps appended to. */
bool index_uidlist_same(const struct folder *f);
/* Loads the index into an empty folder view.  Returns 1 when loaded, 0
 * when there is none or it does not fit the uidlist (rebuild needed). */
int index_load(struct folder *f);
/* Writes what changed: the queued records and the header in place when
 * that is all, else the whole file. */
int index_save(struct folder *f);
/* A deferred rewrite (folder_defer_index_rewrites()) is due now. */
bool index_rewrite_due(const struct folder *f);
/* Queues the record of a message whose flags changed, or which was
 * expunged, for writing in place at the next index_save(); marks the
 * whole file for rewriting when that cannot be done in place. */
void index_note_record(struct folder *f, const struct message *m,
		       bool expunged);
/* Whether another process wrote the index since this view last read or
 * wrote it.  Returns 1, 0, or a negative errno.  The caller holds the
 * folder lock, under which every process writes the index. */
int index_changed_on_disk(struct folder *f);

/* What a folder's mailtree.index says, read without a struct folder: the
 * UIDVALIDITY and next UID it was made with, and each message's UID and
 * file name.  For check and repair, which must not trust or change the
 * uidlist while they read. */
struct index_entry {
	uint32_t uid;
	uint32_t base_len;	/* bytes of name that form the base name */
	char *name;		/* file name as of the index's last scan */
};
struct index_summary {
	uint32_t uidvalidity;
	uint32_t next_uid;
	uint64_t highest_modseq;
	struct index_entry *entries;	/* sorted by UID */
	size_t count;
};
/* Returns 0, -ENOENT when there is no index, -EINVAL when it is damaged
 * (bad magic, size, checksum or records), or another negative errno. */
int index_read_summary(const char *dir, struct index_summary *sum_r);
void index_summary_release(struct index_summary *sum);

/* Fills size, vsize, GUID and cached headers of a message from its file. */
int index_read_message(struct folder *f, struct message *m);

/* The cached value of a header field (case-insensitive name) into out;
 * returns 1 if present, 0 if not. */
int index_header(const struct message *m, const char *name, struct buf *out);

/* The change log, mailtree.changes (changes.c). */
enum change_kind { CHANGE_APPEND = 'A', CHANGE_FLAGS = 'F',
		   CHANGE_EXPUNGE = 'E' };
int changes_append(struct folder *f, uint64_t modseq, uint32_t uid,
		   enum change_kind kind);
/* Calls cb for each change with modseq > since, in order.  Returns 1 if
 * the log is complete back to `since`, 0 if older changes were dropped
 * (the caller must then compare full state), negative errno on error. */
int changes_since(struct folder *f, uint64_t since,
		  void (*cb)(uint64_t modseq, uint32_t uid,
			     enum change_kind kind, void *ctx), void *ctx);

#endif
