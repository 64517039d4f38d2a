#ifndef MAILTREE_FOLDER_H
#define MAILTREE_FOLDER_H

/*
 * One folder of a Maildir++ mailbox: its messages in UID order, their
 * flags, keywords and MODSEQs, and the operations on them.
 *
 * The truth is on disk: the files in new/ and cur/, dovecot-uidlist and
 * dovecot-keywords.  folder_sync() brings the in-memory view up to date
 * with them, giving UIDs to files that have none, noticing flag changes
 * and expunges made by any program, and keeping mailtree's own index
 * (mailtree.index, see index.h) in step.  Every change to the directory
 * that other processes must see in order (UID assignment, flag renames,
 * expunges) happens under dovecot-uidlist.lock, as Dovecot does it.
 *
 * Functions return 0 or a negative errno unless documented otherwise.
 * Pointers to struct message stay valid until the next folder_sync().
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "buf.h"
#include "dotlock.h"
#include "keywords.h"
#include "uidlist.h"

struct message {
	uint32_t uid;
	uint32_t flags;		/* MFLAG_* from maildir-name.h */
	uint32_t keywords;	/* bit i: keyword letter 'a' + i */
	bool in_new;		/* the file is in new/ */
	char *name;		/* current file name in new/ or cur/ */
	uint32_t base_len;	/* bytes of name that form the base name */
	uint64_t modseq;
	uint64_t size;		/* bytes on disk */
	uint64_t vsize;		/* bytes with every line ending as CRLF */
	time_t internal_date;	/* the file's mtime */
	unsigned char guid[16];	/* XXH3-128 of the message bytes */
	char *headers;		/* cached header fields, see index.h */
	uint32_t headers_len;
	/* Where this message is in mailtree.index (index.c's business):
	 * its record number, UINT32_MAX when not written yet, and where its
	 * strings are. */
	uint32_t idx_pos;
	uint32_t idx_name_off, idx_name_len, idx_hdr_off;
	bool idx_full_name;
};

/* A record of mailtree.index to rewrite in place (see index.c). */
#define INDEX_RECORD_SIZE 88
struct index_pending {
	uint32_t pos;
	unsigned char rec[INDEX_RECORD_SIZE];
};

struct folder {
	char *dir;		/* the Maildir directory of this folder */
	struct uidlist uidlist;
	struct keywords keywords;
	struct message *msgs;	/* sorted by UID */
	size_t count, cap;
	uint64_t highest_modseq;
	/* What the last scan saw, so an unchanged folder costs two stat()s.
	 * A recheck is pending when the mtime was recorded before it settled
	 * (or after this view's own change): another change in the same
	 * timestamp tick would not have moved it, so the directory is
	 * scanned once more after the mtime settled. */
	struct timespec new_mtime, cur_mtime;
	bool new_recheck, cur_recheck;
	/* The uidlist the loaded index was made from. */
	uint64_t index_ul_ino, index_ul_btime, index_ul_size;
	uint64_t index_token;	/* of the index as last read or written */
	/* The file as last read or written, and what to write at unlock:
	 * records in place, or the whole file when index_full. */
	uint64_t index_records, index_expunged;
	uint64_t index_strings_len, index_strings_checksum;
	struct index_pending *index_pending;
	size_t index_pending_count, index_pending_cap;
	bool index_full;
	/* Messages the file has no record of yet (new since the last
	 * rewrite); see folder_defer_index_rewrites(). */
	size_t index_missing;
	uint64_t index_written;	/* CLOCK_MONOTONIC seconds of that rewrite */
	bool index_loaded;
	struct dotlock lock;		/* dovecot-uidlist.lock, when held */
	struct dotlock_spare lock_spare;	/* see folder_keep_lock_inodes() */
	/* The index and the change log, kept open between uses by a
	 * long-lived process (folder_keep_files()); -1 when not. */
	int index_fd, changes_fd;
	bool files_may_keep;	/* kept files on, and a local file system */
	bool files_fs_checked;	/* the file system was looked at */
	bool files_slot;	/* holds one of the process's slots for them */
	unsigned int lock_depth;
	bool lock_synced;	/* synced since the lock was taken */
	/* mailtree.lock (see folder_lock_light()): kept open like the
	 * index; -1 when not open. */
	int own_lock_fd;
	bool own_lock_unsupported;	/* no OFD locks here: dot-lock only */
	bool uidlist_locked;		/* dovecot-uidlist.lock held too */
	bool index_dirty;
};

/* For a long-lived process (mailtreed, mailtree-fs): the folders it opens
 * from now on keep their lock's inode between locks (dotlock.h, struct
 * dotlock_spare) instead of making and freeing one per lock. */
void folder_keep_lock_inodes(bool on);

/* For a long-lived process: the folders opened from now on keep their
 * index and change log open between uses, so that looking for changes
 * and recording one cost no open() and close().  At most a sixteenth of
 * the descriptor limit's worth of folders keep them at a time, and none
 * on a file system shared with other hosts (fs_is_shared()), where a
 * replaced file may live on under another name. */
void folder_keep_files(bool on);
/* Closes the files a folder keeps open and gives up its slot, for a
 * folder nobody uses for now; they are opened again when needed. */
