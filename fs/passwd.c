/* Parsing and looking up the Dovecot-format passwd file; see passwd.h. */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

#include "buf.h"
#include "passwd.h"
#include "util.h"

/* Fields before the extra fields: user, password, uid, gid, gecos, home,
 * shell. */
#define FIXED_FIELDS	7
#define OLD_MAIL_PREFIX	"userdb_mail="

struct passwd_db {
	struct passwd_entry *entries;	/* file order; name owns memory */
	size_t count, cap;
	/* Open addressing, entries index + 1, 0 = free; size a power of 2. */
	uint32_t *slots;
	size_t nslots;

	char **errors;
	size_t nerrors, errors_cap;

	struct buf line;
	unsigned int lineno;
	int overlong;		/* skipping the rest of a too long line */
	int failed;		/* -EFBIG once the user limit was passed */
};

struct passwd_db *passwd_new(void)
{
	struct passwd_db *db = xcalloc(1, sizeof(*db));

	buf_init(&db->line);
	return db;
}

void passwd_free(struct passwd_db **dbp)
{
	struct passwd_db *db = *dbp;
	size_t i;

	if (db == NULL)
		return;
	for (i = 0; i < db->count; i++)
		free((char *)db->entries[i].name);
	free(db->entries);
	free(db->slots);
	for (i = 0; i < db->nerrors && i < PASSWD_MAX_ERRORS; i++)
		free(db->errors[i]);
	free(db->errors);
	buf_release(&db->line);
	free(db);
	*dbp = NULL;
}

static void record_error(struct passwd_db *db, const char *why)
{
	struct buf msg = BUF_INIT;

	if (db->nerrors < PASSWD_MAX_ERRORS) {
		buf_printf(&msg, "line %u: %s", db->lineno, why);
		db->errors = xgrow(db->errors, &db->errors_cap,
				   db->nerrors + 1, sizeof(*db->errors));
		db->errors[db->nerrors] = buf_detach(&msg);
	}
	db->nerrors++;
}

int passwd_user_name_valid(const char *name, const char **why_r)
{
	const char *why = NULL, *p;
	size_t len = strlen(name);

	if (len == 0)
		why = "user name is empty";
	else if (len > PASSWD_MAX_NAME)
		why = "user name is longer than 255 bytes";
	else if (name[0] == '.' || name[0] == '-' || name[0] == '#')
		why = "user name starts with '.', '-' or '#'";
	else if (strstr(name, "..") != NULL)
		why = "user name contains \"..\"";
	for (p = name; why == NULL && *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == ':' || c == '/')
			why = "user name contains ':' or '/'";
		else if (c < 0x20 || c == 0x7f)
			why = "user name contains a control character";
		else if (c == ' ')
			why = "user name contains whitespace";
	}
	if (why_r != NULL)
		*why_r = why;
	return why == NULL;
}

static uint64_t name_hash(const char *name)
{
	return XXH3_64bits(name, strlen(name));
}

static size_t slot_of(const struct passwd_db *db, const char *name)
{
	size_t mask = db->nslots - 1, i = (size_t)name_hash(name) & mask;

	while (db->slots[i] != 0 &&
	       strcmp(db->entries[db->slots[i] - 1].name, name) != 0)
		i = (i + 1) & mask;
	return i;
}

static void rehash(struct passwd_db *db)
{
	size_t i;

	free(db->slots);
	db->nslots = db->nslots ? db->nslots * 2 : 64;
	db->slots = xcalloc(db->nslots, sizeof(*db->slots));
	for (i = 0; i < db->count; i++)
		db->slots[slot_of(db, db->entries[i].name)] = (uint32_t)i + 1;
}

const struct passwd_entry *passwd_lookup(const struct passwd_db *db,
					 const char *user)
{
	size_t i;

	if (db->nslots == 0)
		return NULL;
	i = slot_of(db, user);
	return db->slots[i] ? &db->entries[db->slots[i] - 1] : NULL;
}

size_t passwd_count(const struct passwd_db *db)
{
	return db->count;
}

const struct passwd_entry *passwd_entry_at(const struct passwd_db *db,
					   size_t i)
{
	return i < db->count ? &db->entries[i] : NULL;
}

size_t passwd_error_count(const struct passwd_db *db)
{
	return db->nerrors;
}

const char *passwd_error_at(const struct passwd_db *db, size_t i)
{
	return i < db->nerrors && i < PASSWD_MAX_ERRORS ? db->errors[i] : NULL;
}

/* Reads an optional uid or gid; 0 stays "not given". */
static const char *parse_id(const char *s, uint32_t *id_r)
{
	*id_r = 0;
	if (*s == '\0')
		return NULL;
	if (parse_u32(s, id_r) < 0)
		return "uid or gid is not a number";
	if (*id_r == 0)
		return "uid or gid 0 is not allowed";
	return NULL;
}

/* Moves the entry's pointers from one copy of its line to another. */
static void rebase(struct passwd_entry *e, const char *from, char *to)
{
	const char **f[] = { &e->name, &e->password, &e->gecos, &e->home,
			     &e->shell };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(f); i++)
		*f[i] = to + (*f[i] - from);
}

/*
 * Turns one line (without its newline) into an entry.  The entry's strings
 * live in one allocation: the line with ':' made NUL, then for an old
 * style line its mail field.  Returns NULL for a comment, else an error or "".
 */
