/* Tests of header decoding (fs/rfc2047.c) and charsets (fs/charset.c). */

#include <fcntl.h>
#include <unistd.h>

#include "../tap.h"
#include "buf.h"
#include "charset.h"
#include "message-summary.h"
#include "rfc2047.h"
#include "util.h"

static void dec(const char *in, const char *want)
{
	struct buf out = BUF_INIT;

	rfc2047_decode(in, strlen(in), &out);
	is_str(out.data, want, "decode \"%s\"", in);
	ok(charset_is_utf8(out.data, out.len), "  output is UTF-8");
	buf_release(&out);
}

static void conv(const char *cs, const char *in, const char *want)
{
	struct buf out = BUF_INIT;

	charset_to_utf8(cs, in, strlen(in), &out);
	is_str(out.data, want, "%s to UTF-8", cs ? cs : "NULL");
	buf_release(&out);
}

/* The streaming converter, fed one byte at a time, matches one-shot. */
static void conv_stream(const char *cs, const char *in, size_t len)
{
	struct buf a = BUF_INIT, b = BUF_INIT;
	struct charset_conv *c;
	size_t i;

	charset_to_utf8(cs, in, len, &a);
	c = charset_conv_new(cs);
	for (i = 0; i < len; i++)
		charset_conv_feed(c, in + i, 1, &b);
	charset_conv_finish(c, &b);
	charset_conv_free(&c);
	ok(c == NULL, "charset_conv_free sets NULL");
	is_str(b.data, a.data, "%s: byte-at-a-time conversion matches", cs);
	buf_release(&a);
	buf_release(&b);
}

/* Subject of a corpus file, decoded. */
static void corpus_subject(const char *file, const char *want)
{
	const char *dir = tap_corpus_dir();
	struct message_summary sum;
	struct buf out = BUF_INIT;
	char path[4096];
	int fd;

	if (dir == NULL) {
		skip("no corpus");
		return;
	}
	if (xsnprintf(path, sizeof(path), "%s/torture/%s", dir, file) < 0 ||
	    (fd = open(path, O_RDONLY)) < 0) {
		ok(0, "open %s", file);
		return;
	}
	is_int(message_summary_read_fd(fd, 0, &sum), 0, "summary of %s", file);
	close(fd);
	if (sum.subject != NULL)
		rfc2047_decode(sum.subject, strlen(sum.subject), &out);
	is_str(out.data, want, "decoded subject of %s", file);
	message_summary_release(&sum);
	buf_release(&out);
}

