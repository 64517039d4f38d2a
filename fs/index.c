/* mailtree.index and mailtree.changes; see index.h. */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

#include "buf.h"
#include "folder-int.h"
#include "index.h"
#include "maildir-name.h"
#include "message-summary.h"
#include "util.h"

#define INDEX_MAGIC "MTIDX\0\0\3"
/* Refuse index files bigger than this: they cannot be ours. */
#define INDEX_MAX_SIZE (4ULL << 30)

const char *const index_cached_headers[] = {
	"Subject", "From", "Sender", "Reply-To", "To", "Cc", "Bcc", "Date",
	"Message-ID", "In-Reply-To", "References", NULL
};

/*
 * The file: a header, `count` fixed-size records sorted by UID, then the
 * strings the records point into (base names and cached header fields).
 * The header and each record carry their own checksum, so a flag change
 * or an expunge rewrites one record and the header in place instead of
 * the whole file; the strings never change until the next full rewrite.
 * An expunged message stays as a record marked REC_EXPUNGED until then.
 */
struct index_header {
	char magic[8];
	uint32_t uidvalidity;
	uint32_t next_uid;
	uint64_t highest_modseq;
	int64_t new_sec, new_nsec, cur_sec, cur_nsec;
	uint64_t uidlist_ino, uidlist_size;
	uint64_t uidlist_btime;	/* see struct uidlist */
	uint64_t count;		/* records, expunged ones included */
	uint64_t expunged;	/* records marked REC_EXPUNGED */
	uint64_t strings_len;
	uint64_t strings_checksum;	/* XXH3-64 of the strings */
	uint64_t token;		/* new at every write: "has it changed?" */
	uint64_t checksum;	/* XXH3-64 of this header, this field 0 */
};

enum {
	REC_IN_NEW = 1,		/* the file is in new/ */
	REC_EXPUNGED = 2,	/* gone; skipped when loading */
	REC_FULL_NAME = 4,	/* the strings hold the full file name, not
				   just the base: its info part is not one
				   mailtree would write */
};

struct index_record {
	uint32_t uid, flags, keywords, base_len;
	uint64_t modseq, size, vsize;
	int64_t internal_date;
	unsigned char guid[16];
	uint32_t name_off, name_len, hdr_off, hdr_len;
	uint32_t state;		/* REC_* */
	uint32_t check;		/* XXH32 of this record, this field 0 */
};

/* Rewrite the whole file once this share of its records are tombstones. */
#define INDEX_COMPACT_PERCENT 25
/* How long a long-lived process may leave new messages out of the file. */
#define INDEX_DEFER_SECS 10

static uint32_t record_check(const struct index_record *r)
{
	struct index_record c = *r;

	c.check = 0;
	return XXH32(&c, sizeof(c), 0);
}

static uint64_t header_check(const struct index_header *h)
{
	struct index_header c = *h;

	c.checksum = 0;
	return XXH3_64bits(&c, sizeof(c));
}

_Static_assert(sizeof(struct index_record) == INDEX_RECORD_SIZE,
	       "folder.h sizes pending records");

static void path_of(const struct folder *f, const char *name, struct buf *out)
{
	buf_reset(out);
	buf_printf(out, "%s/%s", f->dir, name);
}

/* The MODSEQ to continue from when the index is gone: the last one the
 * change log recorded, or, when that is gone too, one derived from the
 * clock, so MODSEQs never go below what a client may have seen. */
