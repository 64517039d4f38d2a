/* dovecot-uidlist reading and writing; see uidlist.h for the format. */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "buf.h"
#include "uidlist.h"
#include "util.h"

void uidlist_init(struct uidlist *ul, const char *folder_dir)
{
	struct buf path = BUF_INIT;

	memset(ul, 0, sizeof(*ul));
	buf_printf(&path, "%s/" UIDLIST_NAME, folder_dir);
	ul->path = buf_detach(&path);
	ul->next_uid = 1;
	strmap_init(&ul->by_base);
}

/* The birth time of an open file in ns, or 0 where it is not known. */
static uint64_t birth_ns(int fd)
{
	struct statx stx;

	if (statx(fd, "", AT_EMPTY_PATH, STATX_BTIME, &stx) < 0 ||
	    !(stx.stx_mask & STATX_BTIME))
		return 0;
	return (uint64_t)stx.stx_btime.tv_sec * 1000000000u +
	       stx.stx_btime.tv_nsec;
}

static void free_records(struct uidlist *ul)
{
	size_t i;

	for (i = 0; i < ul->count; i++) {
		free(ul->recs[i].base);
		free(ul->recs[i].ext);
	}
	ul->count = 0;
	ul->written = 0;
	strmap_clear(&ul->by_base);
}

void uidlist_release(struct uidlist *ul)
{
	free_records(ul);
	free(ul->recs);
	free(ul->path);
	free(ul->hdr_extra);
	strmap_release(&ul->by_base);
	memset(ul, 0, sizeof(*ul));
}

int uidlist_parse_header(struct uidlist *ul, const char *line)
{
	struct buf extra = BUF_INIT;
	const char *p = line, *end;
	uint32_t version;
	char word[64];
	int ret = 0;

	end = strchr(p, ' ');
	if (end == NULL)
		end = p + strlen(p);
	if ((size_t)(end - p) >= sizeof(word))
		return -EINVAL;
	memcpy(word, p, (size_t)(end - p));
	word[end - p] = '\0';
	if (parse_u32(word, &version) < 0)
		return -EINVAL;
	ul->version = version;
	ul->hdr_extra = NULL;
	if (version == 1) {
		/* "1 <uidvalidity> <nextuid>", Courier's format. */
		unsigned long v, n;
		if (sscanf(line, "1 %lu %lu", &v, &n) != 2 || v > UINT32_MAX ||
		    n > UINT32_MAX)
			return -EINVAL;
		ul->uidvalidity = (uint32_t)v;
		ul->next_uid = (uint32_t)n;
		return 0;
	}
	if (version != 3)
		return -EINVAL;
	for (p = end; *p != '\0'; p = end) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		end = strchr(p, ' ');
		if (end == NULL)
			end = p + strlen(p);
		size_t n = (size_t)(end - p) - 1;
		switch (*p) {
		case 'V':
		case 'N':
			if (n >= sizeof(word)) {
				ret = -EINVAL;
				break;
			}
			memcpy(word, p + 1, n);
			word[n] = '\0';
			if (parse_u32(word, *p == 'V' ? &ul->uidvalidity
					  : &ul->next_uid) < 0)
				ret = -EINVAL;
			break;
		case 'G':
			if (n == 32) {
				memcpy(ul->guid, p + 1, 32);
				ul->guid[32] = '\0';
			}
			break;
		default:
			if (extra.len > 0)
				buf_putc(&extra, ' ');
			buf_append(&extra, p, (size_t)(end - p));
		}
		if (ret < 0)
			break;
	}
	free(ul->hdr_extra);
	ul->hdr_extra = extra.len ? buf_detach(&extra) : NULL;
	buf_release(&extra);
	if (ret == 0 && ul->next_uid == 0)
		ul->next_uid = 1;
	return ret;
}

static void push_record(struct uidlist *ul, uint32_t uid, const char *base,
			size_t len, const char *ext, size_t ext_len)
{
	struct uidlist_rec *r;

	ul->recs = xgrow(ul->recs, &ul->cap, ul->count + 1, sizeof(*ul->recs));
	r = &ul->recs[ul->count++];
	r->uid = uid;
	r->base = xstrndup(base, len);
	r->ext = ext_len ? xstrndup(ext, ext_len) : NULL;
	strmap_put(&ul->by_base, r->base, len, ul->count - 1);
	if (uid >= ul->next_uid)
		ul->next_uid = uid + 1;
}

