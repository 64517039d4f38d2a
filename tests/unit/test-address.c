/* Tests of RFC 5322 address list parsing (fs/address.c). */

#include "../tap.h"
#include "address.h"
#include "buf.h"

/* One line per entry: "kind|name|name_utf8|route|mailbox|domain|invalid". */
static void dump(const char *s, struct buf *out)
{
	struct address *list, *a;
	int n;

	n = address_list_parse(s, strlen(s), &list);
	buf_printf(out, "%d", n);
	for (a = list; a != NULL; a = a->next) {
		static const char *const kinds[] = { "M", "G", "E" };

		buf_printf(out, "\n%s|%s|%s|%s|%s|%s|%d", kinds[a->kind],
			   a->name ? a->name : "-",
			   a->name_utf8 ? a->name_utf8 : "-",
			   a->route ? a->route : "-",
			   a->mailbox ? a->mailbox : "-",
			   a->domain ? a->domain : "-", a->invalid);
	}
	address_list_free(&list);
	ok(list == NULL, "free sets the list NULL");
}

static void check(const char *s, const char *want)
{
	struct buf out = BUF_INIT;

	dump(s, &out);
	is_str(out.data, want, "addresses of: %s", s);
	buf_release(&out);
}

static void check_format(const char *s, const char *want)
{
	struct buf out = BUF_INIT;
	struct address *list;

	address_list_parse(s, strlen(s), &list);
	address_list_format(list, &out);
	is_str(out.data, want, "display of: %s", s);
	address_list_free(&list);
	buf_release(&out);
}

int main(void)
{
	check("a@b.example", "1\nM|-|-|-|a|b.example|0");
	check("Joe Q. Public <john.q.public@example.com>",
	      "1\nM|Joe Q. Public|Joe Q. Public|-|john.q.public|example.com|0");
	check("\"Giant; \\\"Big\\\" Box\" <sysservices@example.net>",
	      "1\nM|Giant; \"Big\" Box|Giant; \"Big\" Box|-|sysservices|"
	      "example.net|0");
	check("Mary Smith <mary@x.test>, jdoe@example.org, Who? <one@y.test>",
	      "3\nM|Mary Smith|Mary Smith|-|mary|x.test|0\n"
	      "M|-|-|-|jdoe|example.org|0\nM|Who?|Who?|-|one|y.test|0");
	check("A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;",
	      "5\nG|A Group|A Group|-|-|-|0\nM|Ed Jones|Ed Jones|-|c|a.test|0\n"
	      "M|-|-|-|joe|where.test|0\nM|John|John|-|jdoe|one.test|0\n"
	      "E|-|-|-|-|-|0");
	check("Undisclosed recipients:;",
	      "2\nG|Undisclosed recipients|Undisclosed recipients|-|-|-|0\n"
	      "E|-|-|-|-|-|0");
	check("Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>",
	      "1\nM|Pete|Pete|-|pete|silly.test|0");
	check("jdoe@machine.example (John Doe)",
	      "1\nM|John Doe|John Doe|-|jdoe|machine.example|0");
	check("<@route1,@route2:user@host>",
	      "1\nM|-|-|@route1,@route2|user|host|0");
	check("=?ISO-8859-1?Q?Andr=E9?= Pirard <PIRARD@vm1.ulg.ac.be>",
	      "1\nM|=?ISO-8859-1?Q?Andr=E9?= Pirard|Andr\xc3\xa9 Pirard|-|"
	      "PIRARD|vm1.ulg.ac.be|0");
	check("\"=?UTF-8?Q?Miros=C5=82aw_Marczak?=\" <marczak@inbucket.com>",
	      "1\nM|=?UTF-8?Q?Miros=C5=82aw_Marczak?=|Miros\xc5\x82" "aw Marczak|-|"
	      "marczak|inbucket.com|0");
	check("\"john doe\"@example.com", "1\nM|-|-|-|john doe|example.com|0");
	check("<>", "1\nM|-|-|-|||0");
	check("localrecipient", "1\nM|-|-|-|localrecipient||1");
	check("a@b,, ,c@d", "2\nM|-|-|-|a|b|0\nM|-|-|-|c|d|0");
	check("\"unclosed <x@y>", "1\nM|-|-|-|unclosed <x@y>||1");
	check("Name <x@y", "1\nM|Name|Name|-|x|y|1");
	check("Name <x@y> trailing junk, z@w",
	      "2\nM|Name|Name|-|x|y|0\nM|-|-|-|z|w|0");
	check("", "0");
	check(">>> @@ ;;; :::",
	      "4\nM|-|-|-|@||1\nG|-|-|-|-|-|0\nM|-|-|-|::||1\nE|-|-|-|-|-|0");
	check("user@[192.0.2.1]", "1\nM|-|-|-|user|[192.0.2.1]|0");
	check("Mikel Lindsaar <raasdnil@gmail.com>",
	      "1\nM|Mikel Lindsaar|Mikel Lindsaar|-|raasdnil|gmail.com|0");
	check("=?UTF-8?B?44G/44GR44KL?= <raasdnil@gmail.com>",
	      "1\nM|=?UTF-8?B?44G/44GR44KL?=|\xe3\x81\xbf\xe3\x81\x91\xe3\x82\x8b|-|"
	      "raasdnil|gmail.com|0");

	check_format("\"Doe, J.\" <j@x.org>, k@y.org",
		     "\"Doe, J.\" <j@x.org>, k@y.org");
	check_format("\"A \\\"B\\\" C\" <a@b.c>", "\"A \\\"B\\\" C\" <a@b.c>");
	check_format("=?ISO-8859-1?Q?Andr=E9?= Pirard <PIRARD@vm1.ulg.ac.be>, x@y",
		     "Andr\xc3\xa9 Pirard <PIRARD@vm1.ulg.ac.be>, x@y");
	check_format("G: a@b, c@d;, e@f", "G: a@b, c@d;, e@f");
	return done_testing();
}
