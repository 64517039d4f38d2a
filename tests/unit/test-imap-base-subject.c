/* Tests for RFC 5256 base subjects (frontends/imap/imap-base-subject.c). */

#include <string.h>

#include "buf.h"
#include "imap/imap-base-subject.h"
#include "../tap.h"

static struct buf out = BUF_INIT;
static bool reply;

static const char *base(const char *subject)
{
	buf_reset(&out);
	reply = imap_base_subject(subject, strlen(subject), &out);
	return out.data;
}

static void check(const char *subject, const char *want, bool want_reply)
{
	is_str(base(subject), want, "\"%s\"", subject);
	ok(reply == want_reply, "...%s a reply or forward",
	   want_reply ? "is" : "is not");
}

int main(void)
{
	struct buf many = BUF_INIT;
	int i;

	check("hello", "hello", false);
	check("Re: hello", "hello", true);
	check("RE: Re: re: hello", "hello", true);
	check("Fwd: hello", "hello", true);
	check("FW: hello", "hello", true);
	check("fwd : hello", "hello", true);
	check("re :hello", "hello", true);
	check("Re[2]: hello", "hello", true);
	check("Re [2] : hello", "hello", true);
	check("[PATCH] Re: hello", "hello", true);
	check("[a] [b] Re: hello", "hello", true);
	check("[list] hello", "hello", false);
	check("[list]", "[list]", false);
	check("[a][b]", "[b]", false);
	check("[a] [b] ", "[b]", false);
	check("hello (fwd)", "hello", true);
	check("hello (FWD) (fwd)  ", "hello", true);
	check("[fwd: hello]", "hello", true);
	check("[Fwd: Re: [list] hello (fwd)]", "hello", true);
	check("Re: [fwd: x]", "x", true);
	check("[fwd: ]", "", true);
	check("  hello  \t world  ", "hello world", false);
	check("Re:\thello", "hello", true);
	check("=?utf-8?q?Re=3A_Gr=C3=BC=C3=9Fe?=", "Gr\xc3\xbc\xc3\x9f" "e",
	      true);
	check("=?ISO-8859-1?Q?[liste]_caf=E9?=", "caf\xc3\xa9", false);
	check("Re:", "", true);
	check("", "", false);
	check("[x]Re:", "", true);
	check("Refund: x", "Refund: x", false);
	check("Fwx: y", "Fwx: y", false);
	check("Re: Re[", "Re[", true);
	check("hello [fwd: x]", "hello [fwd: x]", false);
	check("(fwd)", "", true);
	/* Many blobs are taken off at once, in linear time. */
	for (i = 0; i < 20000; i++)
		buf_puts(&many, "[a]");
	is_str(base(many.data), "[a]", "20,000 blobs leave the last");
	buf_puts(&many, " x");
	is_str(base(many.data), "x", "...or none when text follows");
	buf_release(&many);
	buf_release(&out);
	return done_testing();
}