int uidlist_parse_record(struct uidlist *ul, const char *line)
{
	const char *p = line, *ext, *base;
	uint64_t uid = 0;
	size_t ext_len, base_len;
	size_t old;

	while (*p >= '0' && *p <= '9' && uid <= UINT32_MAX)
		uid = uid * 10 + (uint64_t)(*p++ - '0');
	if (uid == 0 || uid >= UINT32_MAX || *p != ' ')
		return -EINVAL;
	if (ul->count > 0 && uid <= ul->recs[ul->count - 1].uid)
		return -EINVAL;	/* UIDs must grow */
	while (*p == ' ')
		p++;
	if (ul->version == 1) {
		ext = p;
		ext_len = 0;
		base = p;
	} else {
		ext = p;
		base = strchr(p, ':');
		if (base == NULL)
			return -EINVAL;
		ext_len = (size_t)(base - ext);
		while (ext_len > 0 && ext[ext_len - 1] == ' ')
			ext_len--;
		base++;
	}
	/* Version 1 lines may carry the full name with ":2,"; keep the base. */
	base_len = strcspn(base, ":");
	if (base_len == 0 || memchr(base, '/', base_len) != NULL)
		return -EINVAL;
	if (strmap_get(&ul->by_base, base, base_len, &old)) {
		/* The same file under two UIDs: the later line wins, as in
		 * Dovecot, and the file is rewritten without the old one. */
		ul->recs[old].uid = 0;
		ul->need_rewrite = true;
	}
	push_record(ul, (uint32_t)uid, base, base_len, ext, ext_len);
	return 0;
}

static bool keep_nonzero(uint32_t uid, void *ctx)
{
	(void)ctx;
	return uid != 0;
}

void uidlist_parse_end(struct uidlist *ul)
{
	/* Records replaced by a later line for the same file were marked
	 * with UID 0; drop them in one pass. */
	if (ul->need_rewrite)
		uidlist_filter(ul, keep_nonzero, NULL);
}

/* Reads lines from fd starting at the current offset.  `first` says the
 * first line is the header. */
static int read_lines(struct uidlist *ul, int fd, bool first, off_t *end_r)
{
	struct buf line = BUF_INIT;
	char chunk[16384];
	off_t off = lseek(fd, 0, SEEK_CUR), line_end = off;
	int ret = 0;

	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));
		ssize_t i, start = 0;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			break;
		}
		if (n == 0)
			break;
		for (i = 0; i < n; i++) {
			if (chunk[i] != '\n')
				continue;
			buf_append(&line, chunk + start, (size_t)(i - start));
			start = i + 1;
			line_end = off + i + 1;
			if (line.len > UIDLIST_MAX_LINE || memchr(line.data, '\0', line.len)) {
				ul->broken = true;
				ul->broken_lines++;
			} else if (first) {
				if (uidlist_parse_header(ul, line.data) < 0) {
					buf_release(&line);
					return -EINVAL;
				}
				first = false;
			} else if (uidlist_parse_record(ul, line.data) < 0) {
				ul->broken = true;
				ul->broken_lines++;
			}
			buf_reset(&line);
		}
		/* A partial last line stays pending; cap it so a file without
		 * newlines cannot grow memory without bound. */
		if (line.len + (size_t)(n - start) <= UIDLIST_MAX_LINE + 1)
			buf_append(&line, chunk + start, (size_t)(n - start));
		off += n;
	}
	buf_release(&line);
	if (ret == 0 && first)
		ret = -EINVAL;	/* no header line at all */
	/* Only complete lines count as read: a writer may be mid-append. */
	*end_r = line_end;
	return ret;
}

