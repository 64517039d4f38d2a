/*
 * Checking and repairing a mailbox: directories, tmp/ leftovers, stale
 * locks and folder names; see repair.h.  The messages of a folder (files,
 * dovecot-uidlist, mailtree.index) are in repair-folder.c.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mailbox.h"
#include "repair.h"
#include "repair-int.h"
#include "util.h"

/* The stale timeouts the writers of these locks use: dotlock.h for the
 * uidlist, mailbox.c for subscriptions and dovecot-uidvalidity. */
#define UIDLIST_LOCK_STALE_SECS 120
#define MAILBOX_LOCK_STALE_SECS 30

void repair_init(struct repair *r, bool fix,
		 void (*note)(void *, const char *, enum repair_note,
			      const char *),
		 void *ctx)
{
	memset(r, 0, sizeof(*r));
	r->fix = fix;
	r->now = time(NULL);
	r->note = note;
	r->ctx = ctx;
}

void repair_say(struct repair *r, const char *folder, enum repair_note kind,
		const char *fmt, ...)
{
	struct buf msg = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	if (kind == REPAIR_PROBLEM)
		r->problems++;
	else if (kind == REPAIR_FIXED)
		r->fixed++;
	if (r->note != NULL)
		r->note(r->ctx, folder, kind, msg.data);
	buf_release(&msg);
}

