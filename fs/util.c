/* Allocation, logging and durable file primitives; see util.h. */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <syslog.h>
#include <sys/types.h>
#include <unistd.h>

#include "buf.h"
#include "util.h"

#ifndef CEPH_SUPER_MAGIC
#define CEPH_SUPER_MAGIC 0x00c36400
#endif
#ifndef FUSE_SUPER_MAGIC
#define FUSE_SUPER_MAGIC 0x65735546
#endif
#ifndef CIFS_SUPER_MAGIC
#define CIFS_SUPER_MAGIC 0xff534d42
#endif
#ifndef SMB2_SUPER_MAGIC
#define SMB2_SUPER_MAGIC 0xfe534d42
#endif

static const char *progname = "mailtree";
static int use_syslog;
static int quiet;

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		fatal("out of memory allocating %zu bytes", n);
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		fatal("out of memory allocating %zu x %zu bytes", n, size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (p == NULL)
		fatal("out of memory allocating %zu bytes", n);
	return p;
}

void *xgrow(void *p, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap;

	if (need <= n)
		return p;
	if (n < 8)
		n = 8;
	while (n < need) {
		if (n > SIZE_MAX / 2 / size)
			fatal("array size overflow");
		n *= 2;
	}
	*cap = n;
	return xrealloc(p, n * size);
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void log_set_progname(const char *name)
{
	const char *slash = strrchr(name, '/');

	progname = slash ? slash + 1 : name;
}

const char *log_progname(void)
{
	return progname;
}

void log_use_syslog(void)
{
	openlog(progname, LOG_PID | LOG_NDELAY, LOG_MAIL);
	use_syslog = 1;
}

void log_set_quiet(int q)
{
	quiet = q;
}

static void logv(int prio, const char *fmt, va_list ap)
{
	struct buf line = BUF_INIT;

	if (use_syslog) {
		vsyslog(prio, fmt, ap);
		return;
	}
	if (prio == LOG_INFO && quiet)
		return;
	/* One write per line: the daemon logs from several threads, and
	 * their lines must not interleave. */
	buf_printf(&line, "%s: ", progname);
	buf_vprintf(&line, fmt, ap);
	buf_putc(&line, '\n');
	fwrite(line.data, 1, line.len, stderr);
	buf_release(&line);
}

void log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	logv(LOG_INFO, fmt, ap);
	va_end(ap);
}

void log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	logv(LOG_WARNING, fmt, ap);
	va_end(ap);
}

void log_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	logv(LOG_ERR, fmt, ap);
	va_end(ap);
}

void fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	logv(LOG_CRIT, fmt, ap);
	va_end(ap);
	abort();
}

int xsnprintf(char *dst, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(dst, size, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n >= size)
		return -ENAMETOOLONG;
	return 0;
}

int write_full(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -ENOSPC;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* read() (off < 0) or pread() from off until `len` bytes or end of file:
 * the count read, or a negative errno. */
static ssize_t read_until(int fd, void *data, size_t len, int64_t off)
{
	char *p = data;
	size_t got = 0;

	while (got < len) {
		ssize_t n = off < 0 ? read(fd, p + got, len - got) :
			    pread(fd, p + got, len - got,
				  (off_t)(off + (int64_t)got));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

int read_full(int fd, void *data, size_t len, size_t *got_r)
{
	ssize_t n = read_until(fd, data, len, -1);

	if (n < 0)
		return (int)n;
	*got_r = (size_t)n;
	return 0;
}

ssize_t pread_full(int fd, void *data, size_t len, uint64_t off)
{
	return read_until(fd, data, len, (int64_t)off);
}

int fd_copy(int fd, fd_sink *sink, void *ctx)
{
	char *chunk = xmalloc(65536);
	int ret = 0;

	for (;;) {
		ssize_t n = read(fd, chunk, 65536);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n < 0)
				ret = -errno;
			break;
		}
		ret = sink(ctx, chunk, (size_t)n);
		if (ret < 0)
			break;
	}
	free(chunk);
	return ret;
}

struct durable_sink {
	int out;
	void (*progress)(void *ctx, size_t len);
	void *ctx;
};

static int durable_write(void *ctx, const void *data, size_t len)
{
	struct durable_sink *d = ctx;
	int ret = write_full(d->out, data, len);

	if (ret == 0 && d->progress != NULL)
		d->progress(d->ctx, len);
	return ret;
}

int file_write_durable(int fd, const char *path, time_t mtime,
		       void (*progress)(void *ctx, size_t len), void *ctx)
{
	struct durable_sink d = { -1, progress, ctx };
	struct timespec ts[2];
	int ret;

	d.out = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (d.out < 0)
		return -errno;
	ret = fd_copy(fd, durable_write, &d);
	ts[0].tv_sec = ts[1].tv_sec = mtime;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	if (ret == 0 && futimens(d.out, ts) < 0)
		ret = -errno;
	if (ret == 0 && fsync(d.out) < 0)
		ret = -errno;
	if (close(d.out) < 0 && ret == 0)
		ret = -errno;
	if (ret < 0)
		unlink(path);
	return ret;
}

int fsync_dir(const char *dir)
{
	int fd, ret = 0;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0 && errno != EINVAL)
		ret = -errno;
	close(fd);
	return ret;
}

