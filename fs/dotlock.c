/* Dovecot-compatible dot-locks; see dotlock.h. */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "dotlock.h"
#include "util.h"

/* A lock younger than this is not checked for a dead pid: its owner most
 * likely just created it (Dovecot uses the same grace). */
#define DOTLOCK_PID_CHECK_SECS 2

const struct dotlock_settings dotlock_uidlist_settings = {
	.timeout_secs = 122,
	.stale_secs = 120,
};

/* Returns the pid recorded in the lock when it was made on this host, or 0. */
static pid_t lock_local_pid(const char *lock_path)
{
	char data[300], *colon, *end;
	size_t got;
	long pid;
	int fd;

	fd = open(lock_path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return 0;
	if (read_full(fd, data, sizeof(data) - 1, &got) < 0)
		got = 0;
	close(fd);
	data[got] = '\0';
	colon = strchr(data, ':');
	if (colon == NULL)
		return 0;
	*colon = '\0';
	end = strchr(colon + 1, '\n');
	if (end != NULL)
		*end = '\0';
	/* Dovecot writes the plain host name; compare with it. */
	char host[256];
	if (gethostname(host, sizeof(host)) < 0)
		return 0;
	host[sizeof(host) - 1] = '\0';
	if (strcmp(colon + 1, host) != 0)
		return 0;
	pid = strtol(data, &end, 10);
	if (*end != '\0' || pid <= 0)
		return 0;
	return (pid_t)pid;
}

/* Decides whether an existing lock may be overridden. */
static bool lock_is_stale(const char *path, const char *lock_path,
			  const struct stat *lst,
			  const struct dotlock_settings *set)
{
	time_t now = time(NULL);
	struct stat st;
	pid_t pid;

	if (now - lst->st_mtime >= DOTLOCK_PID_CHECK_SECS) {
		pid = lock_local_pid(lock_path);
		if (pid > 0 && kill(pid, 0) < 0 && errno == ESRCH)
			return true;
	}
	if (now - lst->st_mtime < (time_t)set->stale_secs)
		return false;
	if (stat(path, &st) == 0 && now - st.st_mtime < (time_t)set->stale_secs)
		return false;
	return true;
}

/*
 * Creates the lock file with O_EXCL, which fails with EEXIST when the lock
 * is held, then writes the owner ("pid:host") into it, as Dovecot does
 * with dotlock_use_excl (its default).  O_EXCL is atomic on local file
 * systems and on NFS v3 and later.  A process that dies between the
 * create and the write leaves an empty lock: it has no owner to check,
 * so it is judged stale by its age (set->stale_secs) alone.  Earlier
 * versions wrote a temporary file and link()ed it, which costs two more
 * inodes per lock; on a busy server that was most of the work of taking
 * a lock.
 */
static int lock_once(const char *path, const char *lock_path,
		     const struct dotlock_settings *set, struct dotlock *lock)
{
	char host[256], data[320];
	struct stat st, again;
	int fd, ret;

	if (gethostname(host, sizeof(host)) < 0)
		host[0] = '\0';
	host[sizeof(host) - 1] = '\0';
	ret = xsnprintf(data, sizeof(data), "%ld:%s", (long)getpid(), host);
	if (ret < 0)
		return ret;
	fd = open(lock_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd >= 0) {
		ret = write_full(fd, data, strlen(data));
		if (ret == 0 && fstat(fd, &st) < 0)
			ret = -errno;
		close(fd);
		if (ret < 0) {
			unlink(lock_path);
			return ret;
		}
		lock->dev = st.st_dev;
		lock->ino = st.st_ino;
		return 0;
	}
	if (errno != EEXIST)
		return -errno;
	if (lstat(lock_path, &st) < 0 ||
	    !lock_is_stale(path, lock_path, &st, set))
		return -EAGAIN;
	/* Remove it only if it is still the lock we judged stale. */
	if (lstat(lock_path, &again) == 0 && again.st_ino == st.st_ino &&
	    again.st_mtime == st.st_mtime) {
		log_warn("overriding stale lock %s", lock_path);
		unlink(lock_path);
	}
	return -EAGAIN;
}

static int dotlock_take(const char *path, const struct dotlock_settings *set,
			bool wait, struct dotlock *lock_r)
{
	struct buf lock_path = BUF_INIT;
	struct timespec start, now, nap;
	long delay_us = 100;
	int ret;

	buf_printf(&lock_path, "%s.lock", path);
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		ret = lock_once(path, lock_path.data, set, lock_r);
		if (ret != -EAGAIN || !wait)
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec >= (time_t)set->timeout_secs)
			break;
		/* Back off from 0.1 ms up to about 5 ms, with jitter so
		 * waiters do not retry in lock-step.  Locks are held for a
		 * rename and an fsync or two, so a longer nap only adds
		 * latency (and a server's event loop waits here). */
		nap.tv_sec = 0;
		nap.tv_nsec = (delay_us + rand() % (delay_us + 1)) * 1000;
		nanosleep(&nap, NULL);
		if (delay_us < 3200)
			delay_us *= 2;
	}
	if (ret < 0) {
		buf_release(&lock_path);
		return ret;
	}
	lock_r->lock_path = buf_detach(&lock_path);
	return 0;
}

int dotlock_create(const char *path, const struct dotlock_settings *set,
		   struct dotlock *lock_r)
{
	return dotlock_take(path, set, true, lock_r);
}

int dotlock_try(const char *path, const struct dotlock_settings *set,
		struct dotlock *lock_r)
{
	return dotlock_take(path, set, false, lock_r);
}

static bool lock_is_ours(const struct dotlock *lock)
{
	struct stat st;

	return lstat(lock->lock_path, &st) == 0 && st.st_ino == lock->ino &&
	       st.st_dev == lock->dev;
}

int dotlock_touch(struct dotlock *lock)
{
	if (!lock_is_ours(lock))
		return -ESTALE;
	if (utimensat(AT_FDCWD, lock->lock_path, NULL, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	return 0;
}

int dotlock_delete(struct dotlock *lock)
{
	int ret = 0;

	if (lock->lock_path == NULL)
		return 0;
	if (!lock_is_ours(lock)) {
		log_warn("lock %s was overridden while we held it",
			 lock->lock_path);
		ret = -ESTALE;
	} else if (unlink(lock->lock_path) < 0) {
		ret = -errno;
	}
	free(lock->lock_path);
	lock->lock_path = NULL;
	return ret;
}
