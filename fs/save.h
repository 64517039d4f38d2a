#ifndef MAILTREE_SAVE_H
#define MAILTREE_SAVE_H

/*
 * Saving a new message into a folder, the safe Maildir way:
 *
 *   save_begin()   creates tmp/<unique> with O_EXCL
 *   save_write()   streams the bytes in (no whole-message copy)
 *   save_finish()  fsync()s the file, renames it into new/ (or into cur/
 *                  with ":2,<flags>" when flags are given), fsync()s the
 *                  directory and gives it the next UID
 *
 * Only when save_finish() returns 0 is the message durable and may be
 * acknowledged.  Any failure, or save_abort(), leaves nothing behind but
 * possibly a file in tmp/ that `mailtree check --repair` removes once it
 * is old.  The final name carries ,S=<size>,W=<vsize> as Dovecot writes.
 *
 * Functions return 0 or a negative errno.
 */

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

struct folder;
struct save;

int save_begin(struct folder *f, struct save **save_r);
int save_write(struct save *s, const void *data, size_t len);
/* flags/keywords as in struct message; internal_date 0 = now.
 * Stores the UID in *uid_r (may be NULL). */
int save_finish(struct save **s, uint32_t flags, uint32_t keywords,
		time_t internal_date, uint32_t *uid_r);
/* The same, giving the message the UID want_uid, which must be above every
 * UID the folder has (imports that keep UIDs; the caller holds the folder
 * lock so nothing comes in between).  If it is not, the message is still
 * saved, without a UID: the next sync gives it one, and *uid_r is 0. */
int save_finish_uid(struct save **s, uint32_t flags, uint32_t keywords,
		    time_t internal_date, uint32_t want_uid, uint32_t *uid_r);
void save_abort(struct save **s);

/*
 * save_finish() in two steps, so that several saves into one folder can
 * share the lock, the directory fsync and the uidlist write (group commit,
 * save-group.h):
 *
 *   save_prepare()  sets the times, fsync()s and closes the file in tmp/
 *                   and works out its final name; no lock is taken.  On
 *                   failure the save is still open: save_abort() it.
 *   save_commit()   takes the folder lock once, renames each prepared save
 *                   into place and gives them UIDs in one uidlist write,
 *                   releases the lock, then fsync()s each directory that
 *                   received one and the uidlist.  It frees
 *                   every save (setting saves[i] NULL) and stores each
 *                   one's result in ret_r[i] (0 = durable) and its UID in
 *                   uid_r[i] (0 when it got none; uid_r may be NULL).  f is
 *                   any struct folder of the saves' folder directory; a
 *                   long-lived one reads only what changed in the uidlist.
 */
int save_prepare(struct save *s, uint32_t flags, uint32_t keywords,
		 time_t internal_date);
void save_commit(struct folder *f, struct save **saves, size_t n, int *ret_r,
		 uint32_t *uid_r);
/* save_commit() of all the saves or none (IMAP MULTIAPPEND, RFC 3502):
 * when one cannot be put in place, those already renamed are removed
 * again before any gets a UID, and every ret_r[i] is that error.  Only
 * a directory fsync failing after the UIDs were given removes messages
 * that already had one (the next sync sees them expunged). */
void save_commit_all(struct folder *f, struct save **saves, size_t n,
		     int *ret_r, uint32_t *uid_r);
/*
 * save_commit() in two halves, for a caller that lets the next commit
 * into the folder begin while this one's fsyncs run (save-group.c):
 * save_commit_begin() renames and records the UIDs in uids[] under the
 * lock and releases it; save_commit_end() fsyncs the directories and the
 * uidlist, settles ret_r[] and uids[] and frees the saves.  Nothing of f
 * is used by the second half, which may run while another thread
 * commits with f.  Only after save_commit_end() are the saves durable.
 */
struct save_later {
	char *dir;		/* the folder directory */
	int uidlist_fd;		/* an append to fdatasync(), or -1 */
	bool uids_lost;		/* the UID lines could not be written */
	bool all_or_none;	/* save_commit_all(); left as the caller set it */
};
void save_commit_begin(struct folder *f, struct save **saves, size_t n,
		       int *ret_r, uint32_t *uids, struct save_later *later);
void save_commit_end(struct save **saves, size_t n, int *ret_r,
		     uint32_t *uids, struct save_later *later);
/* The directory of the folder the save goes to. */
const char *save_folder_dir(const struct save *s);
/*
 * Begins a save into folder f holding the same bytes as src, whose
 * writing is complete (src stays open and is finished on its own): a hard
 * link to src's file in tmp/, so that a message for several recipients is
 * stored once, or a copy when the folders are on different file systems
 * (EXDEV) or the file system has no hard links (EPERM).  Finish or abort
 * it like any save; nothing may be written to either afterwards.
 */
int save_link(const struct save *src, struct folder *f, struct save **save_r);
/* Opens the bytes written so far for reading; returns the descriptor,
 * which stays valid after the save is finished, or a negative errno. */
int save_open_read(const struct save *s);
/* save_write() in the shape of an fd_sink (util.h), ctx being the save. */
int save_sink(void *ctx, const void *data, size_t len);
/* Bytes written so far. */
uint64_t save_size(const struct save *s);

#endif