static uint64_t modseq_floor(struct folder *f)
{
	struct buf path = BUF_INIT;
	char tail[512];
	uint64_t floor = 0;
	size_t got;
	off_t size;
	int fd;

	path_of(f, CHANGES_NAME, &path);
	fd = open(path.data, O_RDONLY | O_CLOEXEC);
	buf_release(&path);
	if (fd >= 0) {
		size = lseek(fd, 0, SEEK_END);
		if (size > 0) {
			off_t at = size > (off_t)sizeof(tail) - 1 ?
				   size - (off_t)sizeof(tail) + 1 : 0;
			lseek(fd, at, SEEK_SET);
			if (read_full(fd, tail, sizeof(tail) - 1, &got) == 0) {
				char *line;
				tail[got] = '\0';
				while (got > 0 && tail[got - 1] == '\n')
					tail[--got] = '\0';
				line = strrchr(tail, '\n');
				line = line ? line + 1 : tail;
				floor = strtoull(line, NULL, 10);
			}
		}
		close(fd);
	}
	if (floor == 0 && f->uidlist.count > 0)
		floor = (uint64_t)time(NULL) << 16;
	return floor;
}

/*
 * The uidlist was replaced by someone who did not update this index: a
 * restore from a backup, or another program rewriting it.  Flags in the
 * index may then be older than what clients have seen, so every message
 * gets a MODSEQ above anything handed out before, and the change log
 * restarts there: clients asking for changes since an older MODSEQ are
 * told to compare everything.  The data derived from message contents
 * (sizes, GUIDs, headers) stays valid and is kept.
 */
static void modseq_reset(struct folder *f)
{
	struct buf path = BUF_INIT;
	char line[64];
	uint64_t floor = modseq_floor(f);
	uint64_t clock = (uint64_t)time(NULL) << 16;
	size_t i;

	if (floor < f->highest_modseq)
		floor = f->highest_modseq;
	if (floor < clock)
		floor = clock;
	f->highest_modseq = floor + 1;
	for (i = 0; i < f->count; i++)
		f->msgs[i].modseq = f->highest_modseq;
	if (f->changes_fd >= 0) {
		close(f->changes_fd);	/* replaced just below */
		f->changes_fd = -1;
	}
	path_of(f, CHANGES_NAME, &path);
	if (xsnprintf(line, sizeof(line), "%llu 0 R\n",
		      (unsigned long long)f->highest_modseq) == 0)
		write_file_atomic(path.data, line, strlen(line), 0600);
	buf_release(&path);
	f->index_full = true;
	f->index_dirty = true;
}

/* Checks that `data` is a whole, undamaged index file and copies its
 * header to *h_r.  Returns 0 or -EINVAL. */
static int index_validate(const struct buf *data, struct index_header *h_r)
{
	const struct index_record *recs;
	struct index_header h;
	uint64_t prev_uid = 0;
	size_t i;

	if (data->len < sizeof(h))
		return -EINVAL;
	memcpy(&h, data->data, sizeof(h));
	if (memcmp(h.magic, INDEX_MAGIC, 8) != 0 ||
	    header_check(&h) != h.checksum ||
	    h.count > (data->len - sizeof(h)) / sizeof(struct index_record) ||
	    sizeof(h) + h.count * sizeof(struct index_record) + h.strings_len !=
		    data->len ||
	    h.expunged > h.count)
		return -EINVAL;
	recs = (const struct index_record *)(data->data + sizeof(h));
	if (XXH3_64bits(recs + h.count, h.strings_len) != h.strings_checksum)
		return -EINVAL;
	for (i = 0; i < h.count; i++) {
		const struct index_record *r = &recs[i];

		if (record_check(r) != r->check ||
		    (uint64_t)r->name_off + r->name_len > h.strings_len ||
		    (uint64_t)r->hdr_off + r->hdr_len > h.strings_len ||
		    r->name_len == 0 || r->base_len > r->name_len ||
		    ((r->state & REC_FULL_NAME) == 0 &&
		     r->name_len != r->base_len) ||
		    r->uid <= prev_uid)
			return -EINVAL;
		prev_uid = r->uid;
	}
	*h_r = h;
	return 0;
}

/* The current file name of the message a record describes. */
static char *record_name(const struct index_record *r, const char *strings)
{
	struct buf name = BUF_INIT;

	buf_append(&name, strings + r->name_off, r->name_len);
	if ((r->state & (REC_FULL_NAME | REC_IN_NEW)) == 0)
		maildir_name_info(&name, r->flags, r->keywords, NULL);
	return buf_detach(&name);
}