int main(void)
{
	struct buf want = BUF_INIT;
	int i;

	dec("plain text", "plain text");
	dec("=?UTF-8?B?44G+44G/44KA44KB44KC?=",
	    "\xe3\x81\xbe\xe3\x81\xbf\xe3\x82\x80\xe3\x82\x81\xe3\x82\x82");
	dec("=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?=", "Keld J\xc3\xb8rn Simonsen");
	/* RFC 2047 section 8 examples. */
	dec("(=?ISO-8859-1?Q?a?=)", "(a)");
	dec("(=?ISO-8859-1?Q?a?= b)", "(a b)");
	dec("(=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=)", "(ab)");
	dec("(=?ISO-8859-1?Q?a?=  \t =?ISO-8859-1?Q?b?=)", "(ab)");
	dec("(=?ISO-8859-1?Q?a_b?=)", "(a b)");
	dec("(=?ISO-8859-1?Q?a?= =?ISO-8859-2?Q?_b?=)", "(a b)");
	dec("=?utf-8?q?MIME_UTF8_Test_=c2=a2?= More Text",
	    "MIME UTF8 Test \xc2\xa2 More Text");
	/* mimetools/intl.eml: three words in three charsets. */
	dec("=?ISO-8859-1?B?SWYgeW91IGNhbiByZWFkIHRoaXMgeW8=?= "
	    "=?ISO-8859-2?B?dSB1bmRlcnN0YW5kIHRoZSBleGFtcGxlLg==?= "
	    "=?US-ASCII?Q?.._so,_cool!?=",
	    "If you can read this you understand the example... so, cool!");
	/* A UTF-8 character split between two encoded words. */
	dec("=?UTF-8?B?4oI=?= =?UTF-8?B?rA==?=", "\xe2\x82\xac");
	dec("=?UTF-8*en?Q?lang_suffix?=", "lang suffix");
	dec("=?utf-8?Q?glued?=text", "gluedtext");
	dec("x=?utf-8?Q?glued?=", "xglued");
	dec("=?bogus-charset?Q?caf=E9?=", "caf\xc3\xa9");
	dec("=?utf-8?X?not encoded?=", "=?utf-8?X?not encoded?=");
	dec("=?utf-8?Q?unterminated", "=?utf-8?Q?unterminated");
	dec("raw utf-8 caf\xc3\xa9", "raw utf-8 caf\xc3\xa9");
	dec("raw latin1 caf\xe9 \x80", "raw latin1 caf\xc3\xa9 \xe2\x82\xac");
	dec("tab\there\rcr", "tab here cr");
	dec("bell\x07 del\x7f nul", "bell del nul");
	dec("=?utf-8?Q?c1=C2=85control?=", "c1control");
	dec("=?iso-2022-jp?B?GyRCJEckOSEjGyhC?=",
	    "\xe3\x81\xa7\xe3\x81\x99\xe3\x80\x82");
	dec("=?ks_c_5601-1987?B?x9GxuQ==?=", "\xed\x95\x9c\xea\xb5\xad");

	conv("iso-8859-1", "caf\xe9", "caf\xc3\xa9");
	conv("windows-1252", "\x93q\x94", "\xe2\x80\x9cq\xe2\x80\x9d");
	conv("utf-8", "ok\xff", "ok\xc3\xbf");
	conv(NULL, "caf\xe9", "caf\xc3\xa9");
	conv("KOI8-R", "\xf0\xd2\xc9\xd7\xc5\xd4",
	     "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82");
	conv("shift_jis", "\x82\xa0", "\xe3\x81\x82");
	conv("utf-8", "\xed\xa0\x80", "\xc3\xad\xc2\xa0\xe2\x82\xac");
	ok(charset_is_known("UTF-8") && charset_is_known("iso-8859-15") &&
	   !charset_is_known("x-no-such-charset"), "charset_is_known");
	ok(!charset_is_utf8("\xc0\x80", 2), "overlong NUL is not UTF-8");
	ok(!charset_is_utf8("\xed\xa0\x80", 3), "a surrogate is not UTF-8");
	ok(charset_is_utf8("\xf0\x9f\x98\x80", 4), "an emoji is UTF-8");

	conv_stream("utf-8", "a\xe2\x82\xac" "b\xf0\x9f\x98\x80\xff", 10);
	conv_stream("shift_jis", "\x82\xa0\x82\xa2x", 5);
	conv_stream("iso-2022-jp", "\x1b$B$G$9!#\x1b(B", 12);
	conv_stream("utf-8", "cut\xe2\x82", 5);

	corpus_subject("rubymail/multi_charset_japanese.eml",
		       "\xe3\x81\xbe\xe3\x81\xbf\xe3\x82\x80\xe3\x82\x81"
		       "\xe3\x82\x82");
	/* Four folded encoded words, "mamimumemo" ten times over. */
	for (i = 0; i < 10; i++)
		buf_puts(&want, "\xe3\x81\xbe\xe3\x81\xbf\xe3\x82\x80"
			 "\xe3\x82\x81\xe3\x82\x82");
	corpus_subject("rubymail/multi_charset_japanese_attachment_long_name.eml",
		       want.data);
	buf_release(&want);
	corpus_subject("mimetools/intl.eml",
		       "If you can read this you understand the example... "
		       "so, cool!");
	corpus_subject("enmime/mail-qp-utf8-header.eml",
		       "MIME UTF8 Test \xc2\xa2 More Text");
	return done_testing();
}
