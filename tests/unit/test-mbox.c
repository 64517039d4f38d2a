/* Tests of the mbox reader and writer (fs/mbox.h). */

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

static int c_begin(void *ctx, const struct mbox_envelope *env)
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

static int c_data(void *ctx, const void *data, size_t len)
{
	struct coll *c = ctx;

	if (c->n == 0 || c->m[c->n - 1].ended || len == 0 || len > 65536) {
		c->order_ok = 0;
		return 0;
	}
	buf_append(&c->m[c->n - 1].data, data, len);
	return 0;
}

static int c_end(void *ctx, const struct mbox_message_end *e)
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

static void coll_init(struct coll *c)
{
	memset(c, 0, sizeof(*c));
	c->order_ok = 1;
}

static void coll_release(struct coll *c)
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
static int split_fmt(const char *data, size_t len, size_t chunk,
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

static int split(const char *data, size_t len, size_t chunk, struct coll *c)
{
	return split_fmt(data, len, chunk, MBOX_FORMAT_MBOXRD, 0, c, NULL);
}

static int same_split(const struct coll *a, const struct coll *b)
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

static int msg_is(const struct coll *c, size_t i, const char *want)
{
	return i < c->n && c->m[i].data.len == strlen(want) &&
	       memcmp(c->m[i].data.data, want, strlen(want)) == 0;
}

/* Whole, 4096-byte and 1-byte feeds all agree; returns the whole split. */
static int split_checked(const char *data, size_t len, struct coll *c,
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

/* ---- hand-written inputs ---- */

static void test_basics(void)
{
	static const char two[] =
		"From alice@example.org Tue Mar 04 03:33:20 2003\n"
		"Subject: one\n"
		"\n"
		"body one\n"
		"\n"
		"From bob@example.org Thu Sep 26 17:18:40 +0000 2025\n"
		"Subject: two\n"
		"\n"
		"body two\n"
		"\n";
	struct coll c;
	struct buf err = BUF_INIT;
	int rc;

	rc = split_checked(two, strlen(two), &c, "two messages");
	is_int(rc, 0, "two messages: no error");
	is_int(c.n, 2, "two messages: count");
	ok(msg_is(&c, 0, "Subject: one\n\nbody one\n"),
	   "the blank line before From_ belongs to the separator");
	ok(msg_is(&c, 1, "Subject: two\n\nbody two\n"),
	   "the blank line at end of file is dropped too");
	is_str(c.m[0].sender, "alice@example.org", "envelope sender");
	is_int(c.m[0].date, 1046748800, "asctime date");
	is_int(c.m[1].date, 1758907120, "Gmail-style date with zone");
	is_str(c.m[1].line, "From bob@example.org Thu Sep 26 17:18:40 "
	       "+0000 2025", "From_ line reported without its newline");
	is_int(c.m[0].offset, 0, "first From_ line offset");
	is_int(c.m[0].msg_offset, 48, "first message offset");
	is_int(c.m[0].end_offset, 48 + 23, "first message end offset");
	is_int(c.m[1].offset, 48 + 24, "second From_ line offset");
	coll_release(&c);

	/* No blank line before From_: the message keeps its newline. */
	rc = split_checked(LIT("From a@b\nx\nFrom c@d\ny\n"), &c, "tight");
	ok(rc == 0 && c.n == 2 && msg_is(&c, 0, "x\n") && msg_is(&c, 1, "y\n"),
	   "without a blank line the final newline stays in the message");
	coll_release(&c);

	/* Two blank lines: only one belongs to the separator. */
	rc = split_checked(LIT("From a@b\nx\n\n\nFrom c@d\n"), &c, "2 blank");
	ok(rc == 0 && c.n == 2 && msg_is(&c, 0, "x\n\n") &&
	   msg_is(&c, 1, ""), "only one blank line is taken; empty last message");
	coll_release(&c);

	/* CRLF mbox. */
	rc = split_checked(LIT("From a@b Mon Jan  1 00:00:00 2001\r\nA: 1\r\n"
			       "\r\nx\r\n\r\nFrom c@d Mon Jan  1 00:00:01 "
			       "2001\r\nB: 2\r\n\r\ny\r\n"), &c, "crlf");
	ok(rc == 0 && c.n == 2 && msg_is(&c, 0, "A: 1\r\n\r\nx\r\n") &&
	   msg_is(&c, 1, "B: 2\r\n\r\ny\r\n"), "CRLF mbox splits, CRLF kept");
	is_str(c.n == 2 ? c.m[1].line : NULL, "From c@d Mon Jan  1 00:00:01 2001",
	       "CRLF From_ line without CR");
	is_int(c.n == 2 ? c.m[1].date : 0, 978307201, "CRLF From_ date");
	coll_release(&c);

	/* BOM and blank lines before the first From_ line. */
	rc = split_checked(LIT("\xEF\xBB\xBF\n\r\nFrom - \nA: b\n\nx\n"), &c,
			   "bom");
	ok(rc == 0 && c.n == 1 && msg_is(&c, 0, "A: b\n\nx\n"),
	   "BOM and leading blank lines skipped");
	ok(c.n == 1 && c.m[0].offset == 6 && c.m[0].sender[0] == '\0' &&
	   !c.m[0].has_date, "Mozilla \"From - \": no sender, no date");
	coll_release(&c);

	/* Not an mbox. */
	rc = split_fmt(LIT("Subject: x\n\nFrom a@b\n"), 0, MBOX_FORMAT_MBOXRD,
		       0, &c, &err);
	is_int(rc, -EINVAL, "input not starting with From_ is -EINVAL");
	ok(strstr(err.data, "does not start with \"From \"") != NULL,
	   "with a reason: %s", err.data);
	is_int(c.n, 0, "and no message");
	coll_release(&c);
	rc = split("Fro", 3, 1, &c);
	is_int(rc, -EINVAL, "a truncated first line is -EINVAL");
	coll_release(&c);
	rc = split("", 0, 0, &c);
	ok(rc == 0 && c.n == 0, "empty input: no message, no error");
	coll_release(&c);
	rc = split("\xEF\xBB\xBF\n\n", 5, 1, &c);
	ok(rc == 0 && c.n == 0, "BOM and blank lines only: no message");
	coll_release(&c);

	/* Last line without a newline; From_ line at the very end. */
	rc = split_checked(LIT("From a@b\nA: b\n\nno newline"), &c, "no eol");
	ok(rc == 0 && c.n == 1 && msg_is(&c, 0, "A: b\n\nno newline"),
	   "a missing final newline is kept as it is");
	coll_release(&c);
	rc = split_checked(LIT("From a@b\nx\n\nFrom c@d"), &c, "eof From_");
	ok(rc == 0 && c.n == 2 && msg_is(&c, 0, "x\n") && msg_is(&c, 1, "") &&
	   strcmp(c.m[1].sender, "c@d") == 0,
	   "a From_ line cut by the end of input still separates");
	coll_release(&c);

	/* A failing callback stops the reader with its error. */
	{
		struct mbox_reader *r;

		coll_init(&c);
		c.fail_at = 2;
		r = mbox_reader_new(MBOX_FORMAT_MBOXRD, &coll_cb, &c);
		rc = mbox_reader_feed(r, two, strlen(two));
		is_int(rc, -EIO, "callback error returned by feed");
		is_int(mbox_reader_finish(r), -EIO, "and by finish");
		ok(strstr(mbox_reader_error(r), "callback") != NULL,
		   "error names the callback: %s", mbox_reader_error(r));
		mbox_reader_free(&r);
		ok(r == NULL, "mbox_reader_free sets the pointer NULL");
		coll_release(&c);
	}
	buf_release(&err);
}

static void test_separators(void)
{
	static const char unmunged[] =
		"From -\n"
		"Subject: one\n"
		"\n"
		"My favourite:\n"
		"\n"
		"From Russia with love\n"
		"From here to there\n"
		"From me@example.org\n"
		"\n"
		"From -\n"
		"Subject: two\n"
		"\n"
		"From Mon Jan  1 00:00:00 2001 was a Monday\n"
		"\n"
		"From MAILER-DAEMON Fri Jul  8 12:08 2011\n"
		"\n"
		"From x@y Sat Jan  3 01:05:34 1996 remote from uunet\n"
		"\n"
		"From x@y Mon, 3 Jun 1996 12:50:27 -0700\n";
	struct buf s = BUF_INIT;
	struct coll c;
	int64_t t;
	int has, rc;

	rc = split_checked(unmunged, strlen(unmunged), &c, "separators");
	is_int(c.n, 6, "dateless From lines without '@' or '-' are body");
	ok(rc == 0 && c.n == 6 &&
	   msg_is(&c, 0, "Subject: one\n\nMy favourite:\n\n"
			 "From Russia with love\nFrom here to there\n"),
	   "\"From Russia with love\" stays in the body");
	ok(c.n == 6 && msg_is(&c, 1, "") &&
	   strcmp(c.m[1].sender, "me@example.org") == 0,
	   "\"From addr@domain\" alone separates");
	ok(c.n == 6 && msg_is(&c, 2, "Subject: two\n\n"
			      "From Mon Jan  1 00:00:00 2001 was a Monday\n"),
	   "a date followed by words is not a date");
	ok(c.n == 6 && strcmp(c.m[3].sender, "MAILER-DAEMON") == 0 &&
	   c.m[3].date == 1310126880, "date without seconds");
	ok(c.n == 6 && c.m[4].date == 820631134,
	   "UUCP \"remote from\" tail");
	ok(c.n == 6 && c.m[5].date == 833831427, "RFC 5322 order with zone");
	coll_release(&c);

	ok(mbox_parse_date("Mon Jun  3 12:50:27 1996 PDT", 28, &t) == 0 &&
	   t == 833831427, "zone name after the year");
	ok(mbox_parse_date("Mon Jun  3 12:50:27 PDT 1996", 28, &t) == 0 &&
	   t == 833831427, "zone name before the year");
	ok(mbox_parse_date("Monday June 3 12:50:27 1996 -0530 (IST)", 39,
			   &t) == 0 && t == 833806227 + 5 * 3600 + 1800,
	   "full names, offset and comment");
	ok(mbox_parse_date(LIT("Mon Jun  3 12:50:27 1996 -0700 (Pacific "
			       "Daylight Time)"), &t) == 0 && t == 833831427,
	   "comment with spaces");
	ok(mbox_parse_date(LIT("Mon Jun  3 12:50:27 1996 (open"), &t) < 0,
	   "unclosed comment rejected");
	ok(mbox_parse_date("Mon Jun  3 12:50:27 1996 XYZ", 28, &t) == 0 &&
	   t == 833806227, "unknown upper-case zone read as UTC");
	ok(mbox_parse_date("Mon Jun 32 12:50:27 1996", 24, &t) < 0,
	   "day 32 rejected");
	ok(mbox_parse_date("Mon Jun  3 25:50:27 1996", 24, &t) < 0,
	   "hour 25 rejected");
	ok(mbox_parse_date("Mon Jun  3 12:50:27", 19, &t) < 0,
	   "missing year rejected");
	ok(mbox_parse_date("Mon Jun  3 1996", 15, &t) < 0,
	   "missing time rejected");
	ok(mbox_parse_from_line("From \"a b\"@c Tue Mar 04 03:33:20 2003", 37,
				&s, &t, &has) == 1 &&
	   strcmp(s.data, "\"a b\"@c") == 0 && has && t == 1046748800,
	   "quoted sender with a space");
	ok(mbox_parse_from_line("From  Tue Mar 04 03:33:20 2003", 30, &s, &t,
				&has) == 1 && s.len == 0 && has,
	   "empty sender then a date");
	ok(mbox_parse_from_line("From x", 6, &s, &t, &has) == 0,
	   "\"From word\" alone is not a separator");
	ok(mbox_parse_from_line("Fromx@y", 7, &s, &t, &has) == 0,
	   "\"From\" needs its space");
	buf_release(&s);
}

static void test_unescape(void)
{
	static const char in[] =
		"From a@b\n"
		">From one\n"
		">>From two\n"
		">>>From three\n"
		"> From not\n"
		">Fromage\n";
	struct coll c;
	int rc;

	rc = split_fmt(in, strlen(in), 1, MBOX_FORMAT_MBOXRD, 0, &c, NULL);
	ok(rc == 0 && msg_is(&c, 0, "From one\n>From two\n>>From three\n"
				    "> From not\n>Fromage\n"),
	   "mboxrd: every >+From loses one >");
	coll_release(&c);
	rc = split_fmt(in, strlen(in), 0, MBOX_FORMAT_MBOXO, 0, &c, NULL);
	ok(rc == 0 && msg_is(&c, 0, "From one\n>>From two\n>>>From three\n"
				    "> From not\n>Fromage\n"),
	   "mboxo: only >From loses its >");
	coll_release(&c);
	rc = split_fmt(in, strlen(in), 0, MBOX_FORMAT_RAW, 0, &c, NULL);
	ok(rc == 0 && msg_is(&c, 0, in + 9), "raw: lines left alone");
	coll_release(&c);
}

/* Appends to the mbox and to what the reader should give back. */
static void both(struct buf *in, struct buf *want, const char *s, int rep)
{
	int i;

	for (i = 0; i < rep; i++) {
		buf_puts(in, s);
		buf_puts(want, s);
	}
}

/* A long line: MBOX_LINE_MAX is only a buffer, not a limit. */
static void test_long_lines(void)
{
	struct buf in = BUF_INIT, want = BUF_INIT;
	struct coll c;
	int rc;

	buf_puts(&in, "From a@b\n");
	both(&in, &want, "X: ", 1);
	both(&in, &want, "abcdefghijklmnopqrstuvwxyz", 200);
	both(&in, &want, "\r\n\n", 1);
	/* 3000 '>' then "From ": one is removed. */
	buf_putc(&in, '>');
	both(&in, &want, ">", 2999);
	both(&in, &want, "From long quote\n", 1);
	/* Not "From ": nothing removed. */
	both(&in, &want, ">", 1200);
	both(&in, &want, "Fro\n", 1);
	/* An over-long From_ line is body. */
	both(&in, &want, "From ", 1);
	both(&in, &want, "x", 2000);
	both(&in, &want, " Mon Jan  1 00:00:00 2001\n", 1);
	/* A long line cut by the end of input in the middle of ">>Fro". */
	both(&in, &want, ">", 1100);
	both(&in, &want, "Fro", 1);
	rc = split_checked(in.data, in.len, &c, "long lines");
	ok(rc == 0 && c.n == 1 && c.m[0].data.len == want.len &&
	   memcmp(c.m[0].data.data, want.data, want.len) == 0,
	   "long lines pass through; a long >From run is un-escaped; "
	   "an over-long From_ line is body");
	coll_release(&c);
	buf_release(&in);
	buf_release(&want);
}

static void test_content_length(void)
{
	static const char trusted[] =
		"From first@x Mon Jan  1 00:00:00 2001\n"
		"Content-Length: 48\n"
		"\n"
		"From hidden@x Mon Jan  1 00:00:00 2001\n"
		">From x\n"
		"\n"
		"\n"
		"From second@x Mon Jan  1 00:00:00 2001\n"
		"\n"
		"second\n";
	static const char wrong[] =
		"From first@x Mon Jan  1 00:00:00 2001\n"
		"Content-Length: 10\n"
		"\n"
		"From hidden@x Mon Jan  1 00:00:00 2001\n"
		"text\n"
		"\n"
		"From second@x Mon Jan  1 00:00:00 2001\n"
		"\n"
		"second\n";
	static const char at_eof[] =
		"From first@x Mon Jan  1 00:00:00 2001\n"
		"Content-length:  45 \n"
		"\n"
		"From hidden@x Mon Jan  1 00:00:00 2001\n"
		"text\n"
		"\n";
	/* The length ends mid-line, right before the separator's "\n". */
	static const char no_eol[] =
		"From first@x Mon Jan  1 00:00:00 2001\n"
		"Content-Length: 43\n"
		"\n"
		"From hidden@x Mon Jan  1 00:00:00 2001\n"
		"tail\n"
		"From second@x Mon Jan  1 00:00:00 2001\n";
	struct coll c, c2;
	int rc;

	rc = split_checked(trusted, strlen(trusted), &c, "cl trusted");
	ok(rc == 0 && c.n == 2 &&
	   msg_is(&c, 0, "Content-Length: 48\n\nFrom hidden@x Mon Jan  1 "
		  "00:00:00 2001\nFrom x\n\n"),
	   "a right Content-Length keeps a From_ line in the body");
	ok(c.n == 2 && strcmp(c.m[1].sender, "second@x") == 0 &&
	   msg_is(&c, 1, "\nsecond\n"), "and the next message follows");
	coll_release(&c);

	rc = split_checked(wrong, strlen(wrong), &c, "cl wrong");
	ok(rc == 0 && c.n == 3 && strcmp(c.m[1].sender, "hidden@x") == 0 &&
	   msg_is(&c, 1, "text\n"), "a wrong Content-Length is ignored");
	coll_release(&c);

	rc = split_checked(at_eof, strlen(at_eof), &c, "cl eof");
	ok(rc == 0 && c.n == 1, "a Content-Length ending at end of file "
	   "is trusted");
	coll_release(&c);

	rc = split_checked(no_eol, strlen(no_eol), &c, "cl no eol");
	ok(rc == 0 && c.n == 2 && strcmp(c.m[1].sender, "second@x") == 0,
	   "a Content-Length ending before the separator's newline is trusted");
	coll_release(&c);

	/* With a tiny hold bound the length cannot be checked. */
	rc = split_fmt(trusted, strlen(trusted), 0, MBOX_FORMAT_MBOXRD, 16,
		       &c, NULL);
	split_fmt(trusted, strlen(trusted), 1, MBOX_FORMAT_MBOXRD, 16, &c2,
		  NULL);
	ok(rc == 0 && c.n == 3 && strcmp(c.m[1].sender, "hidden@x") == 0,
	   "past the hold bound Content-Length is not trusted");
	ok(same_split(&c, &c2), "the same with 1-byte feeds");
	coll_release(&c);
	coll_release(&c2);

	/* The bound is crossed inside the line that settles the question:
	 * the answer must not depend on how the input was chunked. */
	rc = split_fmt(LIT("From s@t Mon Jan  1 00:00:00 2001\n"
			   "Content-Length: 38\n\n"
			   "From hidden@x Mon Jan  1 00:00:00 2001\n"
			   "From e@f Mon Jan  1 00:00:00 2001\nx\n"), 1,
		       MBOX_FORMAT_MBOXRD, 64, &c, NULL);
	ok(rc == 0 && c.n == 2 && strcmp(c.m[1].sender, "e@f") == 0,
	   "hold bound crossed by the deciding line, 1-byte feed: trusted");
	coll_release(&c);

	/* A long line inside the held part, fed in one piece. */
	{
		struct buf in = BUF_INIT;
		size_t i;

		buf_puts(&in, "From s@t Mon Jan  1 00:00:00 2001\n"
			      "Content-Length: 20040\n\n"
			      "From hidden@x Mon Jan  1 00:00:00 2001\n");
		for (i = 0; i < 20000; i++)
			buf_putc(&in, 'z');
		buf_puts(&in, "\n\nFrom e@f Mon Jan  1 00:00:00 2001\n");
		rc = split_fmt(in.data, in.len, 0, MBOX_FORMAT_MBOXRD, 100,
			       &c, NULL);
		split_fmt(in.data, in.len, 1, MBOX_FORMAT_MBOXRD, 100, &c2,
			  NULL);
		ok(rc == 0 && c.n == 3 && same_split(&c, &c2),
		   "a long held line past the bound: not trusted, any feed");
		coll_release(&c);
		coll_release(&c2);
		rc = split_checked(in.data, in.len, &c, "long held line");
		ok(rc == 0 && c.n == 2, "within the default bound: trusted");
		coll_release(&c);
		buf_release(&in);
	}
}

/* ---- corpus ---- */

static int read_path(const char *dir, const char *name, struct buf *out)
{
	char path[4096];
	int rc;

	buf_reset(out);
	if ((rc = xsnprintf(path, sizeof(path), "%s/%s", dir, name)) < 0)
		return rc;
	return read_file_small(path, 64u << 20, out);
}

/* Reads the top-level "beginOffset"/"endOffset" pairs of the MimeKit
 * oracle: each follows an "mboxMarkerOffset" key, before the body. */
static size_t parse_offsets(const char *json, uint64_t *begin,
			    uint64_t *end, size_t max)
{
	const char *p = json;
	size_t n = 0;

	while (n < max && (p = strstr(p, "\"mboxMarkerOffset\"")) != NULL) {
		const char *b = strstr(p, "\"beginOffset\":");
		const char *e = strstr(p, "\"endOffset\":");

		if (b == NULL || e == NULL)
			break;
		begin[n] = strtoull(b + 14, NULL, 10);
		end[n] = strtoull(e + 12, NULL, 10);
		n++;
		p = e;
	}
	return n;
}

static void test_corpus_mbox(const char *corpus)
{
	char dir[4096];
	struct buf mbox = BUF_INIT, exp = BUF_INIT;
	struct coll c;
	size_t i;
	int rc;

	xsnprintf(dir, sizeof(dir), "%s/mbox", corpus);

	/* mime4j keeps the separating blank line in each message; we do
	 * not, so its expected files are ours plus "\n". */
	read_path(dir, "mime4j-rlug.mbox", &mbox);
	rc = split_checked(mbox.data, mbox.len, &c, "mime4j-rlug.mbox");
	ok(rc == 0 && c.n == 5, "mime4j-rlug.mbox: 5 messages (got %zu)",
	   c.n);
	for (i = 0; i < c.n && i < 5; i++) {
		char name[64];

		xsnprintf(name, sizeof(name),
			  "mime4j-rlug.expected/message-%zu.eml", i);
		read_path(dir, name, &exp);
		ok(exp.len == c.m[i].data.len + 1 &&
		   memcmp(exp.data, c.m[i].data.data, c.m[i].data.len) == 0 &&
		   exp.data[exp.len - 1] == '\n',
		   "mime4j-rlug message %zu is %s minus the blank line", i,
		   name);
		ok(strcmp(c.m[i].sender, "news@gmane.org") == 0 &&
		   c.m[i].date == 1046748800, "message %zu envelope", i);
	}
	coll_release(&c);

	/* The same through the fd interface. */
	{
		char path[4096];
		struct mbox_reader *r;
		FILE *f;

		xsnprintf(path, sizeof(path), "%s/mime4j-rlug.mbox", dir);
		f = fopen(path, "rb");
		coll_init(&c);
		r = mbox_reader_new(MBOX_FORMAT_MBOXRD, &coll_cb, &c);
		rc = f != NULL ? mbox_reader_read_fd(r, fileno(f)) : -ENOENT;
		ok(rc == 0 && c.n == 5 && c.m[4].data.len == 2288,
		   "mbox_reader_read_fd reads the same");
		mbox_reader_free(&r);
		coll_release(&c);
		if (f != NULL)
			fclose(f);
	}

	/*
	 * MimeKit gives each message's begin and end.  It always gives the
	 * line end before From_ to the separator; we only do so when the
	 * line is empty, so where the message ends "X\nFrom " our end is
	 * one byte later.
	 */
	read_path(dir, "mimekit-content-length.mbox", &mbox);
	read_path(dir, "mimekit-content-length.offsets.json", &exp);
	rc = split_checked(mbox.data, mbox.len, &c,
			   "mimekit-content-length.mbox");
	{
		uint64_t begin[64], end[64];
		size_t n = parse_offsets(exp.data, begin, end, 64);
		size_t bad = 0, shifted = 0;

		is_int(n, 29, "offsets.json: 29 messages");
		is_int(c.n, n, "mimekit-content-length.mbox: as many messages");
		for (i = 0; i < n && i < c.n; i++) {
			uint64_t want = end[i];

			if (want < mbox.len && mbox.data[want] == '\n' &&
			    mbox.data[want - 1] != '\n') {
				want++;
				shifted++;
			}
			/* (Un-escaping makes some messages shorter than
			 * their span.) */
			if (c.m[i].msg_offset != begin[i] ||
			    c.m[i].end_offset != want ||
			    c.m[i].data.len > want - begin[i]) {
				diag("message %zu: %" PRIu64 "-%" PRIu64
				     ", want %" PRIu64 "-%" PRIu64, i,
				     c.m[i].msg_offset, c.m[i].end_offset,
				     begin[i], want);
				bad++;
			}
		}
		ok(rc == 0 && bad == 0, "every begin/end offset as the oracle");
		is_int(shifted, 10, "10 messages end without a blank line");
	}
	coll_release(&c);

	read_path(dir, "mimekit-issue1189.mbox", &mbox);
	rc = split_checked(mbox.data, mbox.len, &c, "mimekit-issue1189.mbox");
	ok(rc == 0 && c.n == 4 &&
	   strcmp(c.m[3].sender, "1844347869536581428@xxx") == 0 &&
	   !c.m[3].has_date, "mimekit-issue1189.mbox: 4 dateless messages");
	coll_release(&c);

	read_path(dir, "mimekit-simple.mbox", &mbox);
	rc = split_checked(mbox.data, mbox.len, &c, "mimekit-simple.mbox");
	ok(rc == 0 && c.n == 3 && c.m[0].data.len > 0 &&
	   c.m[0].data.data[c.m[0].data.len - 1] == '\n' &&
	   strncmp(c.m[1].data.data, "From: fejj@gnome.org\n", 21) == 0,
	   "mimekit-simple.mbox: 3 messages split at \"From - \"");
	coll_release(&c);

	/* MimeKit's own test expects 4 here, splitting at "From Russia
	 * with love"; by our rule that line is body. */
	read_path(dir, "mimekit-unmunged.mbox", &mbox);
	rc = split_checked(mbox.data, mbox.len, &c, "mimekit-unmunged.mbox");
	ok(rc == 0 && c.n == 2, "mimekit-unmunged.mbox: 2 messages");
	ok(c.n == 2 && c.m[0].msg_offset == 10 &&
	   strstr(c.m[0].data.data, "\nFrom Russia with love\n") != NULL &&
	   strstr(c.m[1].data.data, "\nFrom Russia with love\nYear") != NULL,
	   "the unmunged From lines stay in their bodies");
	ok(c.n == 2 && strncmp(c.m[1].data.data, "From: Jeffrey", 13) == 0 &&
	   memcmp(c.m[0].data.data + c.m[0].data.len - 26,
		  "What does Thunderbird do?\n", 26) == 0,
	   "the second message begins with its header");
	coll_release(&c);

	buf_release(&mbox);
	buf_release(&exp);
}

/* ---- writer ---- */

/* Writes each message, reads the mbox back, compares. */
static int round_trip(struct buf *const *msgs, size_t n, const char *what,
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

static void test_writer(void)
{
	static const char *const nasty[] = {
		"Subject: a\n\nFrom the start\nFrom Russia with love\n",
		"Subject: b\n\n>From quoted\n>>From twice\n>>>From\n",
		"From: header line\nSubject: c\n\nx\n\nFrom a@b Mon Jan  1 "
		"00:00:00 2001\n\n",
		"Subject: crlf\r\n\r\nbody\r\nFrom x@y\r\n\r\n",
		"Subject: no final newline\n\nlast line",
		"Subject: cr at end\n\nline\r",
		"",
		"\n",
		"\n\n\n",
		"Subject: empty body\n\n",
		"Subject: header only\n",
		"Content-Length: 5\n\nFrom a@b Mon Jan  1 00:00:00 2001\n",
		">From",
		"From",
		"Fro\n>Fro\n>>Fr\nFrom",
		"x\n>From \n>\n>>\n",
		"\0From \0\n\0\n",
	};
	struct buf *msgs[ARRAY_SIZE(nasty) + 2];
	struct buf line = BUF_INIT, out = BUF_INIT;
	struct mbox_writer w;
	size_t i, n = ARRAY_SIZE(nasty);

	for (i = 0; i < n; i++) {
		msgs[i] = xcalloc(1, sizeof(struct buf));
		buf_init(msgs[i]);
		buf_puts(msgs[i], nasty[i]);
	}
	/* The last one holds NULs; fix its length. */
	buf_reset(msgs[n - 1]);
	buf_append(msgs[n - 1], "\0From \0\n\0\n", 10);
	/* A long '>' run, and a long line. */
	msgs[n] = xcalloc(1, sizeof(struct buf));
	buf_init(msgs[n]);
	for (i = 0; i < 70000; i++)
		buf_putc(msgs[n], '>');
	buf_puts(msgs[n], "From deep\n");
	msgs[n + 1] = xcalloc(1, sizeof(struct buf));
	buf_init(msgs[n + 1]);
	buf_puts(msgs[n + 1], "X: y\n\n");
	for (i = 0; i < 200000; i++)
		buf_putc(msgs[n + 1], i % 1000 == 999 ? '\n' : 'z');
	buf_puts(msgs[n + 1], "\nFrom end\n");
	round_trip(msgs, n + 2, "nasty messages", 0);
	round_trip(msgs, n + 2, "nasty messages from fds", 1);
	for (i = 0; i < n + 2; i++) {
		buf_release(msgs[i]);
		free(msgs[i]);
	}

	/* What the writer puts out, exactly. */
	mbox_writer_init_buf(&w, &out);
	mbox_writer_begin(&w, NULL, 1046748800);
	mbox_writer_data(&w, "A: b\n\nFrom x\n>From y\nz", 22);
	mbox_writer_end(&w);
	mbox_writer_begin(&w, "a b\tc", 0);
	mbox_writer_end(&w);
	mbox_writer_release(&w);
	is_str(out.data, "From MAILER-DAEMON Tue Mar  4 03:33:20 2003\n"
	       "A: b\n\n>From x\n>>From y\nz\n\n"
	       "From a_b_c Thu Jan  1 00:00:00 1970\n\n",
	       "writer output: asctime UTC, escaping, newline, blank line");
	buf_reset(&out);
	mbox_writer_init_buf(&w, &out);
	ok(mbox_writer_data(&w, "x", 1) == -EINVAL &&
	   mbox_writer_end(&w) == -EINVAL, "data/end outside a message fail");
	mbox_writer_release(&w);
	ok(mbox_format_from_line(&line, "a@b", -5) == 0 &&
	   strcmp(line.data, "From a@b Thu Jan  1 00:00:00 1970\n") == 0,
	   "negative dates clamp to the epoch");
	buf_reset(&line);
	ok(mbox_format_from_line(&line, "a@b", INT64_MAX) == 0 &&
	   strcmp(line.data, "From a@b Fri Dec 31 23:59:59 9999\n") == 0,
	   "huge dates clamp to year 9999");
	buf_release(&line);
	buf_release(&out);
}

/* Files of a directory tree, sorted, as buffers. */
static void load_tree(const char *dir, struct buf ***v, size_t *n,
		      size_t *cap, int strip_from)
{
	struct dirent **ents;
	int k, i;

	k = scandir(dir, &ents, NULL, alphasort);
	for (i = 0; i < k; i++) {
		const char *name = ents[i]->d_name;
		char path[4096];
		struct buf *b;

		if (name[0] == '.' || strcmp(name, "MANIFEST.tsv") == 0 ||
		    xsnprintf(path, sizeof(path), "%s/%s", dir, name) < 0) {
			free(ents[i]);
			continue;
		}
		if (ents[i]->d_type == DT_DIR) {
			load_tree(path, v, n, cap, strip_from);
			free(ents[i]);
			continue;
		}
		b = xcalloc(1, sizeof(*b));
		buf_init(b);
		if (read_file_small(path, 64u << 20, b) == 0) {
			if (strip_from && strncmp(b->data, "From ", 5) == 0) {
				const char *nl = memchr(b->data, '\n', b->len);
				size_t skip = nl ? (size_t)(nl - b->data) + 1
						 : b->len;

				memmove(b->data, b->data + skip, b->len - skip);
				buf_truncate(b, b->len - skip);
			}
			*v = xgrow(*v, cap, *n + 1, sizeof(**v));
			(*v)[(*n)++] = b;
		} else {
			free(b);
		}
		free(ents[i]);
	}
	free(ents);
}

static void test_corpus_round_trip(const char *corpus)
{
	struct buf **v = NULL;
	size_t n = 0, cap = 0, i, no_nl = 0;
	char dir[4096];
	struct timespec t0, t1;
	double secs;

	xsnprintf(dir, sizeof(dir),
		  "%s/realistic/spamassassin/easy_ham", corpus);
	load_tree(dir, &v, &n, &cap, 1);
	is_int(n, 2500, "easy_ham: 2500 files");
	for (i = 0; i < n; i++)
		no_nl += v[i]->len > 0 && v[i]->data[v[i]->len - 1] != '\n';
	diag("easy_ham: %zu files do not end in a newline", no_nl);
	round_trip(v, n, "easy_ham", 0);
	for (i = 0; i < n; i++) {
		buf_release(v[i]);
		free(v[i]);
	}
	n = 0;

	xsnprintf(dir, sizeof(dir), "%s/torture", corpus);
	load_tree(dir, &v, &n, &cap, 0);
	is_int(n, 300, "torture: 300 files");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	round_trip(v, n, "torture", 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	       (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	diag("torture export and import took %.2f s", secs);
	ok(secs < 20, "torture round trip in a few seconds (%.2f s)", secs);
	for (i = 0; i < n; i++) {
		buf_release(v[i]);
		free(v[i]);
	}
	free(v);
}

int main(void)
{
	const char *corpus = tap_corpus_dir();

	test_basics();
	test_separators();
	test_unescape();
	test_long_lines();
	test_content_length();
	test_writer();
	if (corpus == NULL) {
		skip("no corpus: mbox oracles");
		skip("no corpus: easy_ham and torture round trips");
	} else {
		test_corpus_mbox(corpus);
		test_corpus_round_trip(corpus);
	}
	return done_testing();
}
