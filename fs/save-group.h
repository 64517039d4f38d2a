#ifndef MAILTREE_SAVE_GROUP_H
#define MAILTREE_SAVE_GROUP_H

/*
 * Group commit of new messages, for a process that saves from several
 * threads at once (mailtreed's LMTP sessions finishing on the libuv
 * thread pool).
 *
 * save_group_finish() is save_finish() without flags: each thread fsync()s
 * its own file, then queues the save on its folder.  One thread at a time
 * commits a folder's queue: one dovecot-uidlist lock, one rename per
 * message and one uidlist write for all of them, then, with the lock
 * released, one fsync of the directory and one of the uidlist.  Threads
 * that queue while a commit holds the lock wait for it and then go into
 * the next one together; that one may start while the previous one's
 * fsyncs are still running, so one folder's commits overlap on the disk
 * as different folders' do.  A save still returns
 * only after its own file and its directory entry are on disk, so the
 * store's promise is unchanged: 0 means durable.
 *
 * The folder used for committing is kept between commits, for a bounded
 * number of recently used folders, so that a commit reads only the lines
 * other processes appended to dovecot-uidlist since the last one.
 *
 * Other processes (mailtree deliver, a second daemon, Dovecot) are
 * excluded by the uidlist lock as before; this only groups the threads of
 * one process.
 */

#include <stdint.h>
#include <time.h>

struct save;

/* Finishes s as save_finish() does, grouped with other threads' saves
 * into the same folder, and says the folder's UIDVALIDITY that the UID
 * belongs to.  Frees the save either way. */
int save_group_finish(struct save **s, uint32_t flags, uint32_t keywords,
		      time_t internal_date, uint32_t *uid_r,
		      uint32_t *uidvalidity_r);

/* Frees the folders kept between commits.  No save may be in progress. */
void save_group_cleanup(void);

#endif
