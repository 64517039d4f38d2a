#ifndef MAILTREE_TEST_MBOX_H
#define MAILTREE_TEST_MBOX_H

/* What the mbox tests share: a collector of the messages the reader hands
 * out, split helpers, and a writer/reader round trip. */

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "mbox.h"
#include "util.h"
#include "../tap.h"

/* A string literal and its length, NULs included. */
#define LIT(s) s, sizeof(s) - 1

/* ---- collecting what the reader hands out ---- */

struct msg {
	struct buf data;
	char *sender, *line;
	int64_t date;
	int has_date;
	uint64_t offset, msg_offset, end_offset, size;
	int ended;
};

struct coll {
	struct msg *m;
	size_t n, cap;
	int order_ok;	/* begin/data/end came in a sane order */
	int fail_at;	/* make begin() of message N fail, for the test */
};

static inline int c_begin(void *ctx, const struct mbox_envelope *env)
{
	struct coll *c = ctx;
	struct msg *m;

	if (c->n > 0 && !c->m[c->n - 1].ended)
		c->order_ok = 0;
	if (c->fail_at > 0 && c->n + 1 == (size_t)c->fail_at)
		return -EIO;
	c->m = xgrow(c->m, &c->cap, c->n + 1, sizeof(*c->m));
	m = &c->m[c->n++];
	memset(m, 0, sizeof(*m));
	buf_init(&m->data);
	m->sender = xstrdup(env->sender);
	m->line = xstrdup(env->line);
	m->date = env->date;
	m->has_date = env->has_date;
	m->offset = env->offset;
	m->msg_offset = env->msg_offset;
	if (env->index != c->n - 1)
		c->order_ok = 0;
	return 0;
}

static inline int c_data(void *ctx, const void *data, size_t len)
{
	struct coll *c = ctx;

	if (c->n == 0 || c->m[c->n - 1].ended || len == 0 || len > 65536) {
		c->order_ok = 0;
		return 0;
	}
	buf_append(&c->m[c->n - 1].data, data, len);
	return 0;
}

static inline int c_end(void *ctx, const struct mbox_message_end *e)
{
	struct coll *c = ctx;
	struct msg *m;

	if (c->n == 0 || c->m[c->n - 1].ended) {
		c->order_ok = 0;
		return 0;
	}
	m = &c->m[c->n - 1];
	m->ended = 1;
	m->end_offset = e->end_offset;
	m->size = e->size;
	if (e->size != m->data.len || e->index != c->n - 1)
		c->order_ok = 0;
	return 0;
}

static const struct mbox_callbacks coll_cb = { c_begin, c_data, c_end };

static inline void coll_init(struct coll *c)
{
	memset(c, 0, sizeof(*c));
	c->order_ok = 1;
}

static inline void coll_release(struct coll *c)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		buf_release(&c->m[i].data);
		free(c->m[i].sender);
		free(c->m[i].line);
	}
	free(c->m);
	memset(c, 0, sizeof(*c));
}

/* Splits `len` bytes fed `chunk` at a time (0: all at once). */
static inline int split_fmt(const char *data, size_t len, size_t chunk,
		     enum mbox_format fmt, size_t hold_max, struct coll *c,
		     struct buf *err)
{
	struct mbox_reader *r = mbox_reader_new(fmt, &coll_cb, c);
	size_t off = 0;
	int rc = 0;

	coll_init(c);
	if (hold_max > 0)
		mbox_reader_set_hold_max(r, hold_max);
	if (chunk == 0)
		chunk = len ? len : 1;
	while (off < len && rc == 0) {
		size_t n = len - off < chunk ? len - off : chunk;

		rc = mbox_reader_feed(r, data + off, n);
		off += n;
	}
	if (rc == 0)
		rc = mbox_reader_finish(r);
	if (err != NULL)
		buf_set(err, mbox_reader_error(r));
	mbox_reader_free(&r);
	return rc;
}

static inline int split(const char *data, size_t len, size_t chunk, struct coll *c)
{
	return split_fmt(data, len, chunk, MBOX_FORMAT_MBOXRD, 0, c, NULL);
}