int write_file_atomic(const char *path, const void *data, size_t len,
		      mode_t mode)
{
	static unsigned long counter;
	struct buf tmp = BUF_INIT, dir = BUF_INIT;
	const char *slash;
	int fd, ret;

	/* Unique per thread too: two threads of the daemon may replace
	 * the same file at once. */
	buf_printf(&tmp, "%s.tmp.%ld.%lu", path, (long)getpid(),
		   __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED));
	fd = open(tmp.data, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0) {
		ret = -errno;
		goto out;
	}
	/* A replaced file keeps its owner and mode: root editing a file that
	 * belongs to the mail user must not take it away from that user. */
	struct stat old;
	ret = 0;
	if (stat(path, &old) == 0) {
		if (fchmod(fd, old.st_mode & 07777) < 0)
			ret = -errno;
		if (ret == 0 && (old.st_uid != geteuid() || old.st_gid != getegid()) &&
		    fchown(fd, old.st_uid, old.st_gid) < 0 && errno != EPERM)
			ret = -errno;
	}
	if (ret == 0)
		ret = write_full(fd, data, len);
	if (ret == 0 && fsync(fd) < 0)
		ret = -errno;
	if (close(fd) < 0 && ret == 0)
		ret = -errno;
	if (ret == 0 && rename(tmp.data, path) < 0)
		ret = -errno;
	if (ret < 0) {
		unlink(tmp.data);
		goto out;
	}
	slash = strrchr(path, '/');
	if (slash == NULL)
		buf_set(&dir, ".");
	else
		buf_append(&dir, path, slash == path ? 1 : (size_t)(slash - path));
	ret = fsync_dir(dir.data);
out:
	buf_release(&tmp);
	buf_release(&dir);
	return ret;
}

int read_file_small(const char *path, size_t max, struct buf *out)
{
	char chunk[8192];
	int fd, ret = 0;

	buf_reset(out);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			break;
		}
		if (n == 0)
			break;
		if (out->len + (size_t)n > max) {
			ret = -EFBIG;
			break;
		}
		buf_append(out, chunk, (size_t)n);
	}
	close(fd);
	return ret;
}

int become_user(uid_t uid, gid_t gid)
{
	if (setgroups(0, NULL) < 0 || setresgid(gid, gid, gid) < 0 ||
	    setresuid(uid, uid, uid) < 0)
		return -errno;
	return 0;
}

int become_owner(const char *path, uid_t *uid_r)
{
	struct stat st;

	*uid_r = 0;
	if (geteuid() != 0 || stat(path, &st) < 0 || st.st_uid == 0)
		return 0;
	*uid_r = st.st_uid;
	return become_user(st.st_uid, st.st_gid);
}

int mkdir_p(const char *path, mode_t mode)
{
	struct buf p = BUF_INIT;
	size_t i;
	int ret = 0;

	buf_set(&p, path);
	for (i = 1; i <= p.len; i++) {
		if (p.data[i] != '/' && p.data[i] != '\0')
			continue;
		p.data[i] = '\0';
		if (mkdir(p.data, mode) < 0 && errno != EEXIST) {
			ret = -errno;
			break;
		}
		if (i < p.len)
			p.data[i] = '/';
	}
	buf_release(&p);
	return ret;
}

int remove_tree(const char *path)
{
	struct buf child = BUF_INIT;
	struct dirent *de;
	struct stat st;
	DIR *d;
	int ret = 0;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISDIR(st.st_mode))
		return unlink(path) < 0 && errno != ENOENT ? -errno : 0;
	d = opendir(path);
	if (d == NULL)
		return -errno;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		buf_reset(&child);
		buf_printf(&child, "%s/%s", path, de->d_name);
		ret = remove_tree(child.data);
		if (ret < 0)
			break;
	}
	closedir(d);
	buf_release(&child);
	if (ret == 0 && rmdir(path) < 0 && errno != ENOENT)
		ret = -errno;
	return ret;
}

const char *maildir_hostname(void)
{
	static char host[256];
	char raw[256];
	size_t i, o = 0;

	if (host[0] != '\0')
		return host;
	if (gethostname(raw, sizeof(raw)) < 0 || raw[0] == '\0')
		strncpy(raw, "localhost", sizeof(raw));
	raw[sizeof(raw) - 1] = '\0';
	/* The Maildir convention: '/' becomes \057 and ':' becomes \072. */
	for (i = 0; raw[i] != '\0' && o + 5 < sizeof(host); i++) {
		if (raw[i] == '/' || raw[i] == ':' || raw[i] == ',') {
			int n = snprintf(host + o, sizeof(host) - o, "\\%03o",
					 (unsigned char)raw[i]);
			o += (size_t)n;
		} else {
			host[o++] = raw[i];
		}
	}
	host[o] = '\0';
	return host;
}

int parse_u64(const char *s, uint64_t *val_r)
{
	uint64_t v = 0;

	if (*s == '\0')
		return -EINVAL;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		if (v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*val_r = v;
	return 0;
}

int parse_u32(const char *s, uint32_t *val_r)
{
	uint64_t v;
	int ret = parse_u64(s, &v);

	if (ret < 0)
		return ret;
	if (v > UINT32_MAX)
		return -ERANGE;
	*val_r = (uint32_t)v;
	return 0;
}

bool fs_is_shared(const char *path)
{
	struct statfs sf;

	if (statfs(path, &sf) < 0)
		return true;
	switch ((unsigned long)sf.f_type) {
	case NFS_SUPER_MAGIC:
	case CEPH_SUPER_MAGIC:
	case FUSE_SUPER_MAGIC:
	case CIFS_SUPER_MAGIC:
	case SMB2_SUPER_MAGIC:
	case SMB_SUPER_MAGIC:
		return true;
	default:
		return false;
	}
}
