#ifndef MAILTREE_IMPORT_H
#define MAILTREE_IMPORT_H

/*
 * Bringing mail from elsewhere into a folder, for `mailtree import`: an
 * mbox, single-message files, or the folders of another Maildir (Dovecot,
 * Courier, an export of mailtree's own) with their flags, keywords,
 * internal dates and, when the target folder is empty, their UIDVALIDITY
 * and UIDs.
 *
 * Every message streams through save_begin() / save_write() /
 * save_finish(), so it is on disk when it is counted and memory does not
 * grow with its size.  Sources are only read: a Maildir may belong to a
 * program that is running, so nothing is ever written into it.
 *
 * Functions return 0 or a negative errno.  After a failure the progress
 * record's `where` says which input message failed.
 */

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "buf.h"
#include "keywords.h"
#include "mbox.h"
#include "uidlist.h"

struct folder;

/* Counts of an import (or export, see export.h), kept across calls. */
struct import_progress {
	uint64_t messages;	/* messages saved */
	uint64_t bytes;		/* their bytes */
	uint64_t current;	/* bytes of the message in progress so far */
	uint64_t vanished;	/* source messages expunged while we read */
	/* Called after each message and each chunk of a message; may be
	 * NULL.  It must not fail. */
	void (*update)(const struct import_progress *p, void *ctx);
	void *ctx;
	/* After a failure: the input message it happened on, such as
	 * "message 17 at byte 20480" or a source file's path. */
	struct buf where;
};

void import_progress_init(struct import_progress *p,
			  void (*update)(const struct import_progress *, void *),
			  void *ctx);
void import_progress_release(struct import_progress *p);

/*
 * Imports the mbox read from fd (fs/mbox.h's reader and rules) into f.
 * The internal date of each message is its From_ line's date when it has
 * one, else the time of the import.  The From_ line itself is not kept and
 * no header is added: the stored bytes are the message as the mbox holds
 * it, un-escaped.  -EINVAL when the input is not an mbox (`where` then
 * holds the reader's reason).
 */
int import_mbox(struct folder *f, int fd, enum mbox_format format,
		struct import_progress *p);

/*
 * Imports one message, the bytes read from fd until EOF, unchanged.  With
 * `strip_from`, a first line starting with "From " is dropped and its
 * date, when it has one, becomes the internal date, as a delivery agent
 * does; otherwise the internal date is `date` (0 = now).
 */
int import_message_fd(struct folder *f, int fd, bool strip_from, time_t date,
		      struct import_progress *p);

/* One message file of a source Maildir folder. */
struct maildir_source_msg {
	char *name;		/* file name in new/ or cur/ */
	uint32_t base_len;
	bool in_new;
	uint32_t uid;		/* 0 when dovecot-uidlist does not list it */
	uint32_t flags;		/* MFLAG_* */
	uint32_t keywords;	/* letters of the source's dovecot-keywords */
};

/* A folder of another Maildir, as read (without any lock: Maildir readers
 * need none) when it was opened. */
struct maildir_source {
	char *dir;
	struct uidlist uidlist;	/* uidlist.exists is false when absent */
	struct keywords keywords;
	/* Messages with a UID in UID order, then the others by name, which
	 * is delivery order for standard Maildir names. */
	struct maildir_source_msg *msgs;
	size_t count;
};

/* Reads the folder at dir (which must have cur/ and new/).  A damaged
 * dovecot-uidlist is ignored with a warning: its messages get new UIDs. */
int maildir_source_open(const char *dir, struct maildir_source **src_r);
void maildir_source_free(struct maildir_source **src);

/* A folder of a Maildir++ tree: its UTF-8 name ("INBOX", "A/B") and its
 * directory. */
struct maildir_source_folder {
	char *name;
	char *dir;
};

/*
 * Lists the folders of the Maildir++ tree at root: INBOX (root itself,
 * when it has cur/) first, then every ".A.B" directory with a cur/ as
 * "A/B", sorted by name.  Directories whose names do not decode are
 * skipped with a warning.
 */
int maildir_source_folders(const char *root,
			   struct maildir_source_folder **folders_r,
			   size_t *count_r);
void maildir_source_folders_free(struct maildir_source_folder *folders,
				 size_t count);

/*
 * Copies every message of src into dst: the bytes, the flags, the keywords
 * (by name, through both folders' dovecot-keywords), and the file's mtime
 * as internal date.  When src has a dovecot-uidlist and dst holds no
 * message, dst takes src's UIDVALIDITY and every message its UID, and the
 * next UID is at least src's; this happens under dst's lock, held for the
 * whole copy, so no delivery can take a UID in between.  *kept_uids_r
 * says which way it went (may be NULL).  A message expunged from src while
 * we read is counted in p->vanished with a warning.
 */
int import_maildir_folder(struct maildir_source *src, struct folder *dst,
			  struct import_progress *p, bool *kept_uids_r);

#endif