/* Whether a message's file name is its base plus the info part mailtree
 * writes for its flags, so that the record need only keep the base. */
static bool name_is_derived(const struct message *m)
{
	struct buf want = BUF_INIT;
	bool same;

	buf_append(&want, m->name, m->base_len);
	if (!m->in_new)
		maildir_name_info(&want, m->flags, m->keywords, NULL);
	same = strcmp(want.data, m->name) == 0;
	buf_release(&want);
	return same;
}

/* The record of a message whose strings were written at its idx_* offsets. */
static void fill_record(const struct message *m, uint32_t state,
			struct index_record *r)
{
	memset(r, 0, sizeof(*r));
	r->uid = m->uid;
	r->flags = m->flags;
	r->keywords = m->keywords;
	r->base_len = m->base_len;
	r->state = state | (m->in_new ? REC_IN_NEW : 0);
	r->modseq = m->modseq;
	r->size = m->size;
	r->vsize = m->vsize;
	r->internal_date = m->internal_date;
	memcpy(r->guid, m->guid, sizeof(r->guid));
	r->name_off = m->idx_name_off;
	r->name_len = m->idx_name_len;
	r->hdr_off = m->idx_hdr_off;
	r->hdr_len = m->headers_len;
	if (m->idx_full_name)
		r->state |= REC_FULL_NAME;
	r->check = record_check(r);
}

static uint64_t new_token(void)
{
	static uint64_t counter;
	struct timespec ts;
	uint64_t seed[3];

	clock_gettime(CLOCK_REALTIME, &ts);
	seed[0] = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
	seed[1] = (uint64_t)getpid();
	seed[2] = __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED);
	return XXH3_64bits(seed, sizeof(seed));
}

/*
 * The index file a long-lived process keeps open (folder_keep_files()):
 * reading its token or writing records then costs no path lookup, open
 * or close.  Another process replaces the index by renaming a new file
 * over it, which leaves the kept one unlinked: fstat() shows that, and
 * the file at the name is opened instead.  Returns a descriptor for
 * reading, or a negative errno; *close_r says whether the caller closes
 * it (it is not kept).
 */
static int index_fd_current(struct folder *f, bool *close_r)
{
	struct buf path = BUF_INIT;
	struct stat st;
	int fd = -1;

	*close_r = false;
	if (f->index_fd >= 0) {
		if (fstat(f->index_fd, &st) == 0 && st.st_nlink > 0)
			return f->index_fd;
		close(f->index_fd);
		f->index_fd = -1;
	}
	path_of(f, INDEX_NAME, &path);
	if (folder_files_slot(f))
		fd = open(path.data, O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		f->index_fd = fd;
	} else {
		fd = open(path.data, O_RDONLY | O_CLOEXEC);
		*close_r = true;
	}
	buf_release(&path);
	return fd < 0 ? -errno : fd;
}

int index_changed_on_disk(struct folder *f)
{
	struct index_header h;
	bool owned;
	ssize_t got;
	int fd;

	fd = index_fd_current(f, &owned);
	if (fd < 0)
		return fd == -ENOENT ? 0 : fd;
	got = pread_full(fd, &h, sizeof(h), 0);
	if (owned)
		close(fd);
	if (got < 0)
		return (int)got;
	if (got != sizeof(h) || memcmp(h.magic, INDEX_MAGIC, 8) != 0)
		return 0;	/* not usable: nothing to learn from it */
	return h.token != f->index_token;
}

bool index_uidlist_same(const struct folder *f)
{
	return f->index_ul_ino == (uint64_t)f->uidlist.ino &&
	       f->index_ul_btime == f->uidlist.btime;
}

