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

/* The lock is held by someone: overrides it when stale.  Returns -EAGAIN
 * either way (the caller tries again). */
static int lock_held(const char *path, const char *lock_path,
		     const struct dotlock_settings *set)
{
	struct stat st, again;

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

static int lock_link(const char *lock_path, const char *owner,
		     struct dotlock_spare *sp, struct dotlock *lock);

/*
 * Creates the lock file with O_EXCL, which fails with EEXIST when the lock
 * is held, then writes the owner ("pid:host") into it, as Dovecot does
 * with dotlock_use_excl (its default).  O_EXCL is atomic on local file
 * systems and on NFS v3 and later.  A process that dies between the
 * create and the write leaves an empty lock: it has no owner to check,
 * so it is judged stale by its age (set->stale_secs) alone.  Earlier
 * versions wrote a temporary file and link()ed it, which costs two more
 * inodes per lock; on a busy server that was most of the work of taking
 * a lock.  A long-lived holder keeps one inode instead (struct
 * dotlock_spare, lock_link()).
 */
static int lock_once(const char *path, const char *lock_path,
		     const struct dotlock_settings *set,
		     struct dotlock_spare *sp, struct dotlock *lock)
{
	char host[256], data[320];
	struct stat st;
	int fd, ret;

	if (gethostname(host, sizeof(host)) < 0)
		host[0] = '\0';
	host[sizeof(host) - 1] = '\0';
	ret = xsnprintf(data, sizeof(data), "%ld:%s", (long)getpid(), host);
	if (ret < 0)
		return ret;
	if (sp != NULL && sp->dir != NULL) {
		ret = lock_link(lock_path, data, sp, lock);
		if (ret == -EEXIST)
			return lock_held(path, lock_path, set);
		if (ret != -ENOTSUP)
			return ret;
		dotlock_spare_free(sp);	/* the plain way from now on */
	}
	fd = open(lock_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno == EEXIST ? lock_held(path, lock_path, set) :
					 -errno;
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

void dotlock_spare_init(struct dotlock_spare *sp, const char *dir)
{
	memset(sp, 0, sizeof(*sp));
	sp->fd = -1;
	sp->dir = xstrdup(dir);
}

/* Removes the spare file, if one was made (sp->fd is open exactly
 * while sp->path is set). */
static void spare_drop(struct dotlock_spare *sp)
{
	struct stat st;

	if (sp->path == NULL)
		return;
	/* Ours only if it is still the file we made. */
	if (lstat(sp->path, &st) == 0 && st.st_ino == sp->ino &&
	    st.st_dev == sp->dev)
		unlink(sp->path);
	free(sp->path);
	sp->path = NULL;
	close(sp->fd);
	sp->fd = -1;
}

void dotlock_spare_free(struct dotlock_spare *sp)
{
	spare_drop(sp);
	free(sp->dir);
	sp->dir = NULL;
}

/* Makes the spare holding the owner, as a Maildir tmp/ file name. */
static int spare_make(struct dotlock_spare *sp, const char *owner)
{
	static unsigned int counter;
	struct buf path = BUF_INIT;
	struct timespec ts;
	struct stat st;
	int fd, ret;

	clock_gettime(CLOCK_REALTIME, &ts);
	buf_printf(&path, "%s/%lld.M%ldP%ldQ%u.lock", sp->dir,
		   (long long)ts.tv_sec, ts.tv_nsec / 1000, (long)getpid(),
		   __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED));
	fd = open(path.data, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		ret = -errno;
		buf_release(&path);
		return ret;
	}
	ret = write_full(fd, owner, strlen(owner));
	if (ret == 0 && fstat(fd, &st) < 0)
		ret = -errno;
	if (ret < 0) {
		close(fd);
		unlink(path.data);
		buf_release(&path);
		return ret;
	}
	sp->path = buf_detach(&path);
	sp->fd = fd;
	sp->dev = st.st_dev;
	sp->ino = st.st_ino;
	return 0;
}

/* Takes the lock by linking the spare: 0, -EEXIST when it is held,
 * -ENOTSUP when this file system will not do it this way, or another
 * negative errno. */
static int lock_link(const char *lock_path, const char *owner,
		     struct dotlock_spare *sp, struct dotlock *lock)
{
	int attempt;

	for (attempt = 0; attempt < 2; attempt++) {
		struct stat st;
		int ret;

		if (sp->path == NULL && (ret = spare_make(sp, owner)) < 0)
			return ret == -ENOENT ? -ENOTSUP : ret;
		/* Others judge a lock's age by its mtime. */
		if (futimens(sp->fd, NULL) < 0)
			return -errno;
		if (link(sp->path, lock_path) == 0) {
			lock->dev = sp->dev;
			lock->ino = sp->ino;
			return 0;
		}
		ret = -errno;
		if (ret == -EEXIST)
			return ret;
		if (ret == -EPERM || ret == -EMLINK || ret == -EXDEV ||
		    ret == -ENOTSUP)
			return -ENOTSUP;
		if (ret != -ENOENT)
			return ret;
		/* The spare went (a tmp/ clean-up), or the lock's directory
		 * did: make a new spare once, then give up. */
		if (lstat(sp->path, &st) == 0 && st.st_ino == sp->ino)
			return ret;
		spare_drop(sp);
	}
	return -ENOENT;
}

void lock_wait_init(struct lock_wait *w, unsigned int timeout_secs)
{
	clock_gettime(CLOCK_MONOTONIC, &w->start);
	w->delay_us = 100;
	w->timeout_secs = timeout_secs;
}

bool lock_wait_nap(struct lock_wait *w)
{
	struct timespec now, nap;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec - w->start.tv_sec >= (time_t)w->timeout_secs)
		return false;
	nap.tv_sec = 0;
	nap.tv_nsec = (w->delay_us + rand() % (w->delay_us + 1)) * 1000;
	nanosleep(&nap, NULL);
	if (w->delay_us < 3200)
		w->delay_us *= 2;
	return true;
}

static int dotlock_take(const char *path, const struct dotlock_settings *set,
			bool wait, struct dotlock_spare *sp,
			struct dotlock *lock_r)
{
	struct buf lock_path = BUF_INIT;
	struct lock_wait lw;
	int ret;

	buf_printf(&lock_path, "%s.lock", path);
	lock_wait_init(&lw, set->timeout_secs);
	if (sp != NULL && sp->taken++ == 0)
		sp = NULL;	/* see dotlock_spare_init() */
	for (;;) {
		ret = lock_once(path, lock_path.data, set, sp, lock_r);
		if (ret != -EAGAIN || !wait || !lock_wait_nap(&lw))
			break;
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
	return dotlock_take(path, set, true, NULL, lock_r);
}

int dotlock_create_spare(const char *path, const struct dotlock_settings *set,
			 struct dotlock_spare *sp, struct dotlock *lock_r)
{
	return dotlock_take(path, set, true, sp, lock_r);
}

int dotlock_try(const char *path, const struct dotlock_settings *set,
		struct dotlock *lock_r)
{
	return dotlock_take(path, set, false, NULL, lock_r);
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
