/* Tests of the mbox reader and writer (fs/mbox.h) on hand-written input;
 * test-mbox-corpus.c runs them over the shared corpus. */

#include "mbox-test.h"

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

/* ---- writer ---- */


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

int main(void)
{
	test_basics();
	test_separators();
	test_unescape();
	test_long_lines();
	test_content_length();
	test_writer();
	return done_testing();
}