int index_load(struct folder *f)
{
	struct buf path = BUF_INIT, data = BUF_INIT;
	struct index_header h;
	const struct index_record *recs;
	const char *strings;
	size_t i;
	int ret;

	path_of(f, INDEX_NAME, &path);
	ret = read_file_small(path.data, INDEX_MAX_SIZE, &data);
	buf_release(&path);
	if (ret < 0 || index_validate(&data, &h) < 0 ||
	    h.uidvalidity != f->uidlist.uidvalidity)
		goto rebuild;
	recs = (const struct index_record *)(data.data + sizeof(h));
	strings = (const char *)(recs + h.count);
	f->msgs = xcalloc(h.count ? h.count : 1, sizeof(*f->msgs));
	f->cap = h.count ? h.count : 1;
	f->count = 0;
	for (i = 0; i < h.count; i++) {
		const struct index_record *r = &recs[i];
		struct message *m = &f->msgs[f->count];

		if (r->state & REC_EXPUNGED)
			continue;
		m->uid = r->uid;
		m->flags = r->flags;
		m->keywords = r->keywords;
		m->base_len = r->base_len;
		m->in_new = (r->state & REC_IN_NEW) != 0;
		m->modseq = r->modseq;
		m->size = r->size;
		m->vsize = r->vsize;
		m->internal_date = (time_t)r->internal_date;
		memcpy(m->guid, r->guid, sizeof(m->guid));
		m->name = record_name(r, strings);
		if (r->hdr_len > 0) {
			m->headers = xstrndup(strings + r->hdr_off, r->hdr_len);
			m->headers_len = r->hdr_len;
		}
		m->idx_pos = (uint32_t)i;
		m->idx_name_off = r->name_off;
		m->idx_name_len = r->name_len;
		m->idx_hdr_off = r->hdr_off;
		m->idx_full_name = (r->state & REC_FULL_NAME) != 0;
		f->count++;
	}
	f->index_records = h.count;
	f->index_expunged = h.expunged;
	f->index_strings_len = h.strings_len;
	f->index_strings_checksum = h.strings_checksum;
	f->highest_modseq = h.highest_modseq;
	/* A record written after the header in an update cut short by a
	 * crash may carry a higher MODSEQ than the header. */
	for (i = 0; i < f->count; i++)
		if (f->msgs[i].modseq > f->highest_modseq)
			f->highest_modseq = f->msgs[i].modseq;
	f->new_mtime.tv_sec = h.new_sec;
	f->new_mtime.tv_nsec = h.new_nsec;
	f->cur_mtime.tv_sec = h.cur_sec;
	f->cur_mtime.tv_nsec = h.cur_nsec;
	f->index_ul_ino = h.uidlist_ino;
	f->index_ul_btime = h.uidlist_btime;
	f->index_ul_size = h.uidlist_size;
	f->index_token = h.token;
	buf_release(&data);
	if (f->uidlist.exists && !index_uidlist_same(f))
		modseq_reset(f);
	return 1;
rebuild:
	buf_release(&data);
	f->highest_modseq = modseq_floor(f);
	return 0;
}

int index_read_summary(const char *dir, struct index_summary *sum_r)
{
	struct buf path = BUF_INIT, data = BUF_INIT;
	const struct index_record *recs;
	struct index_header h;
	const char *strings;
	size_t i;
	int ret;

	memset(sum_r, 0, sizeof(*sum_r));
	buf_printf(&path, "%s/" INDEX_NAME, dir);
	ret = read_file_small(path.data, INDEX_MAX_SIZE, &data);
	buf_release(&path);
	if (ret == -EFBIG)
		ret = -EINVAL;
	if (ret == 0)
		ret = index_validate(&data, &h);
	if (ret < 0) {
		buf_release(&data);
		return ret;
	}
	recs = (const struct index_record *)(data.data + sizeof(h));
	strings = (const char *)(recs + h.count);
	sum_r->uidvalidity = h.uidvalidity;
	sum_r->next_uid = h.next_uid;
	sum_r->highest_modseq = h.highest_modseq;
	sum_r->entries = xcalloc(h.count ? h.count : 1,
				 sizeof(*sum_r->entries));
	for (i = 0; i < h.count; i++) {
		struct index_entry *e = &sum_r->entries[sum_r->count];

		if (recs[i].state & REC_EXPUNGED)
			continue;
		e->uid = recs[i].uid;
		e->base_len = recs[i].base_len;
		e->name = record_name(&recs[i], strings);
		sum_r->count++;
	}
	buf_release(&data);
	return 0;
}

