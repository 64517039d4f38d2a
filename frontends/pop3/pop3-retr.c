/*
 * RETR and TOP: the message streams from its file in chunks.  Each chunk
 * is read on the thread pool, encoded (CRLF line endings, dot-stuffing;
 * see pop3_enc in pop3.h) into the output, and the next chunk is read
 * only when that output has reached the socket (conn_wait_written), so a
 * 30 MB message costs one chunk of memory and a slow client holds back
 * only itself.  Input is paused throughout, so pipelined commands are
 * answered after the message, in order.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "buf.h"
#include "conn.h"
#include "folder.h"
#include "pop3-int.h"
#include "util.h"

#define RETR_CHUNK (64 * 1024)

struct pop3_retr {
	struct pop3_session *s;
	uint32_t n;		/* message number */
	uint32_t uid;
	int fd;
	uint64_t offset;
	struct pop3_enc enc;
	char *chunk;		/* RETR_CHUNK bytes, filled on the pool */
	size_t got;
	bool eof;		/* the last read was short: the end of the file */
	int err;
	bool started;		/* the +OK line is out */
};

static void retr_read_work(void *arg);
static void retr_read_done(struct conn *c, void *arg);
static bool retr_read_cached(struct pop3_retr *r);

static void retr_free(struct pop3_retr *r)
{
	if (r->fd >= 0)
		close(r->fd);
	free(r->chunk);
	free(r);
}

void pop3_retr_free(struct pop3_session *s)
{
	if (s->retr != NULL)
		retr_free(s->retr);
	s->retr = NULL;
}

/*
 * The first chunk straight from the page cache, on the loop: a trip to
 * the pool costs two thread wake-ups per message, more than the read.
 * The read is RWF_NOWAIT, so it never waits for the disk; a message not
 * (wholly) in the cache, or any failure, goes to the pool as before, which
 * also handles a file renamed meanwhile.  Only the open() may touch the
 * disk, for an inode not cached, as every path lookup may.
 */
static bool retr_read_cached(struct pop3_retr *r)
{
	struct folder *f = r->s->md->folder;
	const struct message *m = folder_find_uid(f, r->uid);
	struct iovec iov = { r->chunk, RETR_CHUNK };
	struct buf path = BUF_INIT;
	struct stat st;
	ssize_t n;

	if (m == NULL)
		return false;
	folder_msg_path(f, m, &path);
	r->fd = open(path.data, O_RDONLY | O_CLOEXEC);
	buf_release(&path);
	if (r->fd < 0)
		return false;
	if (fstat(r->fd, &st) < 0 ||
	    (n = preadv2(r->fd, &iov, 1, 0, RWF_NOWAIT)) < 0) {
		close(r->fd);
		r->fd = -1;
		return false;
	}
	pop3_maildrop_touch(r->s->md);
	r->got = (size_t)n;
	r->offset = (uint64_t)n;
	/* RWF_NOWAIT may read short where the cache ends: the size says
	 * whether this was the end. */
	r->eof = (off_t)r->offset >= st.st_size;
	return true;
}

void pop3_retr_start(struct pop3_session *s, uint32_t n, bool limit,
		     uint32_t lines)
{
	struct pop3_retr *r = xcalloc(1, sizeof(*r));

	r->s = s;
	r->n = n;
	r->uid = s->md->msgs[n - 1].uid;
	r->fd = -1;
	r->chunk = xmalloc(RETR_CHUNK);
	pop3_enc_init(&r->enc, limit, lines);
	s->retr = r;
	if (retr_read_cached(r))
		retr_read_done(s->c, r);
	else
		conn_queue_work(s->c, retr_read_work, retr_read_done, r);
}

/* On the pool: opens the file the first time, then reads one chunk. */
static void retr_read_work(void *arg)
{
	struct pop3_retr *r = arg;
	ssize_t n;

	r->got = 0;
	if (r->fd < 0) {
		r->err = folder_msg_open(r->s->md->folder, r->uid, &r->fd);
		if (r->err < 0)
			return;
	}
	pop3_maildrop_touch(r->s->md);
	do
		n = pread(r->fd, r->chunk, RETR_CHUNK, (off_t)r->offset);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		r->err = -errno;
		return;
	}
	r->got = (size_t)n;
	r->offset += (uint64_t)n;
	/* A regular file reads short only at its end; seeing it here saves
	 * a second trip to the pool for every message under a chunk. */
	r->eof = n < RETR_CHUNK;
}

static void retr_next(struct conn *c, void *arg)
{
	struct pop3_retr *r = arg;

	if (c->closing)
		return;		/* on_close frees r */
	conn_queue_work(c, retr_read_work, retr_read_done, r);
}

static void retr_read_done(struct conn *c, void *arg)
{
	struct pop3_retr *r = arg;
	struct pop3_session *s = r->s;
	struct buf out = BUF_INIT;

	if (c->closing)
		return;
	if (r->err < 0 && !r->started) {
		/* Nothing sent yet: an ordinary error reply. */
		pop3_reply_errno(s, r->err, r->err == -ENOENT ?
				 "Message was expunged by another session" :
				 "Cannot read the message");
		pop3_retr_free(s);
		return;
	}
	if (!r->started) {
		r->started = true;
		if (r->enc.limit)
			conn_puts(c, "+OK\r\n");
		else
			conn_printf(c, "+OK %llu octets\r\n", (unsigned long long)
				    s->md->msgs[r->n - 1].size);
	}
	if (r->err < 0) {
		/* Half a message sent: the client must not take it as all. */
		conn_log_warn(c, "RETR %u: read failed after %llu bytes: %s",
			      r->n, (unsigned long long)r->offset,
			      strerror(-r->err));
		conn_close(c);
		return;
	}
	pop3_enc_feed(&r->enc, r->chunk, r->got, &out);
	if (r->got > 0 && !r->enc.done && !r->eof) {
		conn_write(c, out.data, out.len);
		buf_release(&out);
		conn_wait_written(c, retr_next, r);
		return;
	}
	pop3_enc_finish(&r->enc, &out);
	conn_write(c, out.data, out.len);
	buf_release(&out);
	if (!r->enc.limit && r->enc.sent != s->md->msgs[r->n - 1].size)
		conn_log_warn(c, "RETR %u: uid %u sent %llu bytes, its size "
			      "was %llu", r->n, r->uid,
			      (unsigned long long)r->enc.sent,
			      (unsigned long long)s->md->msgs[r->n - 1].size);
	pop3_retr_free(s);
	pop3_after_command(s);
}