static const char *parse_line(struct passwd_db *db, char *line, size_t len)
{
	struct passwd_entry e;
	const char *fields[FIXED_FIELDS], *why;
	char *copy, *p, *rest = NULL;
	size_t i, n;

	if (len > 0 && line[len - 1] == '\r')
		line[--len] = '\0';
	if (len == 0 || line[0] == '#' || strspn(line, " \t") == len)
		return NULL;
	if (memchr(line, '\0', len) != NULL)
		return "line contains a NUL byte";

	copy = xmalloc(len + 1);
	memcpy(copy, line, len + 1);
	p = copy;
	for (n = 0; n < FIXED_FIELDS; n++) {
		fields[n] = p;
		if (p == NULL)
			continue;
		p = strchr(p, ':');
		if (p != NULL)
			*p++ = '\0';
	}
	rest = p;	/* after the shell's ':', or NULL */
	for (i = 0; i < FIXED_FIELDS; i++)
		if (fields[i] == NULL)
			fields[i] = "";

	memset(&e, 0, sizeof(e));
	e.name = fields[0];
	e.password = fields[1];
	e.gecos = fields[4];
	e.home = fields[5];
	e.shell = fields[6];
	e.extra = "";
	e.line = db->lineno;
	if (!passwd_user_name_valid(e.name, &why) ||
	    (why = parse_id(fields[2], &e.uid)) != NULL ||
	    (why = parse_id(fields[3], &e.gid)) != NULL) {
		free(copy);
		return why;
	}
	if (rest != NULL && rest[0] == ':') {
		/* Dovecot 1.0's form: an empty field, then the mail location,
		 * which may itself contain ':'. */
		if (rest[1] != '\0') {
			size_t plen = strlen(OLD_MAIL_PREFIX);
			size_t mlen = strlen(rest + 1);
			char *grown;

			/* Every field is in `copy` here, since rest is. */
			grown = xmalloc(len + 1 + plen + mlen + 1);
			memcpy(grown, copy, len + 1);
			memcpy(grown + len + 1, OLD_MAIL_PREFIX, plen);
			memcpy(grown + len + 1 + plen, rest + 1, mlen + 1);
			rebase(&e, copy, grown);
			e.extra = grown + len + 1;
			free(copy);
			copy = grown;
		}
	} else if (rest != NULL) {
		e.extra = rest;
	}

	if (passwd_lookup(db, e.name) != NULL) {
		/* Dovecot also keeps the first one. */
		free(copy);
		return "user is listed more than once; the first line counts";
	}
	if (db->count >= PASSWD_MAX_USERS) {
		free(copy);
		db->failed = -EFBIG;
		return "too many users";
	}
	db->entries = xgrow(db->entries, &db->cap, db->count + 1,
			    sizeof(*db->entries));
	db->entries[db->count++] = e;
	if (db->count * 2 > db->nslots)
		rehash(db);
	else
		db->slots[slot_of(db, e.name)] = (uint32_t)db->count;
	return "";
}

static void end_line(struct passwd_db *db)
{
	const char *why;

	db->lineno++;
	if (db->overlong) {
		record_error(db, "line is longer than 8192 bytes");
		db->overlong = 0;
	} else {
		why = parse_line(db, db->line.data, db->line.len);
		if (why != NULL && why[0] != '\0')
			record_error(db, why);
	}
	buf_reset(&db->line);
}

int passwd_feed(struct passwd_db *db, const void *data, size_t len)
{
	const char *p = data, *end = p + len;

	while (p < end && db->failed == 0) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);

		if (!db->overlong) {
			if (db->line.len + n > PASSWD_MAX_LINE) {
				db->overlong = 1;
				buf_reset(&db->line);
			} else {
				buf_append(&db->line, p, n);
			}
		}
		if (nl == NULL)
			break;
		end_line(db);
		p = nl + 1;
	}
	return db->failed;
}

int passwd_finish(struct passwd_db *db)
{
	if (db->failed == 0 && (db->line.len > 0 || db->overlong))
		end_line(db);
	buf_release(&db->line);
	return db->failed;
}

int passwd_parse(const void *data, size_t len, struct passwd_db **db_r)
{
	struct passwd_db *db = passwd_new();
	int ret = passwd_feed(db, data, len);

	if (ret == 0)
		ret = passwd_finish(db);
	if (ret < 0)
		passwd_free(&db);
	*db_r = db;
	return ret;
}

int passwd_parse_stream(FILE *f, struct passwd_db **db_r)
{
	struct passwd_db *db = passwd_new();
	char chunk[8192];
	size_t n;
	int ret = 0;

	while (ret == 0 && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		ret = passwd_feed(db, chunk, n);
	if (ret == 0 && ferror(f))
		ret = -EIO;
	if (ret == 0)
		ret = passwd_finish(db);
	if (ret < 0)
		passwd_free(&db);
	*db_r = db;
	return ret;
}

int passwd_read_fd(int fd, struct passwd_db **db_r)
{
	struct passwd_db *db = passwd_new();
	char chunk[65536];
	int ret = 0;

	while (ret == 0) {
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			ret = -errno;
		else if (n == 0)
			break;
		else
			ret = passwd_feed(db, chunk, (size_t)n);
	}
	if (ret == 0)
		ret = passwd_finish(db);
	if (ret < 0)
		passwd_free(&db);
	*db_r = db;
	return ret;
}

int passwd_open(const char *path, struct passwd_db **db_r)
{
	int fd, ret;

	*db_r = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = passwd_read_fd(fd, db_r);
	close(fd);
	return ret;
}