void index_summary_release(struct index_summary *sum)
{
	size_t i;

	for (i = 0; i < sum->count; i++)
		free(sum->entries[i].name);
	free(sum->entries);
	memset(sum, 0, sizeof(*sum));
}


static void fill_header(struct folder *f, struct index_header *h)
{
	memset(h, 0, sizeof(*h));
	memcpy(h->magic, INDEX_MAGIC, 8);
	h->uidvalidity = f->uidlist.uidvalidity;
	h->next_uid = f->uidlist.next_uid;
	h->highest_modseq = f->highest_modseq;
	/* An mtime with a recheck pending is not one other processes may
	 * trust: they would never do the recheck.  Nor is any while the file
	 * lacks messages (a deferred rewrite): they must list the
	 * directories and read the uidlist to find them. */
	if (!f->new_recheck && f->index_missing == 0) {
		h->new_sec = f->new_mtime.tv_sec;
		h->new_nsec = f->new_mtime.tv_nsec;
	}
	if (!f->cur_recheck && f->index_missing == 0) {
		h->cur_sec = f->cur_mtime.tv_sec;
		h->cur_nsec = f->cur_mtime.tv_nsec;
	}
	h->uidlist_ino = (uint64_t)f->uidlist.ino;
	h->uidlist_btime = f->uidlist.btime;
	h->uidlist_size = f->index_missing == 0 ?
			  (uint64_t)f->uidlist.size : 0;
	h->count = f->index_records;
	h->expunged = f->index_expunged;
	h->strings_len = f->index_strings_len;
	h->strings_checksum = f->index_strings_checksum;
	h->token = new_token();
	h->checksum = header_check(h);
	f->index_token = h->token;
}

/* Writes the whole file anew, without tombstones. */
static int index_rewrite(struct folder *f)
{
	struct buf data = BUF_INIT, strings = BUF_INIT, path = BUF_INIT;
	struct index_header h;
	size_t i;
	bool keep;
	int fd, ret;

	for (i = 0; i < f->count; i++) {
		struct message *m = &f->msgs[i];

		m->idx_pos = (uint32_t)i;
		m->idx_full_name = !name_is_derived(m);
		m->idx_name_off = (uint32_t)strings.len;
		m->idx_name_len = m->idx_full_name ? (uint32_t)strlen(m->name)
						   : m->base_len;
		buf_append(&strings, m->name, m->idx_name_len);
		m->idx_hdr_off = (uint32_t)strings.len;
		buf_append(&strings, m->headers, m->headers_len);
	}
	f->index_records = f->count;
	f->index_expunged = 0;
	f->index_missing = 0;
	f->index_strings_len = strings.len;
	f->index_strings_checksum = XXH3_64bits(strings.data, strings.len);
	fill_header(f, &h);

	buf_grow(&data, sizeof(h) + f->count * sizeof(struct index_record) +
		 strings.len);
	buf_append(&data, &h, sizeof(h));
	for (i = 0; i < f->count; i++) {
		struct index_record r;

		fill_record(&f->msgs[i], 0, &r);
		buf_append(&data, &r, sizeof(r));
	}
	buf_append(&data, strings.data, strings.len);

	/* Derived data: replaced atomically but not fsynced.  After a crash
	 * a damaged file fails its checksums and is rebuilt. */
	path_of(f, INDEX_NAME ".tmp", &path);
	keep = folder_files_slot(f);
	fd = open(path.data, (keep ? O_RDWR : O_WRONLY) | O_CREAT | O_TRUNC |
		  O_CLOEXEC, 0600);
	if (fd < 0) {
		ret = -errno;
		goto out;
	}
	ret = write_full(fd, data.data, data.len);
	if (ret == 0) {
		struct buf final = BUF_INIT;
		path_of(f, INDEX_NAME, &final);
		if (rename(path.data, final.data) < 0)
			ret = -errno;
		buf_release(&final);
	}
	/* The new file is the one to keep (see index_fd_current()). */
	if (ret == 0 && keep) {
		if (f->index_fd >= 0)
			close(f->index_fd);
		f->index_fd = fd;
	} else {
		close(fd);
	}
	if (ret < 0)
		unlink(path.data);
out:
	buf_release(&data);
	buf_release(&strings);
	buf_release(&path);
	return ret;
}

