/* Tests of Content-Type / Content-Disposition parameter parsing with
 * RFC 2231, and of the message summary. */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "../tap.h"
#include "buf.h"
#include "message-summary.h"
#include "mime-param.h"
#include "util.h"

/* "value|name=raw=decoded|..." */
static void check(const char *in, const char *want)
{
	struct mime_params params = { NULL, 0 };
	struct buf value = BUF_INIT, out = BUF_INIT;
	unsigned int i;

	mime_param_parse(in, strlen(in), &value, &params);
	buf_append(&out, value.data, value.len);
	for (i = 0; i < params.n; i++)
		buf_printf(&out, "|%s=%s=%s", params.v[i].name, params.v[i].raw,
			   params.v[i].value);
	is_str(out.data, want, "params of: %s", in);
	mime_params_release(&params);
	ok(params.v == NULL && params.n == 0, "  released");
	buf_release(&value);
	buf_release(&out);
}

static void check_type(const char *in, int want_ret, const char *want_type,
		       const char *want_sub)
{
	struct mime_params params = { NULL, 0 };
	char *t, *st;

	is_int(mime_param_parse_content_type(in, strlen(in), &t, &st, &params),
	       want_ret, "content type of \"%s\"", in);
	is_str(t, want_type, "  type");
	is_str(st, want_sub, "  subtype");
	free(t);
	free(st);
	mime_params_release(&params);
}

static void test_summary(void)
{
	static const char msg[] =
		"From sender@x Thu Jan  1 00:00:00 1970\n"
		"Subject: first\n"
		"subject: second\n"
		"FROM: \"A\" <a@x>\n"
		"To: b@x,\n c@x\n"
		"Date: Tue, 1 Jul 2003 10:52:37 +0200\n"
		"Message-ID: <m1@x>\n"
		"References: <r1@x>\n\t<r2@x>\n"
		"X-Nul: a\0b\n"
		"\n"
		"Subject: in the body\n";
	char path[4200];
	const char *tmp = getenv("MAILTREE_TMP");
	struct message_summary sum;
	int fd;

	if (xsnprintf(path, sizeof(path), "%s/summary.XXXXXX",
		      tmp ? tmp : "/tmp") < 0 || (fd = mkstemp(path)) < 0) {
		ok(0, "temp file");
		return;
	}
	unlink(path);
	write_full(fd, msg, sizeof(msg) - 1);
	is_int(message_summary_read_fd(fd, 0, &sum), 0, "summary from an fd");
	is_str(sum.subject, "first", "first Subject wins");
	is_str(sum.from, "\"A\" <a@x>", "From, case-insensitive name");
	is_str(sum.to, "b@x, c@x", "To unfolded");
	is_str(sum.references, "<r1@x>\t<r2@x>", "References unfolded");
	is_str(sum.message_id, "<m1@x>", "Message-ID");
	ok(sum.cc == NULL && sum.bcc == NULL && sum.sender == NULL &&
	   sum.reply_to == NULL && sum.in_reply_to == NULL,
	   "absent fields are NULL");
	is_int(sum.header_size, sizeof(msg) - 1 - strlen("Subject: in the body\n"),
	       "header size up to and with the empty line");
	ok(sum.date_valid && sum.date_time == 1057049557 && sum.date_tz == 120,
	   "Date parsed");
	message_summary_release(&sum);
	ok(sum.subject == NULL, "release clears");

	/* The same from an offset: the second message's header. */
	write_full(fd, "Subject: two\n\n", 14);
	is_int(message_summary_read_fd(fd, sizeof(msg) - 1, &sum), 0,
	       "summary at an offset");
	is_str(sum.subject, "two", "reads the header at that offset");
	ok(!sum.date_valid, "no Date: date_valid false");
	message_summary_release(&sum);
	close(fd);

	message_summary_parse("Date: garbage\n\n", 15, &sum);
	ok(sum.date != NULL && !sum.date_valid, "a bad Date is kept raw only");
	message_summary_release(&sum);
}

