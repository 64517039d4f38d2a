#ifndef MAILTREE_DOTLOCK_H
#define MAILTREE_DOTLOCK_H

/*
 * Dot-locks as Dovecot makes them, so mailtree and Dovecot exclude each
 * other on one store: "<path>.lock" holding "<pid>:<hostname>", created
 * with O_EXCL and then written, as Dovecot does by default.
 *
 * A lock is stale, and is overridden, when
 *  - it names a process on this host that no longer exists and is older
 *    than two seconds (the owner crashed), or
 *  - neither it nor the locked file has changed for `stale_secs` (the
 *    owner hangs, or lives on another host and died).
 * Holders of long locks call dotlock_touch() so they are not taken for
 * stale.  O_EXCL is atomic on local file systems and NFS v3 and later.
 * An empty lock (its owner died between create and write) has no owner
 * to check and is stale by age alone.
 */

#include <stdbool.h>
#include <sys/types.h>
#include <time.h>

struct dotlock {
	char *lock_path;
	dev_t dev;
	ino_t ino;
};

struct dotlock_settings {
	unsigned int timeout_secs;	/* give up after this long */
	unsigned int stale_secs;	/* see above */
};

/* Dovecot's values for dovecot-uidlist.lock: stale after 2 minutes, and a
 * waiter gives up a little after that. */
extern const struct dotlock_settings dotlock_uidlist_settings;

/* Takes the lock on `path`.  Returns 0, -EAGAIN when it is still held by
 * someone else after the timeout, or another negative errno. */
int dotlock_create(const char *path, const struct dotlock_settings *set,
		   struct dotlock *lock_r);

/*
 * A long-lived process that takes one lock over and over (a daemon's
 * folder) can keep the lock's inode between locks: a spare file in a
 * directory of the same file system (the folder's tmp/) holds the
 * owner's "pid:host"; taking the lock link()s it as "<path>.lock" after
 * setting its mtime to now, releasing unlinks that name again.  Others
 * see exactly the lock they would see otherwise (same name, content and
 * fresh mtime), but no inode is allocated or freed per lock, which on a
 * file system without a journal costs more the more inodes were freed
 * lately (ext4 skips recently freed inodes when it allocates).  The
 * spare is made at the first lock and removed by dotlock_spare_free();
 * one left by a crash is an old file in tmp/, which Maildir programs
 * remove after 36 hours.  Where links are refused (EPERM, EMLINK), the
 * plain O_EXCL lock is used.
 */
struct dotlock_spare {
	char *dir;		/* where the spare goes; NULL: not used */
	char *path;		/* the spare, once made */
	int fd;			/* open on it while path is set */
	dev_t dev;
	ino_t ino;
	unsigned int taken;	/* locks taken so far */
};
/* Sets up (without creating anything yet) a spare in `dir`.  The first
 * lock is a plain one: a folder that is locked once (a POP3 session's)
 * would gain nothing from a spare. */
void dotlock_spare_init(struct dotlock_spare *sp, const char *dir);
/* Removes the spare file; the lock must not be held.  A zeroed struct
 * (never set up) is fine. */
void dotlock_spare_free(struct dotlock_spare *sp);
/* dotlock_create() through the spare (sp NULL or unset: the plain way). */
int dotlock_create_spare(const char *path, const struct dotlock_settings *set,
			 struct dotlock_spare *sp, struct dotlock *lock_r);
/*
 * Waiting for a lock held by someone else, as dotlock_create() does (and
 * the folder's mailtree.lock, folder.h): naps from 0.1 ms up to about
 * 5 ms, with jitter so that waiters do not retry in lock-step.  Locks are
 * held for a rename and an fsync or two, so a longer nap would only add
 * latency, and a server's event loop waits here.
 */
struct lock_wait {
	struct timespec start;
	long delay_us;
	unsigned int timeout_secs;
};
void lock_wait_init(struct lock_wait *w, unsigned int timeout_secs);
/* Naps once and returns true, or returns false when the time is up. */
bool lock_wait_nap(struct lock_wait *w);

/* As dotlock_create, but returns -EAGAIN at once when the lock is held. */
int dotlock_try(const char *path, const struct dotlock_settings *set,
		struct dotlock *lock_r);
/* Refreshes the lock's mtime.  Returns -ESTALE if it was overridden. */
int dotlock_touch(struct dotlock *lock);
/* Releases the lock.  Returns -ESTALE if someone had overridden it (our
 * changes may then have raced with theirs; the caller logs it). */
int dotlock_delete(struct dotlock *lock);

#endif