/* Writes the queued records and then the header into the existing file. */
static int index_write_in_place(struct folder *f)
{
	struct buf path = BUF_INIT;
	struct index_header h;
	size_t i;
	int fd, ret = 0;

	/* A kept file was found current by index_save(), under the lock. */
	fd = f->index_fd;
	if (fd < 0) {
		path_of(f, INDEX_NAME, &path);
		fd = open(path.data, O_WRONLY | O_CLOEXEC);
		buf_release(&path);
		if (fd < 0)
			return -errno;
	}
	for (i = 0; i < f->index_pending_count && ret == 0; i++) {
		const struct index_pending *p = &f->index_pending[i];
		off_t at = (off_t)(sizeof(h) +
				   (uint64_t)p->pos * sizeof(struct index_record));

		if (pwrite(fd, p->rec, sizeof(p->rec), at) != sizeof(p->rec))
			ret = errno ? -errno : -EIO;
	}
	if (ret == 0) {
		fill_header(f, &h);
		if (pwrite(fd, &h, sizeof(h), 0) != sizeof(h))
			ret = errno ? -errno : -EIO;
	}
	if (fd != f->index_fd)
		close(fd);
	return ret;
}

void index_note_record(struct folder *f, const struct message *m,
		       bool expunged)
{
	struct index_pending *p;
	struct index_record r;

	/* A message the file has no record of gets one at the rewrite that
	 * is due anyway (index_missing). */
	if (m->idx_pos == UINT32_MAX && f->index_missing > 0) {
		if (expunged)
			f->index_missing--;
		f->index_dirty = true;
		return;
	}
	/* Only a record already in the file whose name it can still derive
	 * (or an expunge) can be written in place. */
	if (f->index_full || m->idx_pos == UINT32_MAX ||
	    (!expunged && (m->idx_full_name || !name_is_derived(m)))) {
		f->index_full = true;
		return;
	}
	fill_record(m, expunged ? REC_EXPUNGED : 0, &r);
	f->index_pending = xgrow(f->index_pending, &f->index_pending_cap,
				 f->index_pending_count + 1,
				 sizeof(*f->index_pending));
	p = &f->index_pending[f->index_pending_count++];
	p->pos = m->idx_pos;
	memcpy(p->rec, &r, sizeof(r));
	if (expunged)
		f->index_expunged++;
	f->index_dirty = true;
}

static bool defer_rewrites;

void folder_defer_index_rewrites(bool on)
{
	defer_rewrites = on;
}

static uint64_t monotonic_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec;
}

/* Whether a rewrite needed only for new messages may wait: few of them,
 * and the last rewrite recent (see folder_defer_index_rewrites()). */
static bool rewrite_may_wait(const struct folder *f)
{
	uint64_t live = f->index_records - f->index_expunged;

	return defer_rewrites && f->index_missing * 4 <= live &&
	       monotonic_sec() < f->index_written + INDEX_DEFER_SECS;
}

bool index_rewrite_due(const struct folder *f)
{
	return f->index_missing > 0 && !rewrite_may_wait(f);
}