void folder_close_files(struct folder *f);

/* For a long-lived process: a folder's index is written anew for new
 * messages at most every few seconds (and when the folder is freed), as
 * long as they are a small part of it; meanwhile the file stays valid
 * and says that the directories must be listed, so other processes find
 * those messages themselves.  Flag changes and expunges of the messages
 * it has are still written in place at each unlock. */
void folder_defer_index_rewrites(bool on);

/* Opens the Maildir at `dir` (which must have cur/ new/ tmp/) and syncs it. */
int folder_open(const char *dir, struct folder **folder_r);
/* Opens without reading anything: enough to save new messages, which is
 * all a delivery needs, at a cost independent of the folder's size. */
int folder_open_lazy(const char *dir, struct folder **folder_r);
void folder_free(struct folder **folder);

/* Brings the view up to date with the disk.  Returns 1 when something
 * changed, 0 when not. */
int folder_sync(struct folder *f);

uint32_t folder_uidvalidity(const struct folder *f);
uint32_t folder_uidnext(const struct folder *f);
struct message *folder_find_uid(const struct folder *f, uint32_t uid);
/* Index (0-based sequence) of the first message with UID >= uid. */
size_t folder_seq_from_uid(const struct folder *f, uint32_t uid);

/* The full path of a message's file, as of the last sync. */
void folder_msg_path(const struct folder *f, const struct message *m,
		     struct buf *path);
/* Opens a message for reading, re-syncing if it was renamed by a flag
 * change in the meantime (which rebuilds f->msgs: look messages up again
 * after the call).  Returns -ENOENT if it was expunged. */
int folder_msg_open(struct folder *f, uint32_t uid, int *fd_r);

/* Sets a message's flags and keywords (all of them: callers compute the
 * new set).  Renames the file under the lock and gives it a new MODSEQ.
 * -ENOENT if the message is gone. */
int folder_set_flags(struct folder *f, uint32_t uid, uint32_t flags,
		     uint32_t keywords);
/* Adds and removes flags and keywords, leaving the others as they are on
 * disk now: a change another program made since this view's last sync
 * is kept, not overwritten (an IMAP STORE +FLAGS, a flag file touched).
 * A bit both added and removed is added. */
int folder_change_flags(struct folder *f, uint32_t uid, uint32_t add,
			uint32_t del, uint32_t kw_add, uint32_t kw_del);
/* Keyword names <-> letters of this folder. */
int folder_keyword_index(struct folder *f, const char *name, bool create);
const char *folder_keyword_name(const struct folder *f, int idx);

/* The IMAP names of the system flags, in the order IMAP servers list them
 * (FOLDER_SYSTEM_FLAGS entries). */
#define FOLDER_SYSTEM_FLAGS 5
extern const struct folder_flag_name {
	const char *name;	/* "\\Seen" */
	uint32_t bit;		/* MFLAG_* */
} folder_system_flags[FOLDER_SYSTEM_FLAGS];
/* $Forwarded is a keyword, stored as a keyword letter as Dovecot stores it.
 * The Maildir letter P ("passed") means the same but Dovecot ignores it, so
 * a P is shown as $Forwarded. */
#define FOLDER_FORWARDED "$Forwarded"
/* Appends a message's flags and keywords as IMAP names, space-separated. */
void folder_flag_names(const struct folder *f, const struct message *m,
		       struct buf *out);

/* Removes a message for good.  -ENOENT if it was already gone. */
int folder_expunge(struct folder *f, uint32_t uid);
/* Copies a message into dst (a hard link when both are on one file
 * system, as Dovecot does), keeping flags, keywords and internal date.
 * Stores the new UID in *uid_r. */
int folder_copy(struct folder *f, uint32_t uid, struct folder *dst,
		uint32_t *uid_r);
/* Copy, then expunge the original. */
int folder_move(struct folder *f, uint32_t uid, struct folder *dst,
		uint32_t *uid_r);

/*
 * Locking.  Every mailtree process that changes a folder holds
 * mailtree.lock, an open-file-description lock (fcntl F_OFD_SETLK) on an
 * empty file in the folder: taking and releasing it changes nothing on
 * disk.  Writing dovecot-uidlist or dovecot-keywords also takes
 * dovecot-uidlist.lock, the dot-lock Dovecot takes for them, after
 * mailtree.lock (always in that order, so two mailtree processes never
 * wait for each other crosswise).  Flag changes, expunges, the index and
 * the change log need mailtree.lock only: Dovecot renames and removes
 * message files without a lock, and the other files are mailtree's.
 * Where the file system has no OFD locks, both locks are the dot-lock.
 */
/* Takes both locks, for any change (nests; a light lock held is made a
 * full one). */
int folder_lock(struct folder *f);
/* Takes mailtree.lock only (nests): enough for flag changes, expunges and
 * syncs.  A sync under it that must write dovecot-uidlist (files without
 * UIDs, a missing or overgrown uidlist) takes the dot-lock itself. */
int folder_lock_light(struct folder *f);
void folder_unlock(struct folder *f);

/* Creates cur/ new/ tmp/ under dir (and dir itself). */
int folder_create_dirs(const char *dir, bool maildirfolder);

#endif