int uidlist_refresh(struct uidlist *ul)
{
	uint64_t btime = ul->btime;
	struct stat st;
	off_t end;
	int fd, ret;

	/* Unchanged (the common case under a busy server): a stat says so
	 * without opening the file. */
	if (ul->exists && stat(ul->path, &st) == 0 && st.st_ino == ul->ino &&
	    st.st_dev == ul->dev && st.st_size == ul->size)
		return 0;
	fd = open(ul->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno != ENOENT)
			return -errno;
		if (ul->exists) {
			/* Deleted under us: start over, as for a new folder. */
			free_records(ul);
			ul->exists = false;
			ul->uidvalidity = 0;
			ul->next_uid = 1;
			return 1;
		}
		return 0;
	}
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	if (ul->exists && st.st_ino == ul->ino && st.st_dev == ul->dev &&
	    st.st_size == ul->size) {
		close(fd);
		return 0;
	}
	if (ul->exists && ul->size > 0 && st.st_ino == ul->ino &&
	    st.st_dev == ul->dev && st.st_size > ul->size) {
		/* Same file, grown: only new lines were appended. */
		lseek(fd, ul->size, SEEK_SET);
		ret = read_lines(ul, fd, false, &end);
	} else {
		btime = birth_ns(fd);
		free_records(ul);
		ul->broken = false;
		ul->broken_lines = 0;
		ul->need_rewrite = false;
		ul->next_uid = 1;
		ret = read_lines(ul, fd, true, &end);
		if (ret == -EINVAL) {
			/* An unreadable header: keep what we can (nothing)
			 * and let check --repair or the next write decide. */
			ul->broken = true;
		}
	}
	close(fd);
	if (ret < 0 && ret != -EINVAL)
		return ret;
	uidlist_parse_end(ul);
	ul->exists = true;
	ul->dev = st.st_dev;
	ul->ino = st.st_ino;
	ul->btime = btime;
	ul->size = end;
	ul->written = ul->count;
	return ret == -EINVAL ? -EINVAL : 1;
}

static int cmp_uid(const void *key, const void *elem)
{
	uint32_t uid = *(const uint32_t *)key;
	const struct uidlist_rec *r = elem;

	return uid < r->uid ? -1 : uid > r->uid ? 1 : 0;
}

const struct uidlist_rec *uidlist_find_uid(const struct uidlist *ul,
					   uint32_t uid)
{
	if (ul->count == 0)
		return NULL;
	return bsearch(&uid, ul->recs, ul->count, sizeof(*ul->recs), cmp_uid);
}

const struct uidlist_rec *uidlist_find_base(const struct uidlist *ul,
					    const char *base, size_t len)
{
	size_t i;

	return strmap_get(&ul->by_base, base, len, &i) ? &ul->recs[i] : NULL;
}

uint32_t uidlist_add(struct uidlist *ul, const char *base, size_t len)
{
	uint32_t uid = ul->next_uid;

	push_record(ul, uid, base, len, NULL, 0);
	return uid;
}

int uidlist_add_uid(struct uidlist *ul, uint32_t uid, const char *base,
		    size_t len)
{
	if (uid == 0 || uid == UINT32_MAX ||
	    (ul->count > 0 && uid <= ul->recs[ul->count - 1].uid))
		return -EINVAL;
	push_record(ul, uid, base, len, NULL, 0);
	return 0;
}

void uidlist_filter(struct uidlist *ul, bool (*keep)(uint32_t uid, void *ctx),
		    void *ctx)
{
	size_t i, o = 0;

	for (i = 0; i < ul->count; i++) {
		if (keep(ul->recs[i].uid, ctx)) {
			ul->recs[o++] = ul->recs[i];
		} else {
			free(ul->recs[i].base);
			free(ul->recs[i].ext);
			ul->need_rewrite = true;
		}
	}
	ul->count = o;
	strmap_clear(&ul->by_base);
	for (i = 0; i < ul->count; i++)
		strmap_put(&ul->by_base, ul->recs[i].base,
			   strlen(ul->recs[i].base), i);
	if (ul->written > o)
		ul->written = o;
}

void uidlist_new_validity(struct uidlist *ul, uint32_t uidvalidity)
{
	unsigned char raw[16];
	size_t i;

	ul->uidvalidity = uidvalidity;
	if (RAND_bytes(raw, sizeof(raw)) != 1)
		fatal("RAND_bytes failed");
	for (i = 0; i < sizeof(raw); i++)
		snprintf(ul->guid + 2 * i, 3, "%02x", raw[i]);
	ul->version = 3;
	ul->need_rewrite = true;
}

