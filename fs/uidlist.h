#ifndef MAILTREE_UIDLIST_H
#define MAILTREE_UIDLIST_H

/*
 * dovecot-uidlist, version 3: the UID <-> base file name map of a folder,
 * read and written exactly as Dovecot does, so a folder keeps its
 * UIDVALIDITY and UIDs when it moves between Dovecot and mailtree.
 *
 *   3 V<uidvalidity> N<next uid> G<mailbox guid> [other fields]
 *   <uid> [<key><value> ...] :<base name>
 *
 * Lines are only ever appended, or the whole file replaced by rename();
 * both only while "dovecot-uidlist.lock" is held (see dotlock.h).  Reading
 * needs no lock.  The next UID is the larger of the header's N and the
 * last record's UID + 1, since appends do not rewrite the header.
 *
 * All functions return 0 or a negative errno unless documented otherwise.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "strmap.h"

#define UIDLIST_NAME "dovecot-uidlist"
/* Longest line accepted; Maildir names are at most 255 bytes, so anything
 * near this is damage. */
#define UIDLIST_MAX_LINE 8192

struct uidlist_rec {
	uint32_t uid;
	char *base;	/* base file name (no ":2,") */
	char *ext;	/* extension fields as read ("W1234 S1200"), or NULL */
};

struct uidlist {
	char *path;
	unsigned int version;
	uint32_t uidvalidity;
	uint32_t next_uid;
	char guid[33];		/* mailbox GUID in hex, "" when absent */
	char *hdr_extra;	/* unknown header fields, kept on rewrite */

	struct uidlist_rec *recs;	/* sorted by UID */
	size_t count, cap;
	size_t written;		/* recs[0..written) are in the file */
	struct strmap by_base;

	/* What was read, to notice changes and read only appended lines. */
	bool exists;
	dev_t dev;
	ino_t ino;
	/* Birth time in ns (0 where the file system does not say): a copy
	 * restored in place of the file may get its inode number, never
	 * its birth time. */
	uint64_t btime;
	off_t size;
	/* Set when reading found damage; the next write rewrites the file. */
	bool broken;
	unsigned int broken_lines;
	/* Set when records were dropped: the next write replaces the file. */
	bool need_rewrite;
};

void uidlist_init(struct uidlist *ul, const char *folder_dir);
void uidlist_release(struct uidlist *ul);

/* Reads the file if it changed since the last call.  Returns 1 when new
 * content was read, 0 when nothing changed (or the file does not exist:
 * check ul->exists), or a negative errno. */
int uidlist_refresh(struct uidlist *ul);

const struct uidlist_rec *uidlist_find_uid(const struct uidlist *ul,
					   uint32_t uid);
const struct uidlist_rec *uidlist_find_base(const struct uidlist *ul,
					    const char *base, size_t len);

/* Gives a new base name the next UID, in memory.  The caller holds the
 * lock and calls uidlist_write() before releasing it. */
uint32_t uidlist_add(struct uidlist *ul, const char *base, size_t len);
/* Adds a record with a known UID (imports keeping UIDs); it must be
 * above every existing UID.  Returns -EINVAL otherwise. */
int uidlist_add_uid(struct uidlist *ul, uint32_t uid, const char *base,
		    size_t len);
/* Forgets records, in memory; the next uidlist_write() rewrites the file.
 * keep(uid, ctx) returns false for records to drop. */
void uidlist_filter(struct uidlist *ul, bool (*keep)(uint32_t uid, void *ctx),
		    void *ctx);
/* Sets a fresh UIDVALIDITY and GUID for a new folder (in memory). */
void uidlist_new_validity(struct uidlist *ul, uint32_t uidvalidity);

/* Writes what changed: appends new records, or replaces the whole file
 * (via dovecot-uidlist.tmp and rename) when it does not exist yet, was
 * broken, records were dropped, or `force_rewrite` is set.  The data is
 * fdatasync()ed.  The caller holds the lock. */
int uidlist_write(struct uidlist *ul, bool force_rewrite);
/* uidlist_write(), but an append is left for the caller to fdatasync():
 * *sync_fd is then its open descriptor (else -1), to fdatasync() and
 * close once the lock is released.  A whole rewrite is always synced
 * before its rename, since the old file is gone after it. */
int uidlist_write_later(struct uidlist *ul, bool force_rewrite, int *sync_fd);

/* Parses one header line (without the newline) into ul.  Exposed for the
 * fuzz target. */
int uidlist_parse_header(struct uidlist *ul, const char *line);
/* Parses one record line into ul; -EINVAL for a broken line.  After the
 * last line, uidlist_parse_end() must be called before ul is used. */
int uidlist_parse_record(struct uidlist *ul, const char *line);
void uidlist_parse_end(struct uidlist *ul);

#endif
