/* Tests for the MAIL/RCPT argument parser (frontends/smtp/smtp-parse.c). */

#include <errno.h>
#include <string.h>

#include "buf.h"
#include "smtp/smtp.h"
#include "../tap.h"

int main(void)
{
	struct smtp_path p;
	struct buf local = BUF_INIT;
	char longpath[400];

	is_int(smtp_parse_path("FROM:<a@b.org>", "FROM:", &p), 0, "MAIL FROM");
	is_str(p.addr, "a@b.org", "address");
	is_int(p.param_count, 0, "no parameters");
	is_int(smtp_parse_path("from: <> SIZE=100 body=8bitmime", "FROM:", &p),
	       0, "null sender, lower case, space after the colon");
	is_str(p.addr, "", "null sender is empty");
	is_str(smtp_path_param(&p, "SIZE"), "100", "SIZE");
	is_str(smtp_path_param(&p, "BODY"), "8bitmime", "BODY, key upper-cased");
	ok(smtp_path_param(&p, "RET") == NULL, "absent parameter");
	is_int(smtp_parse_path("TO:<@relay,@r2:u@h>", "TO:", &p), 0,
	       "source route");
	is_str(p.addr, "u@h", "source route dropped");
	is_int(smtp_parse_path("TO:u@h", "TO:", &p), -EINVAL,
	       "brackets are needed");
	is_int(smtp_parse_path("TO:<u@h", "TO:", &p), -EINVAL, "unclosed");
	is_int(smtp_parse_path("TO:<u@h>X", "TO:", &p), -EINVAL,
	       "junk after the path");
	is_int(smtp_parse_path("TO:<u h@h>", "TO:", &p), -EINVAL,
	       "a space in the address");
	is_int(smtp_parse_path("FROM:<a@b> =x", "FROM:", &p), -EINVAL,
	       "a parameter without a name");
	memset(longpath, 'a', sizeof(longpath));
	memcpy(longpath, "TO:<", 4);
	longpath[sizeof(longpath) - 2] = '>';
	longpath[sizeof(longpath) - 1] = '\0';
	is_int(smtp_parse_path(longpath, "TO:", &p), -ENAMETOOLONG,
	       "a path over 256 bytes");
	smtp_local_part("alice@example.org", &local);
	is_str(local.data, "alice", "local part");
	smtp_local_part("\"a@b\"@example.org", &local);
	is_str(local.data, "\"a@b\"", "local part up to the last @");
	smtp_local_part("bob", &local);
	is_str(local.data, "bob", "a bare user");
	ok(smtp_xtext_valid("rfc822;a+2Bb@x"), "xtext with a hex escape");
	ok(!smtp_xtext_valid("a+2b"), "xtext hex is upper case");
	ok(!smtp_xtext_valid("a+2"), "a cut escape");
	ok(!smtp_xtext_valid("a=b"), "'=' is not xtext");
	ok(!smtp_xtext_valid("a b"), "nor a space");
	ok(smtp_addr_is_utf8("j\xc3\xb6rg@x"), "a UTF-8 address");
	ok(!smtp_addr_is_utf8("jorg@x"), "an ASCII one");
	/* One byte at a time: every prefix of a good line is refused or
	 * parses, and only the whole line gives the whole address. */
	{
		const char *line = "FROM:<a@b.example> SIZE=10 RET=HDRS";
		char pre[64];
		size_t i;
		int whole = 0;

		for (i = 0; i <= strlen(line); i++) {
			memcpy(pre, line, i);
			pre[i] = '\0';
			if (smtp_parse_path(pre, "FROM:", &p) == 0 &&
			    strcmp(p.addr, "a@b.example") == 0 &&
			    p.param_count == 2 &&
			    smtp_path_param(&p, "RET") != NULL &&
			    strcmp(smtp_path_param(&p, "RET"), "HDRS") == 0)
				whole++;
		}
		is_int(whole, 1, "only the whole line has both parameters");
	}
	buf_release(&local);
	return done_testing();
}
