/*
 * Dot-locks (fs/dotlock.c) on real files under $MAILTREE_TMP: the plain
 * O_EXCL lock, and the kept inode of a long-lived holder (struct
 * dotlock_spare): a first lock made the plain way, what others see of
 * the lock, that the inode is the same from one lock to the next, a spare removed by a tmp/ clean-up, a stale
 * lock of a dead process overridden, and the spare gone at the end.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "dotlock.h"
#include "util.h"
#include "../tap.h"
#include "files-test.h"

/* The lock's content is "<our pid>:<host>". */
static bool owned_by_us(const char *lock_path)
{
	struct buf data = BUF_INIT, want = BUF_INIT;
	char host[256];
	bool ret;

	if (gethostname(host, sizeof(host)) < 0)
		return false;
	host[sizeof(host) - 1] = '\0';
	buf_printf(&want, "%ld:%s", (long)getpid(), host);
	ret = read_file_small(lock_path, 1024, &data) == 0 &&
	      data.len == want.len && memcmp(data.data, want.data, want.len) == 0;
	buf_release(&data);
	buf_release(&want);
	return ret;
}

static void test_plain(const char *target, const char *lock_path)
{
	struct dotlock a = { 0 }, b = { 0 };

	is_int(dotlock_create(target, &dotlock_uidlist_settings, &a), 0,
	       "plain: lock taken");
	ok(owned_by_us(lock_path), "plain: the lock names us");
	is_int(dotlock_try(target, &dotlock_uidlist_settings, &b), -EAGAIN,
	       "plain: a second taker is refused while it is held");
	is_int(dotlock_delete(&a), 0, "plain: released");
	ok(access(lock_path, F_OK) < 0 && errno == ENOENT,
	   "plain: the lock file is gone");
}

static void test_spare(const char *target, const char *lock_path,
		       const char *spare_dir)
{
	struct dotlock_spare sp;
	struct dotlock a = { 0 }, b = { 0 };
	struct timespec old[2];
	struct stat st, st2;
	time_t now;
	ino_t first;

	dotlock_spare_init(&sp, spare_dir);
	is_int(dotlock_create_spare(target, &dotlock_uidlist_settings, &sp, &a),
	       0, "spare: the first lock taken");
	ok(lstat(lock_path, &st) == 0 && st.st_nlink == 1 &&
	   owned_by_us(lock_path), "spare: the first lock is a plain one");
	is_int(dotlock_delete(&a), 0, "spare: the first lock released");
	is_int(count_files(spare_dir), 0, "spare: nothing made for it");
	is_int(dotlock_create_spare(target, &dotlock_uidlist_settings, &sp, &a),
	       0, "spare: the second lock taken");
	now = time(NULL);
	ok(lstat(lock_path, &st) == 0 && st.st_nlink == 2,
	   "spare: the lock is a second name of the spare file");
	ok(owned_by_us(lock_path), "spare: the lock names us");
	ok(st.st_mtime >= now - 1, "spare: with a fresh mtime");
	is_int(dotlock_try(target, &dotlock_uidlist_settings, &b), -EAGAIN,
	       "spare: a plain taker is refused while it is held");
	first = st.st_ino;
	is_int(dotlock_delete(&a), 0, "spare: released");
	ok(access(lock_path, F_OK) < 0 && errno == ENOENT,
	   "spare: the lock name is gone");
	is_int(count_files(spare_dir), 1, "spare: the spare stays");

	/* An hour-old spare: the next lock must not look an hour old. */
	old[0].tv_sec = old[1].tv_sec = now - 3600;
	old[0].tv_nsec = old[1].tv_nsec = 0;
	utimensat(AT_FDCWD, sp.path, old, 0);
	is_int(dotlock_create_spare(target, &dotlock_uidlist_settings, &sp, &a),
	       0, "spare: locked again");
	ok(lstat(lock_path, &st2) == 0 && st2.st_ino == first,
	   "spare: the same inode as the first time");
	ok(st2.st_mtime >= now - 1, "spare: its mtime is now, not the spare's");
	is_int(dotlock_delete(&a), 0, "spare: released again");

	/* A Maildir tmp/ clean-up removed the spare. */
	unlink(sp.path);
	is_int(dotlock_create_spare(target, &dotlock_uidlist_settings, &sp, &a),
	       0, "spare: locked after the spare was removed");
	ok(lstat(lock_path, &st) == 0 && st.st_nlink == 2 && owned_by_us(lock_path),
	   "spare: through a new spare");
	is_int(dotlock_delete(&a), 0, "spare: released");
	is_int(count_files(spare_dir), 1, "spare: one spare, not two");

	/* A lock left by a process that died: overridden. */
	{
		struct buf data = BUF_INIT;
		char host[256];
		pid_t child = fork();

		if (child == 0)
			_exit(0);
		waitpid(child, NULL, 0);
		gethostname(host, sizeof(host));
		host[sizeof(host) - 1] = '\0';
		buf_printf(&data, "%ld:%s", (long)child, host);
		write_file_atomic(lock_path, data.data, data.len, 0600);
		old[0].tv_sec = old[1].tv_sec = now - 10;
		utimensat(AT_FDCWD, lock_path, old, 0);
		buf_release(&data);
	}
	is_int(dotlock_create_spare(target, &dotlock_uidlist_settings, &sp, &a),
	       0, "spare: a dead process's lock is overridden");
	ok(owned_by_us(lock_path), "spare: and the lock is ours");
	is_int(dotlock_delete(&a), 0, "spare: released");

	dotlock_spare_free(&sp);
	is_int(count_files(spare_dir), 0, "spare: removed at the end");
}

int main(void)
{
	char *tmp = tap_tmpdir("test-dotlock");
	struct buf target = BUF_INIT, lock_path = BUF_INIT, spare = BUF_INIT;

	buf_printf(&target, "%s/dovecot-uidlist", tmp);
	buf_printf(&lock_path, "%s.lock", target.data);
	buf_printf(&spare, "%s/tmp", tmp);
	if (mkdir(spare.data, 0700) < 0) {
		diag("cannot create %s", spare.data);
		return 1;
	}
	test_plain(target.data, lock_path.data);
	test_spare(target.data, lock_path.data, spare.data);
	buf_release(&target);
	buf_release(&lock_path);
	buf_release(&spare);
	free(tmp);
	return done_testing();
}