const char *repair_plural(unsigned long n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/* Is the owner of a lock alive?  1 yes, 0 no (a process of this host
 * that is gone), -1 cannot tell (another host, unreadable content). */
static int lock_owner_alive(const char *lock_path, long *pid_r)
{
	struct buf data = BUF_INIT;
	char host[256], *colon;
	uint32_t pid;
	int alive = -1;

	*pid_r = 0;
	if (read_file_small(lock_path, 512, &data) < 0)
		goto out;
	buf_truncate(&data, strcspn(data.data, "\n"));
	colon = strchr(data.data, ':');
	if (colon == NULL)
		goto out;
	*colon = '\0';
	if (gethostname(host, sizeof(host)) < 0)
		goto out;
	host[sizeof(host) - 1] = '\0';
	/* dovecot-uidlist.lock holds the plain host name, passwd.lock the
	 * Maildir form of it; either means this host. */
	if (strcmp(colon + 1, host) != 0 &&
	    strcmp(colon + 1, maildir_hostname()) != 0)
		goto out;
	if (parse_u32(data.data, &pid) < 0 || pid == 0 || pid > INT32_MAX)
		goto out;
	*pid_r = (long)pid;
	alive = kill((pid_t)pid, 0) == 0 || errno == EPERM;
out:
	buf_release(&data);
	return alive;
}

int repair_lock(struct repair *r, const char *folder, const char *lock_path,
		unsigned int stale_secs)
{
	const char *name = strrchr(lock_path, '/');
	struct stat st, again;
	long pid, age;
	int alive;

	name = name ? name + 1 : lock_path;
	if (lstat(lock_path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	age = (long)(r->now - st.st_mtime);
	alive = lock_owner_alive(lock_path, &pid);
	if (alive == 1) {
		if (age > (long)stale_secs)
			repair_say(r, folder, REPAIR_NOTE,
				   "%s is held by process %ld for %ld seconds",
				   name, pid, age);
		return 0;
	}
	if (age <= (long)stale_secs)
		return 0;
	if (alive == 0)
		repair_say(r, folder, REPAIR_PROBLEM,
			   "stale lock %s: process %ld is gone, %ld seconds ago",
			   name, pid, age);
	else
		repair_say(r, folder, REPAIR_PROBLEM,
			   "stale lock %s: untouched for %ld seconds", name,
			   age);
	if (!r->fix)
		return 0;
	/* Remove it only if it is still the lock judged stale. */
	if (lstat(lock_path, &again) < 0 || again.st_ino != st.st_ino ||
	    again.st_mtime != st.st_mtime)
		return 0;
	if (unlink(lock_path) < 0 && errno != ENOENT)
		return -errno;
	repair_say(r, folder, REPAIR_FIXED, "removed the stale lock %s", name);
	return 0;
}

/* cur/ new/ tmp/ and maildirfolder.  *usable_r says whether cur/ and new/
 * are there to be read. */
static int check_dirs(struct repair *r, const char *dir, const char *name,
		      bool subfolder, bool *usable_r)
{
	static const char *const subdirs[] = { "cur", "new", "tmp" };
	struct buf p = BUF_INIT;
	struct stat st;
	size_t i;
	int ret = 0, fd;

	*usable_r = true;
	for (i = 0; i < ARRAY_SIZE(subdirs) && ret == 0; i++) {
		buf_reset(&p);
		buf_printf(&p, "%s/%s", dir, subdirs[i]);
		if (stat(p.data, &st) == 0 && S_ISDIR(st.st_mode))
			continue;
		repair_say(r, name, REPAIR_PROBLEM, "%s/ is missing",
			   subdirs[i]);
		if (!r->fix) {
			if (i < 2)
				*usable_r = false;
			continue;
		}
		if (mkdir(p.data, 0700) < 0) {
			ret = -errno;
			log_error("%s: %s", p.data, strerror(errno));
			*usable_r = false;
			break;
		}
		ret = fsync_dir(dir);
		if (ret == 0)
			repair_say(r, name, REPAIR_FIXED, "created %s/",
				   subdirs[i]);
	}
	if (ret == 0 && subfolder) {
		buf_reset(&p);
		buf_printf(&p, "%s/maildirfolder", dir);
		if (stat(p.data, &st) < 0) {
			repair_say(r, name, REPAIR_PROBLEM,
				   "maildirfolder is missing");
			if (r->fix) {
				fd = open(p.data, O_WRONLY | O_CREAT | O_CLOEXEC,
					  0600);
				if (fd < 0) {
					ret = -errno;
				} else {
					close(fd);
					repair_say(r, name, REPAIR_FIXED,
						   "created maildirfolder");
				}
			}
		}
	}
	buf_release(&p);
	return ret;
}

/* A long-lived process's kept dot-lock inode (dotlock.h), named like a
 * Maildir file ending in ".lock". */
static bool is_lock_spare(const char *name)
{
	size_t len = strlen(name);

	return len > 5 && strcmp(name + len - 5, ".lock") == 0;
}

/* Files in tmp/: old ones are left over from crashes, new ones may be
 * deliveries in progress (or a daemon's lock inode). */
static int check_tmp(struct repair *r, const char *dir, const char *name)
{
	struct buf p = BUF_INIT;
	unsigned long stale = 0, removed = 0, fresh = 0;
	unsigned long long bytes = 0;
	struct dirent *de;
	struct stat st;
	DIR *d;
	int ret = 0;

	buf_printf(&p, "%s/tmp", dir);
	d = opendir(p.data);
	if (d == NULL) {
		ret = errno == ENOENT ? 0 : -errno;
		buf_release(&p);
		return ret;
	}
	while ((de = readdir(d)) != NULL) {
		time_t last;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    S_ISDIR(st.st_mode))
			continue;
		/* A writer keeps the file's mtime fresh; a reader its atime. */
		last = st.st_mtime > st.st_atime ? st.st_mtime : st.st_atime;
		if (r->now - last < REPAIR_TMP_STALE_SECS) {
			/* A daemon's lock inode (dotlock.h) is no delivery. */
			if (!is_lock_spare(de->d_name))
				fresh++;
			continue;
		}
		stale++;
		bytes += (unsigned long long)st.st_size;
		if (r->fix) {
			if (unlinkat(dirfd(d), de->d_name, 0) == 0)
				removed++;
			else if (errno != ENOENT && ret == 0)
				ret = -errno;
		}
	}
	closedir(d);
	if (stale > 0)
		repair_say(r, name, REPAIR_PROBLEM,
			   "%lu %s in tmp/ older than 36 hours (%llu bytes, "
			   "left by interrupted deliveries)", stale,
			   repair_plural(stale, "file", "files"), bytes);
	if (removed > 0)
		repair_say(r, name, REPAIR_FIXED, "deleted %lu %s from tmp/",
			   removed, repair_plural(removed, "file", "files"));
	if (fresh > 0)
		repair_say(r, name, REPAIR_NOTE,
			   "%lu %s in tmp/ newer than 36 hours left alone "
			   "(deliveries in progress)", fresh,
			   repair_plural(fresh, "file", "files"));
	if (ret == 0 && removed > 0)
		ret = fsync_dir(p.data);
	buf_release(&p);
	return ret;
}

int repair_folder(struct repair *r, const char *dir, const char *name,
		  bool subfolder)
{
	struct buf p = BUF_INIT;
	bool usable;
	int ret, err;

	ret = check_dirs(r, dir, name, subfolder, &usable);
	buf_printf(&p, "%s/" UIDLIST_NAME ".lock", dir);
	err = repair_lock(r, name, p.data, UIDLIST_LOCK_STALE_SECS);
	buf_release(&p);
	if (ret == 0)
		ret = err;
	err = check_tmp(r, dir, name);
	if (ret == 0)
		ret = err;
	if (usable) {
		err = repair_messages(r, dir, name);
		if (ret == 0)
			ret = err;
	}
	return ret;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int repair_mailbox(struct repair *r, const char *root)
{
	static const char *const locks[] = {
		"subscriptions.lock", "dovecot-uidvalidity.lock",
	};
	struct buf p = BUF_INIT, name = BUF_INIT;
	char **ents = NULL;
	size_t i, n = 0, cap = 0;
	struct dirent *de;
	struct stat st;
	DIR *d;
	int ret = 0, err;

	for (i = 0; i < ARRAY_SIZE(locks); i++) {
		buf_reset(&p);
		buf_printf(&p, "%s/%s", root, locks[i]);
		err = repair_lock(r, NULL, p.data, MAILBOX_LOCK_STALE_SECS);
		if (ret == 0)
			ret = err;
	}
	r->mailbox_root = root;
	err = repair_folder(r, root, "INBOX", false);
	if (ret == 0)
		ret = err;
	d = opendir(root);
	if (d == NULL) {
		err = -errno;
		r->mailbox_root = NULL;
		buf_release(&p);
		return ret ? ret : err;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] != '.' || strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, 0) < 0 ||
		    !S_ISDIR(st.st_mode))
			continue;
		ents = xgrow(ents, &cap, n + 1, sizeof(*ents));
		ents[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	/* Sorted, so the report reads in a stable order. */
	if (n > 0)
		qsort(ents, n, sizeof(*ents), cmp_str);
	for (i = 0; i < n; i++) {
		if (ents[i][1] == '.') {
			/* "..new.*" and "..trash.*": mailtree's own folder
			 * create and delete, interrupted or under way. */
			repair_say(r, ents[i], REPAIR_NOTE,
				   "not a folder: a folder create or delete "
				   "was interrupted or is under way; left alone");
		} else if (mailbox_dir_to_name(ents[i], &name) < 0) {
			repair_say(r, ents[i], REPAIR_PROBLEM,
				   "not a valid folder name (not modified "
				   "UTF-7); rename or remove it by hand");
		} else {
			buf_reset(&p);
			buf_printf(&p, "%s/%s", root, ents[i]);
			err = repair_folder(r, p.data, name.data, true);
			if (ret == 0)
				ret = err;
		}
		free(ents[i]);
	}
	free(ents);
	r->mailbox_root = NULL;
	buf_release(&p);
	buf_release(&name);
	return ret;
}
