/* Tests of RFC 5322 date parsing (fs/date.c). */

#include <errno.h>

#include "../tap.h"
#include "buf.h"
#include "date.h"

static void good(const char *s, long long want_t, int want_tz)
{
	time_t t = 0;
	int tz = 12345;
	int ret = date_parse(s, strlen(s), &t, &tz);

	is_int(ret, 0, "parses: %s", s);
	is_int((long long)t, want_t, "  instant of %s", s);
	is_int(tz, want_tz, "  zone of %s", s);
}

static void bad(const char *s)
{
	time_t t = 77;
	int tz = 88;

	is_int(date_parse(s, strlen(s), &t, &tz), -EINVAL, "rejects: \"%s\"", s);
	ok(t == 77 && tz == 88, "  outputs untouched for \"%s\"", s);
}

int main(void)
{
	struct buf b = BUF_INIT;

	/* 2003-07-01 10:52:37 +0200 = 08:52:37 UTC = 1057049557. */
	good("Tue, 1 Jul 2003 10:52:37 +0200", 1057049557, 120);
	good("1 Jul 2003 10:52:37 +0200", 1057049557, 120);
	good("Tue,  1 Jul 2003 10:52:37 +0200 (CEST)", 1057049557, 120);
	good("Tue, 01 Jul 2003 08:52:37 GMT", 1057049557, 0);
	good("Tue, 1 Jul 2003 08:52:37 UT", 1057049557, 0);
	good("Tue, 1 Jul 2003 08:52:37", 1057049557, 0);
	good("Tue, 1 Jul 03 08:52:37 +0000", 1057049557, 0);
	good("Tue, 1 Jul 103 08:52:37 +0000", 1057049557, 0);
	good("Tue, 1 Jul 2003 04:52:37 EDT", 1057049557, -240);
	good("Tue, 1 Jul 2003 01:52:37 -0700", 1057049557, -420);
	good("Tue, 1 Jul 2003 08:52 +0000", 1057049520, 0);
	good("Tue Jul  1 08:52:37 2003", 1057049557, 0);
	good("1-Jul-2003 08:52:37 +0000", 1057049557, 0);
	good("tue, 1 JULY 2003 08:52:37 z", 1057049557, 0);
	good("(comment) 1 (x) Jul 2003 08:52:37 +0000 (y)", 1057049557, 0);
	/* From mime4j's basic-plain-with-bad-header-separator.eml. */
	good("Wed, 11 Feb 98 11:51 CST", 887219460, -360);
	good("Sat, 1 Jan 2000 00:00:00 +0000", 946684800, 0);
	good("Thu, 1 Jan 1970 00:00:00 +0000", 0, 0);
	good("Fri, 31 Dec 1999 23:59:60 +0000", 946684799, 0);
	good("29 Feb 2004 12:00:00 +0000", 1078056000, 0);
	good("1 Jan 49 00:00:00 +0000", 2493072000LL, 0);
	good("1 Jan 50 00:00:00 +0000", -631152000LL, 0);
	bad("");
	bad("not a date");
	bad("Tue, 1 Jul 2003");
	bad("30 Feb 2004 12:00:00 +0000");
	bad("1 Jul 2003 25:00:00 +0000");
	bad("1 Foo 2003 10:00:00 +0000");
	bad("1 Jul 2003 10:00:00:00 +0000");
	bad("(1 Jul 2003 10:00:00 +0000)");

	date_format(1057049557, 120, &b);
	is_str(b.data, "Tue, 1 Jul 2003 10:52:37 +0200", "date_format");
	buf_reset(&b);
	date_format(887219460, -360, &b);
	is_str(b.data, "Wed, 11 Feb 1998 11:51:00 -0600", "date_format, west");
	buf_release(&b);
	return done_testing();
}