int main(void)
{
	check("text/plain; charset=us-ascii", "text/plain|charset=us-ascii=us-ascii");
	check("Text/Plain ; CHARSET = \"UTF-8\" ; Format=flowed",
	      "text/plain|charset=UTF-8=UTF-8|format=flowed=flowed");
	check("attachment; filename=\"a \\\"q\\\" b.txt\"",
	      "attachment|filename=a \"q\" b.txt=a \"q\" b.txt");
	check("inline (a comment); (another) size=10 (bytes)",
	      "inline|size=10=10");
	check("multipart/alternative;; boundary=\"foo\"",
	      "multipart/alternative|boundary=foo=foo");
	check("text/calendar; method=text/calendar",
	      "text/calendar|method=text/calendar=text/calendar");
	check("text/html; charset=\"UTF-8Return-Path: x",
	      "text/html|charset=UTF-8Return-Path: x=UTF-8Return-Path: x");
	check("a; name=first; name=second", "a|name=first=first");
	check("a; novalue; =x; y=1", "a|y=1=1");
	/* RFC 2231 section 3, 4 and 4.1 examples. */
	check("message/external-body; access-type=URL;\n"
	      " URL*0=\"ftp://\";\n URL*1=\"cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar\"",
	      "message/external-body|access-type=URL=URL|url=ftp://cs.utk.edu/pub/"
	      "moore/bulk-mailer/bulk-mailer.tar=ftp://cs.utk.edu/pub/moore/"
	      "bulk-mailer/bulk-mailer.tar");
	check("application/x-stuff; title*=us-ascii'en-us'This%20is%20%2A%2A%2Afun%2A%2A%2A",
	      "application/x-stuff|title=This is ***fun***=This is ***fun***");
	check("application/x-stuff; title*1*=%2A%2A%2Afun%2A%2A%2A%20; "
	      "title*0*=us-ascii'en'This%20is%20even%20more%20; title*2=\"isn't it!\"",
	      "application/x-stuff|title=This is even more ***fun*** isn't it!="
	      "This is even more ***fun*** isn't it!");
	/* mimetools/attachment-filename-encoding-Latin1.eml */
	check("attachment;\n filename*=ISO-8859-1''%61%74%74%61%63%68%6D%65%6E%74%2E%E4%F6%FC",
	      "attachment|filename=attachment.\xe4\xf6\xfc=attachment.\xc3\xa4\xc3\xb6\xc3\xbc");
	/* cpython/msg_33.eml: the boundary in RFC 2231 form. */
	check("multipart/signed; boundary*=\"ansi-x3.4-1968''EeQfGwPcQSOJBaQU\"",
	      "multipart/signed|boundary=EeQfGwPcQSOJBaQU=EeQfGwPcQSOJBaQU");
	check("attachment; filename*=utf-8''%e2%82%ac; filename=\"fallback\"",
	      "attachment|filename=\xe2\x82\xac=\xe2\x82\xac");
	check("attachment; filename=\"=?UTF-8?B?4oKsLnR4dA==?=\"",
	      "attachment|filename==?UTF-8?B?4oKsLnR4dA==?==\xe2\x82\xac.txt");
	check("attachment; filename*=bogus''%E9t%E9%zz",
	      "attachment|filename=\xe9t\xe9%zz=\xc3\xa9t\xc3\xa9%zz");
	check("attachment; filename=\"raw \xe9\"",
	      "attachment|filename=raw \xe9=raw \xc3\xa9");

	check_type("text/plain", 0, "text", "plain");
	check_type(" IMAGE / PNG ; x=y", 0, "image", "png");
	check_type("text", -EINVAL, NULL, NULL);
	check_type("text/", -EINVAL, NULL, NULL);
	check_type("/plain", -EINVAL, NULL, NULL);
	check_type("te xt/plain", -EINVAL, NULL, NULL);
	check_type("", -EINVAL, NULL, NULL);
	test_summary();
	return done_testing();
}
