/* Tests for the IMAP output quoting, date and mailbox name helpers
 * (frontends/imap/imap-quote.c, imap-date.c, imap-mailbox.c). */

#include <errno.h>
#include <string.h>

#include "buf.h"
#include "imap/imap-date.h"
#include "imap/imap-mailbox.h"
#include "imap/imap-quote.h"
#include "../tap.h"

static const char *q(const char *s, size_t len, unsigned int flags)
{
	static struct buf out = BUF_INIT;

	buf_reset(&out);
	imap_quote(&out, s, len, flags);
	return out.data;
}

static const char *mbox(const char *s, bool utf8)
{
	static struct buf out = BUF_INIT;

	buf_reset(&out);
	if (imap_mailbox_decode(s, strlen(s), utf8, &out) < 0)
		return "ERR";
	return out.data;
}

static const char *dt(const char *s)
{
	static struct buf out = BUF_INIT;
	time_t t;
	int tz;

	buf_reset(&out);
	if (imap_date_time_parse(s, strlen(s), &t, &tz) < 0)
		return "ERR";
	buf_printf(&out, "%lld ", (long long)t);
	imap_date_time_format(t, tz, &out);
	return out.data;
}

int main(void)
{
	struct buf out = BUF_INIT;
	time_t t;

	is_str(q("INBOX", 5, IMAP_QUOTE_ATOM), "INBOX", "an atom");
	is_str(q("INBOX", 5, 0), "\"INBOX\"", "string: never an atom");
	is_str(q("NIL", 3, IMAP_QUOTE_ATOM), "\"NIL\"", "NIL must be quoted");
	is_str(q("", 0, IMAP_QUOTE_ATOM), "\"\"", "empty");
	is_str(q("a b", 3, IMAP_QUOTE_ATOM), "\"a b\"", "a space");
	is_str(q("a\"b\\c", 5, IMAP_QUOTE_ATOM), "\"a\\\"b\\\\c\"",
	       "escapes");
	is_str(q("x]", 2, IMAP_QUOTE_ATOM), "\"x]\"", "']' is not atom");
	is_str(q("a*", 2, IMAP_QUOTE_ATOM), "\"a*\"", "'*' is not atom");
	is_str(q("a\r\nb", 4, IMAP_QUOTE_ATOM), "{4}\r\na\r\nb",
	       "CRLF needs a literal");
	is_str(q("\xc3\xa4", 2, 0), "{2}\r\n\xc3\xa4",
	       "8-bit: a literal by default");
	is_str(q("\xc3\xa4", 2, IMAP_QUOTE_UTF8), "\"\xc3\xa4\"",
	       "UTF-8 quoted after UTF8=ACCEPT");
	is_str(q("\xe4", 1, IMAP_QUOTE_UTF8), "{1}\r\n\xe4",
	       "invalid UTF-8 stays a literal");
	imap_quote_nstring(&out, NULL, 0);
	imap_quote_nstring(&out, "x", 1);
	is_str(out.data, "NIL\"x\"", "nstring");

	is_str(mbox("INBOX", false), "INBOX", "INBOX");
	is_str(mbox("inbox", false), "INBOX", "INBOX is case-insensitive");
	is_str(mbox("InBox.sub", false), "InBox.sub",
	       "only the name INBOX itself is folded");
	is_str(mbox("~peter/mail/&U,BTFw-/&ZeVnLIqe-", false),
	       "~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/\xe6\x97\xa5\xe6\x9c\xac"
	       "\xe8\xaa\x9e", "RFC 3501 5.1.3 example");
	is_str(mbox("a&-b", false), "a&b", "&- is &");
	is_str(mbox("&Jjo", false), "ERR", "unterminated &");
	is_str(mbox("&AGE-", false), "ERR", "encoded ASCII");
	is_str(mbox("a&&-", false), "ERR", "bad base64");
	is_str(mbox("\xc3\xa4", false), "ERR", "8-bit without UTF8=ACCEPT");
	is_str(mbox("\xc3\xa4", true), "\xc3\xa4", "UTF-8 with UTF8=ACCEPT");
	is_str(mbox("\xe4", true), "ERR", "invalid UTF-8");
	is_str(mbox("a\tb", false), "ERR", "control character");
	is_str(mbox("", false), "ERR", "empty name");
	is_str(mbox("../../etc", false), "../../etc",
	       "'..' is handed through: the store decides");
	buf_reset(&out);
	is_int(imap_mailbox_encode("\xe5\x8f\xb0 x", 5, false, &out), 0,
	       "encode");
	is_str(out.data, "\"&U,A- x\"", "encoded and quoted");

	is_str(dt("17-Jul-1996 02:44:25 -0700"),
	       "837596665 17-Jul-1996 02:44:25 -0700",
	       "RFC 3501 date-time");
	is_str(dt(" 7-Jul-1996 02:44:25 +0000"),
	       "836707465  7-Jul-1996 02:44:25 +0000",
	       "space-padded day");
	is_str(dt("7-jul-1996 02:44:25 +0130"),
	       "836702065  7-Jul-1996 02:44:25 +0130",
	       "one-digit day, lower case, a positive zone");
	is_str(dt("31-Dec-1969 23:59:59 +0000"),
	       "-1 31-Dec-1969 23:59:59 +0000", "before 1970");
	is_str(dt("17-Jul-1996 24:00:00 -0700"), "ERR", "hour 24");
	is_str(dt("31-Jun-1996 02:44:25 -0700"), "ERR", "31 June");
	is_str(dt("17-Jul-1996 02:44:25"), "ERR", "no zone");
	is_str(dt("17-Jul-1996 02:44:25 -07000"), "ERR", "junk after");
	is_str(dt("17-Jul-96 02:44:25 -0700"), "ERR", "two-digit year");
	is_int(imap_date_parse("29-Feb-2000", 11, &t), 0, "leap day");
	is_int(t, 951782400, "29 Feb 2000");
	is_int(imap_date_parse("29-Feb-1900", 11, &t), -EINVAL,
	       "1900 was no leap year");
	is_int(imap_date_parse(" 1-Feb-1994", 11, &t), -EINVAL,
	       "no padding in a SEARCH date");
	buf_release(&out);
	return done_testing();
}