static inline int same_split(const struct coll *a, const struct coll *b)
{
	size_t i;

	if (a->n != b->n || !a->order_ok || !b->order_ok)
		return 0;
	for (i = 0; i < a->n; i++) {
		const struct msg *x = &a->m[i], *y = &b->m[i];

		if (x->data.len != y->data.len ||
		    memcmp(x->data.data, y->data.data, x->data.len) != 0 ||
		    strcmp(x->sender, y->sender) != 0 ||
		    strcmp(x->line, y->line) != 0 || x->date != y->date ||
		    x->has_date != y->has_date || x->offset != y->offset ||
		    x->msg_offset != y->msg_offset ||
		    x->end_offset != y->end_offset || !x->ended || !y->ended)
			return 0;
	}
	return 1;
}

static inline int msg_is(const struct coll *c, size_t i, const char *want)
{
	return i < c->n && c->m[i].data.len == strlen(want) &&
	       memcmp(c->m[i].data.data, want, strlen(want)) == 0;
}

/* Whole, 4096-byte and 1-byte feeds all agree; returns the whole split. */
static inline int split_checked(const char *data, size_t len, struct coll *c,
			 const char *name)
{
	struct coll small, one;
	int rc, rc1, rc2;

	rc = split(data, len, 0, c);
	rc1 = split(data, len, 4096, &small);
	rc2 = split(data, len, 1, &one);
	ok(rc == rc1 && rc == rc2 && same_split(c, &small) &&
	   same_split(c, &one), "%s: whole, 4096-byte and 1-byte feeds agree",
	   name);
	coll_release(&small);
	coll_release(&one);
	return rc;
}

/* Writes each message, reads the mbox back, compares. */
static inline int round_trip(struct buf *const *msgs, size_t n, const char *what,
		      int fd_input)
{
	struct buf mbox = BUF_INIT;
	struct mbox_writer w;
	struct coll c;
	size_t i, bad = 0;
	int rc = 0;

	mbox_writer_init_buf(&w, &mbox);
	for (i = 0; i < n && rc == 0; i++) {
		char sender[32];

		xsnprintf(sender, sizeof(sender), "s%zu@example.org", i);
		if (fd_input) {
			FILE *f = tmpfile();

			fwrite(msgs[i]->data, 1, msgs[i]->len, f);
			fflush(f);
			rewind(f);
			rc = mbox_writer_copy_fd(&w, sender,
						 1000000000 + (int64_t)i,
						 fileno(f));
			fclose(f);
		} else {
			rc = mbox_writer_begin(&w, sender, 1000000000 + (int64_t)i);
			/* Odd-sized pieces, to split ">From" runs. */
			{
				size_t off = 0, step = 1 + i % 7;

				while (rc == 0 && off < msgs[i]->len) {
					size_t k = msgs[i]->len - off < step
						? msgs[i]->len - off : step;

					rc = mbox_writer_data(&w, msgs[i]->data +
							      off, k);
					off += k;
					step = step * 3 % 4093 + 1;
				}
			}
			if (rc == 0)
				rc = mbox_writer_end(&w);
		}
	}
	mbox_writer_release(&w);
	ok(rc == 0, "%s: written", what);
	rc = split(mbox.data, mbox.len, i % 2 ? 0 : 4096, &c);
	is_int(c.n, n, "%s: %zu messages read back", what, n);
	for (i = 0; i < n && i < c.n; i++) {
		const struct buf *m = msgs[i];
		size_t len = m->len;
		int nl = len > 0 && m->data[len - 1] != '\n';
		char sender[32];

		xsnprintf(sender, sizeof(sender), "s%zu@example.org", i);
		if (c.m[i].data.len != len + (size_t)nl ||
		    memcmp(c.m[i].data.data, m->data, len) != 0 ||
		    (nl && c.m[i].data.data[len] != '\n') ||
		    strcmp(c.m[i].sender, sender) != 0 ||
		    c.m[i].date != 1000000000 + (int64_t)i) {
			if (bad++ < 5)
				diag("%s: message %zu differs", what, i);
		}
	}
	ok(rc == 0 && bad == 0, "%s: byte-exact (a newline added where "
	   "missing), envelope kept", what);
	coll_release(&c);
	buf_release(&mbox);
	return bad == 0;
}

#endif
