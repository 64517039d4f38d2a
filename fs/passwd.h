#ifndef MAILTREE_PASSWD_H
#define MAILTREE_PASSWD_H

/*
 * The store's users: the file `passwd` at the store root, in Dovecot's
 * passwd-file format, so an existing Dovecot file can be used as it is:
 *
 *   user:password:uid:gid:gecos:home:shell:extra_fields
 *
 * Only the user name is required.  Empty and missing fields are allowed.
 * Lines starting with '#' and blank lines are comments.  The password
 * starts with a {SCHEME} prefix; without one it is a crypt(3) string.
 * Everything after the shell field is a space-separated list of extra
 * fields (userdb_mail=..., quota_rule=..., nopassword, ...).
 *
 * Where mailtree is stricter than Dovecot: a user name must be usable as
 * a directory name (passwd_user_name_valid()), and uid and gid must be
 * numbers other than 0 (Dovecot would look up a system user name).  A line
 * that breaks these rules is skipped and reported with its line number;
 * the other users still work, as in Dovecot.
 *
 * Functions return 0 (or a documented value) on success and a negative
 * errno on failure.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct buf;

#define PASSWD_MAX_LINE		8192	/* bytes, without newline */
#define PASSWD_MAX_USERS	1000000
#define PASSWD_MAX_NAME		255
#define PASSWD_MAX_ERRORS	100	/* kept; more are counted */
#define PASSWD_MAX_FILE		(256u * 1024 * 1024) /* to rewrite */
#define PASSWD_DEFAULT_SCHEME	"SHA512-CRYPT"
#define PASSWD_LOCK_TIMEOUT_MS	10000
#define PASSWD_LOCK_STALE_SECS	60

/*
 * One user.  In an entry from a parsed file, the strings are never NULL
 * ("" when the field is empty or missing) and stay valid until the
 * passwd_db is freed.  A uid or gid of 0 means "not given".
 */
struct passwd_entry {
	const char *name;
	const char *password;	/* as stored, with its {SCHEME} prefix */
	uint32_t uid, gid;
	const char *gecos;
	const char *home;
	const char *shell;
	const char *extra;	/* space-separated extra fields */
	unsigned int line;	/* 1-based line number in the file */
};

struct passwd_db;

/*
 * Parsing.  The parser streams: feed it any number of chunks, then call
 * passwd_finish().  Bad lines are recorded, not fatal.  passwd_feed() and
 * passwd_finish() fail only with -EFBIG, for more than PASSWD_MAX_USERS
 * users; the database then stays unusable.
 */
struct passwd_db *passwd_new(void);
int passwd_feed(struct passwd_db *db, const void *data, size_t len);
int passwd_finish(struct passwd_db *db);
/* The whole of a memory buffer, a stdio stream, a descriptor (read to
 * its end) or a file. */
int passwd_parse(const void *data, size_t len, struct passwd_db **db_r);
int passwd_parse_stream(FILE *f, struct passwd_db **db_r);
int passwd_read_fd(int fd, struct passwd_db **db_r);
int passwd_open(const char *path, struct passwd_db **db_r);
void passwd_free(struct passwd_db **db);

/* Exact, case-sensitive match (Dovecot's default); NULL if unknown. */
const struct passwd_entry *passwd_lookup(const struct passwd_db *db,
					 const char *user);
/* The users in file order, i < passwd_count(). */
size_t passwd_count(const struct passwd_db *db);
const struct passwd_entry *passwd_entry_at(const struct passwd_db *db,
					   size_t i);
/*
 * Bad lines: how many there were, and the first PASSWD_MAX_ERRORS of
 * them as "line N: reason" (i < passwd_error_count(), else NULL).
 */
size_t passwd_error_count(const struct passwd_db *db);
const char *passwd_error_at(const struct passwd_db *db, size_t i);

/*
 * Returns 1 if `name` can be a user name, else 0 with *why_r (if not NULL)
 * set to a static sentence.  Names become directory names, so refused are:
 * empty, longer than PASSWD_MAX_NAME bytes, containing ':', '/', control
 * characters, whitespace or "..", or starting with '.', '-' or '#'.
 */
int passwd_user_name_valid(const char *name, const char **why_r);

/*
 * Password schemes (passwd-scheme.c).
 *
 * passwd_hash() appends "{SCHEME}hash" for `password` to `out`.  `scheme`
 * NULL means PASSWD_DEFAULT_SCHEME.  It can write SHA512-CRYPT,
 * SHA256-CRYPT, BLF-CRYPT, SSHA, SSHA256, SSHA512, and PLAIN or CLEARTEXT
 * when asked by name; an optional ".B64" or ".HEX" suffix picks the
 * encoding.  Returns -ENOTSUP for an unknown scheme or one that is only
 * verified (CRYPT, MD5-CRYPT, SHA, SHA256, SHA512, SMD5, PLAIN-MD5,
 * LDAP-MD5), -EINVAL for a PLAIN password that the file cannot hold, and
 * -EIO if libcrypt or OpenSSL fail.
 */
int passwd_hash(const char *scheme, const char *password, struct buf *out);

/*
 * Checks `password` against a stored password field.  Returns 1 if it
 * matches, 0 if not (also for an empty stored field), -ENOTSUP for an
 * unknown scheme and -EINVAL for a stored value that is malformed for its
 * scheme.  Anything but 1 must fail the authentication.  Comparisons take
 * constant time.
 */
int passwd_verify_hash(const char *stored, const char *password);
int passwd_verify(const struct passwd_entry *entry, const char *password);

/*
 * Changing the file (passwd-edit.c).  Each call takes the lock, reads the
 * file, changes only the lines of the user concerned, and replaces the
 * file atomically (temp file, fsync, rename, fsync of the directory).
 * Every other byte, comments and lines mailtree cannot parse included,
 * stays as it was.  The file keeps its permission bits; a new one is 0600.
 *
 * passwd_add() writes user:password:uid:gid:gecos:home:shell and, if any,
 * ":extra"; NULL strings are empty fields.  It returns -EEXIST if the user
 * is there already, -EINVAL for an invalid name or a field holding ':' or
 * a line break (extra may hold ':').
 * passwd_delete() removes every line of the user; -ENOENT if none.
 * passwd_set_password() replaces the password field of the user's lines
 * with `password` (a stored form such as passwd_hash() makes); -ENOENT if
 * the user has none.
 * All three return -ETIMEDOUT if the lock stays taken.
 */
int passwd_add(const char *path, const struct passwd_entry *entry);
int passwd_delete(const char *path, const char *user);
int passwd_set_password(const char *path, const char *user,
			const char *password);

/*
 * The dot-lock PATH.lock, created with O_EXCL and holding "pid:hostname".
 * Waits up to timeout_ms.  A lock is stale, and is removed, when its
 * process is gone from this host, or when it is older than
 * PASSWD_LOCK_STALE_SECS and its owner cannot be checked (another host,
 * unreadable content).  Returns -ETIMEDOUT if still locked at the end.
 */
struct passwd_lock;
int passwd_lock(const char *path, unsigned int timeout_ms,
		struct passwd_lock **lock_r);
void passwd_unlock(struct passwd_lock **lock);

#endif
