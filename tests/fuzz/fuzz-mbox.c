/*
 * Fuzz target for the mbox reader and writer (fs/mbox.h).
 *
 * The input is split three times, fed as one chunk, as small chunks and
 * as 4096-byte chunks; everything the callbacks see must be the same
 * (abort() otherwise).  Then the input is written as one message and read
 * back, which must give it unchanged (plus "\n" when it lacks one).
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mbox.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Everything the reader reports, in order; data pieces concatenated. */
static int t_begin(void *ctx, const struct mbox_envelope *env)
{
	struct buf *t = ctx;

	buf_printf(t, "B%s|%s|%lld|%d|%llu|%llu|%llu\n", env->line,
		   env->sender, (long long)env->date, env->has_date,
		   (unsigned long long)env->index,
		   (unsigned long long)env->offset,
		   (unsigned long long)env->msg_offset);
	return 0;
}

static int t_data(void *ctx, const void *data, size_t len)
{
	if (len == 0 || len > 65536)
		abort();
	buf_append(ctx, data, len);
	return 0;
}

static int t_end(void *ctx, const struct mbox_message_end *e)
{
	buf_printf(ctx, "\nE%llu|%llu|%llu\n", (unsigned long long)e->index,
		   (unsigned long long)e->size,
		   (unsigned long long)e->end_offset);
	return 0;
}

static const struct mbox_callbacks cb = { t_begin, t_data, t_end };

static int run(const uint8_t *data, size_t size, size_t chunk,
	       enum mbox_format fmt, size_t hold_max, struct buf *t)
{
	struct mbox_reader *r = mbox_reader_new(fmt, &cb, t);
	size_t off = 0;
	int rc = 0;

	mbox_reader_set_hold_max(r, hold_max);
	while (off < size && rc == 0) {
		size_t n = size - off < chunk ? size - off : chunk;

		rc = mbox_reader_feed(r, data + off, n);
		off += n;
	}
	if (rc == 0)
		rc = mbox_reader_finish(r);
	buf_printf(t, "R%d %s\n", rc, mbox_reader_error(r));
	mbox_reader_free(&r);
	return rc;
}

/* The round trip: one message, its bytes, its envelope. */
struct one {
	int begins, ends;
	char sender[16];
	int64_t date;
	struct buf data;
};

static int o_begin(void *ctx, const struct mbox_envelope *env)
{
	struct one *o = ctx;
	size_t n = strlen(env->sender);

	o->begins++;
	o->date = env->has_date ? env->date : -1;
	if (n < sizeof(o->sender))
		memcpy(o->sender, env->sender, n + 1);
	return 0;
}

static int o_data(void *ctx, const void *data, size_t len)
{
	struct one *o = ctx;

	buf_append(&o->data, data, len);
	return 0;
}

static int o_end(void *ctx, const struct mbox_message_end *e)
{
	struct one *o = ctx;

	(void)e;
	o->ends++;
	return 0;
}

static void round_trip(const uint8_t *data, size_t size)
{
	static const struct mbox_callbacks ocb = { o_begin, o_data, o_end };
	struct buf mbox = BUF_INIT;
	struct mbox_writer w;
	struct mbox_reader *r;
	struct one o;
	int64_t date = (int64_t)size * 7919;
	int nl = size > 0 && data[size - 1] != '\n';

	memset(&o, 0, sizeof(o));
	buf_init(&o.data);
	mbox_writer_init_buf(&w, &mbox);
	if (mbox_writer_begin(&w, size % 2 ? "a@b" : NULL, date) < 0 ||
	    mbox_writer_data(&w, data, size) < 0 || mbox_writer_end(&w) < 0)
		abort();
	mbox_writer_release(&w);
	r = mbox_reader_new(MBOX_FORMAT_MBOXRD, &ocb, &o);
	if (mbox_reader_feed(r, mbox.data, mbox.len) < 0 ||
	    mbox_reader_finish(r) < 0)
		abort();
	mbox_reader_free(&r);
	if (o.begins != 1 || o.ends != 1 || o.date != date ||
	    strcmp(o.sender, size % 2 ? "a@b" : "MAILER-DAEMON") != 0 ||
	    o.data.len != size + (size_t)nl ||
	    (size > 0 && memcmp(o.data.data, data, size) != 0) ||
	    (nl && o.data.data[size] != '\n'))
		abort();
	buf_release(&o.data);
	buf_release(&mbox);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf a = BUF_INIT, b = BUF_INIT, c = BUF_INIT;
	enum mbox_format fmt = (enum mbox_format)(size % 3);
	/* Now and then a tiny hold bound, to reach that path too. */
	size_t hold_max = size % 5 == 0 ? 64 : MBOX_HOLD_MAX;
	/* One byte at a time is slow on the multi-megabyte corpus files. */
	size_t small = size <= 65536 ? 1 : 7;

	run(data, size, size ? size : 1, fmt, hold_max, &a);
	run(data, size, small, fmt, hold_max, &b);
	run(data, size, 4096, fmt, hold_max, &c);
	if (a.len != b.len || memcmp(a.data, b.data, a.len) != 0 ||
	    a.len != c.len || memcmp(a.data, c.data, a.len) != 0)
		abort();
	buf_release(&a);
	buf_release(&b);
	buf_release(&c);
	round_trip(data, size);
	return 0;
}