int index_save(struct folder *f)
{
	bool rewrite;
	int ret;

	rewrite = f->index_full || f->index_records == 0 ||
		  f->index_expunged * 100 >= f->index_records *
					     INDEX_COMPACT_PERCENT ||
		  index_changed_on_disk(f) != 0;
	if (!rewrite && index_rewrite_due(f))
		rewrite = true;
	if (!rewrite && (ret = index_write_in_place(f)) < 0)
		rewrite = true;	/* the file went away: start over */
	if (rewrite && (ret = index_rewrite(f)) == 0)
		f->index_written = monotonic_sec();
	f->index_full = false;
	f->index_pending_count = 0;
	return ret;
}

static int cache_headers(int fd, struct message *m)
{
	struct message_summary sum;
	struct buf out = BUF_INIT;
	size_t i;
	int ret;

	ret = message_summary_read_fd(fd, 0, &sum);
	const char *values[] = {
		sum.subject, sum.from, sum.sender, sum.reply_to, sum.to, sum.cc,
		sum.bcc, sum.date, sum.message_id, sum.in_reply_to,
		sum.references,
	};
	for (i = 0; ret == 0 && i < ARRAY_SIZE(values); i++) {
		size_t len, start;

		if (values[i] == NULL)
			continue;
		len = strlen(values[i]);
		if (len > INDEX_MAX_HEADER_VALUE)
			len = INDEX_MAX_HEADER_VALUE;
		buf_printf(&out, "%s: ", index_cached_headers[i]);
		start = out.len;
		buf_append(&out, values[i], len);
		/* One field a line: stray line breaks become spaces. */
		for (; start < out.len; start++)
			if (out.data[start] == '\r' || out.data[start] == '\n')
				out.data[start] = ' ';
		buf_putc(&out, '\n');
	}
	message_summary_release(&sum);
	free(m->headers);
	m->headers = NULL;
	m->headers_len = (uint32_t)out.len;
	if (out.len > 0)
		m->headers = buf_detach(&out);
	buf_release(&out);
	return ret;
}

int index_read_message(struct folder *f, struct message *m)
{
	struct buf path = BUF_INIT;
	XXH3_state_t *xs;
	XXH128_hash_t h;
	char chunk[65536];
	struct stat st;
	uint64_t total = 0, bare_lf = 0;
	char prev = '\0';
	int fd, ret = 0;

	folder_msg_path(f, m, &path);
	fd = open(path.data, O_RDONLY | O_CLOEXEC);
	buf_release(&path);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	m->internal_date = st.st_mtime;
	m->size = (uint64_t)st.st_size;
	xs = XXH3_createState();
	if (xs == NULL)
		fatal("out of memory");
	XXH3_128bits_reset(xs);
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk)), i;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			break;
		}
		if (n == 0)
			break;
		XXH3_128bits_update(xs, chunk, (size_t)n);
		/* The IMAP size counts every line ending as CRLF. */
		for (i = 0; i < n; i++) {
			if (chunk[i] == '\n' && prev != '\r')
				bare_lf++;
			prev = chunk[i];
		}
		total += (uint64_t)n;
	}
	if (ret == 0) {
		m->size = total;
		m->vsize = total + bare_lf;
		h = XXH3_128bits_digest(xs);
		XXH128_canonicalFromHash((XXH128_canonical_t *)m->guid, h);
		/* The header block is still in the page cache. */
		ret = cache_headers(fd, m);
	}
	close(fd);
	XXH3_freeState(xs);
	return ret;
}

int index_header(const struct message *m, const char *name, struct buf *out)
{
	size_t nlen = strlen(name);
	const char *p = m->headers, *end = p + m->headers_len;

	buf_reset(out);
	while (p != NULL && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *line_end = nl ? nl : end;

		if ((size_t)(line_end - p) > nlen + 1 && p[nlen] == ':' &&
		    strncasecmp(p, name, nlen) == 0) {
			const char *v = p + nlen + 1;
			if (v < line_end && *v == ' ')
				v++;
			buf_append(out, v, (size_t)(line_end - v));
			return 1;
		}
		p = nl ? nl + 1 : NULL;
	}
	return 0;
}
