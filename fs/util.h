#ifndef MAILTREE_UTIL_H
#define MAILTREE_UTIL_H

/*
 * Small pieces every part of mailtree uses: allocation that cannot fail,
 * logging, and the file-system primitives the store's durability rests on.
 *
 * Functions that can fail return 0 on success or a negative errno.
 */

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
/* Grows an array of `*cap` elements of `size` bytes to hold `need`. */
void *xgrow(void *p, size_t *cap, size_t need, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* Logging.  Messages go to stderr prefixed with the program name, or to
 * syslog after log_use_syslog(). */
void log_set_progname(const char *name);
const char *log_progname(void);
void log_use_syslog(void);
void log_set_quiet(int quiet);
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* For broken invariants and allocation failure only, never for bad input. */
void fatal(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

/* snprintf that returns -ENAMETOOLONG instead of truncating. */
int xsnprintf(char *dst, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* write() all of it, retrying on EINTR and short writes. */
int write_full(int fd, const void *data, size_t len);
/* read() until `len` bytes or EOF; stores the count in *got_r. */
int read_full(int fd, void *data, size_t len, size_t *got_r);
/* pread() until `len` bytes or end of file.  Returns the count read
 * (short only at end of file) or a negative errno. */
ssize_t pread_full(int fd, void *data, size_t len, uint64_t off);
/* Receives the bytes fd_copy() reads; a negative errno stops the copy. */
typedef int fd_sink(void *ctx, const void *data, size_t len);
/* Reads fd to its end in 64 KiB chunks, handing each to sink.  Returns 0,
 * a read error, or the sink's error. */
int fd_copy(int fd, fd_sink *sink, void *ctx);
/* Copies what is left of fd into a new file at path (O_EXCL), gives it the
 * mtime and fsync()s it; on failure removes it.  progress, when not NULL,
 * is called with each chunk's size. */
int file_write_durable(int fd, const char *path, time_t mtime,
		       void (*progress)(void *ctx, size_t len), void *ctx);
/* Whether path is on a file system that other hosts change behind this
 * kernel's back (NFS, Ceph, SMB, FUSE): inotify does not see their
 * changes there, and a file another process unlinked may live on under
 * another name.  True when it cannot tell. */
bool fs_is_shared(const char *path);
/* fsync() the directory that holds a name, so a rename or create in it is
 * durable. */
int fsync_dir(const char *dir);
/* Writes a small file atomically: temp file, fsync, rename, fsync dir.
 * An existing file's owner and mode are kept (`mode` is for new files). */
int write_file_atomic(const char *path, const void *data, size_t len,
		      mode_t mode);
/* Reads a whole small file (at most `max` bytes, else -EFBIG). */
struct buf;
int read_file_small(const char *path, size_t max, struct buf *out);
int mkdir_p(const char *path, mode_t mode);
/* Makes root's process the user uid/gid for good, with no supplementary
 * groups: what a store's owner may do, and no more.  0 or -errno. */
int become_user(uid_t uid, gid_t gid);
/* Run by root, becomes the owner of path (its uid and gid) unless that
 * is root; *uid_r is the uid taken, 0 when nothing changed (not root, no
 * such path, a root-owned one).  0 or -errno. */
int become_owner(const char *path, uid_t *uid_r);
/* rm -r; returns 0 if the path did not exist. */
int remove_tree(const char *path);

/* This host's name with '/' and ':' replaced, as Maildir file names need. */
const char *maildir_hostname(void);

/* Parses a decimal unsigned number; the whole string must be digits. */
int parse_u64(const char *s, uint64_t *val_r);
int parse_u32(const char *s, uint32_t *val_r);

#endif