static void format_records(const struct uidlist *ul, size_t from,
			   struct buf *out)
{
	size_t i;

	for (i = from; i < ul->count; i++) {
		const struct uidlist_rec *r = &ul->recs[i];

		buf_printf(out, "%u", r->uid);
		if (r->ext != NULL)
			buf_printf(out, " %s", r->ext);
		buf_printf(out, " :%s\n", r->base);
	}
}

static int write_whole(struct uidlist *ul)
{
	struct buf data = BUF_INIT, tmp = BUF_INIT;
	struct stat st;
	uint64_t btime;
	int fd, ret;

	if (ul->uidvalidity == 0)
		uidlist_new_validity(ul, (uint32_t)time(NULL));
	if (ul->guid[0] == '\0') {
		uint32_t v = ul->uidvalidity;
		uidlist_new_validity(ul, v);
	}
	buf_printf(&data, "3 V%u N%u G%s", ul->uidvalidity, ul->next_uid,
		   ul->guid);
	if (ul->hdr_extra != NULL)
		buf_printf(&data, " %s", ul->hdr_extra);
	buf_putc(&data, '\n');
	format_records(ul, 0, &data);

	buf_printf(&tmp, "%s.tmp", ul->path);
	fd = open(tmp.data, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		ret = -errno;
		goto out;
	}
	ret = write_full(fd, data.data, data.len);
	if (ret == 0 && fdatasync(fd) < 0)
		ret = -errno;
	if (ret == 0 && fstat(fd, &st) < 0)
		ret = -errno;
	btime = birth_ns(fd);
	close(fd);
	if (ret == 0 && rename(tmp.data, ul->path) < 0)
		ret = -errno;
	if (ret < 0) {
		unlink(tmp.data);
		goto out;
	}
	ul->exists = true;
	ul->version = 3;
	ul->dev = st.st_dev;
	ul->ino = st.st_ino;
	ul->btime = btime;
	ul->size = st.st_size;
	ul->written = ul->count;
	ul->broken = false;
	ul->broken_lines = 0;
	ul->need_rewrite = false;
out:
	buf_release(&data);
	buf_release(&tmp);
	return ret;
}

/* Appends the new records.  With sync_fd NULL the data is fdatasync()ed
 * here; otherwise the descriptor is left open in *sync_fd for the caller
 * to fdatasync() (and close) later. */
static int write_append(struct uidlist *ul, int *sync_fd)
{
	struct buf data = BUF_INIT;
	struct stat st;
	int fd, ret;

	format_records(ul, ul->written, &data);
	fd = open(ul->path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		goto out;
	}
	if (fstat(fd, &st) < 0 || st.st_ino != ul->ino || st.st_size != ul->size) {
		/* Replaced or grown since we read it, though we hold the
		 * lock: someone ignored the lock.  Rewrite from memory. */
		close(fd);
		ret = write_whole(ul);
		goto out;
	}
	ret = write_full(fd, data.data, data.len);
	if (ret == 0 && sync_fd == NULL && fdatasync(fd) < 0)
		ret = -errno;
	if (ret == 0 && fstat(fd, &st) < 0)
		ret = -errno;
	if (ret == 0 && sync_fd != NULL)
		*sync_fd = fd;
	else
		close(fd);
	if (ret == 0) {
		ul->size = st.st_size;
		ul->written = ul->count;
	}
out:
	buf_release(&data);
	return ret;
}

int uidlist_write(struct uidlist *ul, bool force_rewrite)
{
	return uidlist_write_later(ul, force_rewrite, NULL);
}

int uidlist_write_later(struct uidlist *ul, bool force_rewrite, int *sync_fd)
{
	if (sync_fd != NULL)
		*sync_fd = -1;
	if (force_rewrite || !ul->exists || ul->broken || ul->need_rewrite ||
	    ul->version != 3)
		return write_whole(ul);
	if (ul->written == ul->count)
		return 0;
	return write_append(ul, sync_fd);
}
