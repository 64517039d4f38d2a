/*
 * Changing the passwd file: a dot-lock, then a rewrite that touches only
 * the lines of one user; see passwd.h.
 */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "passwd.h"
#include "util.h"

struct passwd_lock {
	char *path;
	dev_t dev;
	ino_t ino;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * Decides whether the existing lock file is stale.  Its content is
 * "pid:hostname"; an owner on this host can be asked with kill(pid, 0).
 */
static int lock_is_stale(const char *lock_path, const struct stat *st)
{
	struct buf content = BUF_INIT;
	const char *colon;
	uint32_t pid = 0;
	int stale = -1;

	if (read_file_small(lock_path, 512, &content) == 0) {
		buf_truncate(&content, strcspn(content.data, "\n"));
		colon = strchr(content.data, ':');
		if (colon != NULL &&
		    strcmp(colon + 1, maildir_hostname()) == 0) {
			content.data[colon - content.data] = '\0';
			if (parse_u32(content.data, &pid) == 0 && pid > 0 &&
			    pid <= INT32_MAX)
				stale = kill((pid_t)pid, 0) < 0 &&
					errno == ESRCH;
		}
	}
	buf_release(&content);
	/* Owner unknown: another host, or a lock still being written. */
	if (stale < 0)
		stale = time(NULL) - st->st_mtime > PASSWD_LOCK_STALE_SECS;
	return stale;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int passwd_lock(const char *path, unsigned int timeout_ms,
		struct passwd_lock **lock_r)
{
	struct buf lock_path = BUF_INIT, content = BUF_INIT;
	uint64_t deadline = now_ms() + timeout_ms;
	struct passwd_lock *lock;
	struct stat st, again;
	int fd, ret;

	*lock_r = NULL;
	buf_printf(&lock_path, "%s.lock", path);
	buf_printf(&content, "%ld:%s\n", (long)getpid(), maildir_hostname());
	for (;;) {
		fd = open(lock_path.data,
			  O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd >= 0)
			break;
		if (errno != EEXIST) {
			ret = -errno;
			goto fail;
		}
		if (lstat(lock_path.data, &st) < 0) {
			if (errno == ENOENT)
				continue;	/* just released */
			ret = -errno;
			goto fail;
		}
		/*
		 * Remove a stale lock only if it is still the same file, so a
		 * lock that a faster process just took is left alone.
		 */
		if (lock_is_stale(lock_path.data, &st)) {
			if (lstat(lock_path.data, &again) == 0 &&
			    again.st_ino == st.st_ino &&
			    again.st_dev == st.st_dev) {
				log_warn("%s: removing stale lock",
					 lock_path.data);
				unlink(lock_path.data);
			}
			continue;
		}
		if (now_ms() >= deadline) {
			ret = -ETIMEDOUT;
			goto fail;
		}
		sleep_ms(20 + (unsigned int)(rand() % 80));
	}
	ret = write_full(fd, content.data, content.len);
	if (ret == 0 && fstat(fd, &st) < 0)
		ret = -errno;
	close(fd);
	if (ret < 0) {
		unlink(lock_path.data);
		goto fail;
	}
	lock = xcalloc(1, sizeof(*lock));
	lock->path = buf_detach(&lock_path);
	lock->dev = st.st_dev;
	lock->ino = st.st_ino;
	*lock_r = lock;
	buf_release(&content);
	return 0;
fail:
	buf_release(&lock_path);
	buf_release(&content);
	return ret;
}

void passwd_unlock(struct passwd_lock **lockp)
{
	struct passwd_lock *lock = *lockp;
	struct stat st;

	if (lock == NULL)
		return;
	/* Someone who judged our lock stale may have replaced it. */
	if (lstat(lock->path, &st) == 0 && st.st_ino == lock->ino &&
	    st.st_dev == lock->dev)
		unlink(lock->path);
	else
		log_warn("%s: lock was taken over while held", lock->path);
	free(lock->path);
	free(lock);
	*lockp = NULL;
}

/*
 * What to do with the lines of the user concerned.  ADD only checks that
 * there are none.
 */
enum edit_op { EDIT_ADD, EDIT_DELETE, EDIT_SET_PASSWORD };

/* The length of the field at `s`, which ends at ':' or after `len`. */
static size_t field_len(const char *s, size_t len)
{
	const char *colon = memchr(s, ':', len);

	return colon ? (size_t)(colon - s) : len;
}

/* The user name of a line: up to the first ':' or the end of the line.
 * Comments have none. */
static int line_is_user(const char *line, size_t len, const char *user)
{
	size_t ulen = strlen(user), n;

	if (len > 0 && line[len - 1] == '\n')
		len--;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len == 0 || line[0] == '#')
		return 0;
	n = field_len(line, len);
	return n == ulen && memcmp(line, user, ulen) == 0;
}

/* Copies one line of `user` with its password field replaced. */
static void put_with_password(struct buf *out, const char *line, size_t len,
			      const char *password)
{
	size_t end = len, name_end, pw_end;

	if (end > 0 && line[end - 1] == '\n')
		end--;
	if (end > 0 && line[end - 1] == '\r')
		end--;
	name_end = field_len(line, end);
	if (name_end == end) {
		/* "user" alone: add the field. */
		buf_append(out, line, end);
		buf_putc(out, ':');
		buf_puts(out, password);
		buf_append(out, line + end, len - end);
		return;
	}
	pw_end = name_end + 1 + field_len(line + name_end + 1,
					 end - name_end - 1);
	buf_append(out, line, name_end + 1);
	buf_puts(out, password);
	buf_append(out, line + pw_end, len - pw_end);
}

static int edit(const char *path, const char *user, enum edit_op op,
		const char *text)
{
	struct buf old = BUF_INIT, new = BUF_INIT;
	struct passwd_lock *lock;
	struct stat st;
	mode_t mode = 0600;
	size_t pos, matched = 0;
	int ret;

	ret = passwd_lock(path, PASSWD_LOCK_TIMEOUT_MS, &lock);
	if (ret < 0)
		return ret;
	ret = read_file_small(path, PASSWD_MAX_FILE, &old);
	if (ret == -ENOENT && op == EDIT_ADD)
		ret = 0;
	if (ret < 0)
		goto out;
	if (stat(path, &st) == 0)
		mode = st.st_mode & 07777;

	for (pos = 0; pos < old.len;) {
		const char *line = old.data + pos;
		const char *nl = memchr(line, '\n', old.len - pos);
		size_t len = nl ? (size_t)(nl - line) + 1 : old.len - pos;

		pos += len;
		if (!line_is_user(line, len, user)) {
			buf_append(&new, line, len);
			continue;
		}
		matched++;
		if (op == EDIT_SET_PASSWORD)
			put_with_password(&new, line, len, text);
		else if (op == EDIT_ADD)
			break;
		/* EDIT_DELETE: leave the line out. */
	}
	if (op == EDIT_ADD && matched > 0) {
		ret = -EEXIST;
		goto out;
	}
	if (op != EDIT_ADD && matched == 0) {
		ret = -ENOENT;
		goto out;
	}
	if (op == EDIT_ADD) {
		if (new.len > 0 && new.data[new.len - 1] != '\n')
			buf_putc(&new, '\n');
		buf_puts(&new, text);
	}
	ret = write_file_atomic(path, new.data, new.len, mode);
out:
	passwd_unlock(&lock);
	explicit_bzero(old.data, old.len);
	explicit_bzero(new.data, new.len);
	buf_release(&old);
	buf_release(&new);
	return ret;
}

/* A field must not break the line or the field structure. */
static int field_ok(const char *s, const char *forbidden)
{
	return s == NULL || strpbrk(s, forbidden) == NULL;
}

int passwd_add(const char *path, const struct passwd_entry *e)
{
	struct buf line = BUF_INIT;
	int ret;

	if (!passwd_user_name_valid(e->name, NULL))
		return -EINVAL;
	if (!field_ok(e->password, ":\r\n") || !field_ok(e->gecos, ":\r\n") ||
	    !field_ok(e->home, ":\r\n") || !field_ok(e->shell, ":\r\n") ||
	    !field_ok(e->extra, "\r\n"))
		return -EINVAL;
	buf_printf(&line, "%s:%s:", e->name, e->password ? e->password : "");
	if (e->uid != 0)
		buf_printf(&line, "%lu", (unsigned long)e->uid);
	buf_putc(&line, ':');
	if (e->gid != 0)
		buf_printf(&line, "%lu", (unsigned long)e->gid);
	buf_printf(&line, ":%s:%s:%s", e->gecos ? e->gecos : "",
		   e->home ? e->home : "", e->shell ? e->shell : "");
	if (e->extra != NULL && e->extra[0] != '\0')
		buf_printf(&line, ":%s", e->extra);
	buf_putc(&line, '\n');
	ret = edit(path, e->name, EDIT_ADD, line.data);
	explicit_bzero(line.data, line.len);
	buf_release(&line);
	return ret;
}

int passwd_delete(const char *path, const char *user)
{
	if (!passwd_user_name_valid(user, NULL))
		return -EINVAL;
	return edit(path, user, EDIT_DELETE, NULL);
}

int passwd_set_password(const char *path, const char *user,
			const char *password)
{
	if (!passwd_user_name_valid(user, NULL) ||
	    !field_ok(password, ":\r\n") || password[0] == '\0')
		return -EINVAL;
	return edit(path, user, EDIT_SET_PASSWORD, password);
}
