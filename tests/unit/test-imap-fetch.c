/* Tests for FETCH attribute parsing (frontends/imap/imap-fetch-parse.c). */

#include <errno.h>
#include <string.h>

#include "buf.h"
#include "imap/imap-fetch-parse.h"
#include "imap/imap-parser.h"
#include "../tap.h"
#include "imap-parse-test.h"

static const char *const item_names[] = {
	"FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE", "BODY",
	"BODYSTRUCTURE", "UID", "MODSEQ", "RFC822", "RFC822.HEADER",
	"RFC822.TEXT",
};

static void describe(const struct imap_fetch *f, struct buf *out)
{
	size_t i;

	for (i = 0; i < sizeof(item_names) / sizeof(item_names[0]); i++)
		if (f->items & (1u << i))
			buf_printf(out, "%s ", item_names[i]);
	for (i = 0; i < f->body_count; i++) {
		imap_fetch_body_name(&f->bodies[i], out);
		if (f->bodies[i].partial)
			buf_printf(out, "+%u", f->bodies[i].length);
		buf_puts(out, f->bodies[i].peek ? " peek " : " ");
	}
	if (f->changedsince)
		buf_printf(out, "CHANGEDSINCE=%llu ",
			   (unsigned long long)f->changedsince);
	if (f->vanished)
		buf_puts(out, "VANISHED ");
	if (out->len > 0)
		buf_truncate(out, out->len - 1);
}

/*
 * Parses "FETCH <set> <args>" given as a stream of lines and literals,
 * the literals fed `step` bytes at a time; returns the description or
 * "BAD: text".
 */
static const char *fetch_step(const char *cmd, size_t step)
{
	static struct buf out = BUF_INIT;
	struct imap_parser p;
	struct imap_fetch f;
	const struct imap_list *args;
	const char *error;
	int r;

	buf_reset(&out);
	imap_parser_init(&p, NULL);
	imap_fetch_init(&f);
	r = feed_command(&p, cmd, step);
	if (r != IMAP_PARSE_DONE) {
		buf_printf(&out, "PARSER: %s", imap_parser_error(&p));
	} else {
		args = imap_parser_args(&p);
		if (imap_fetch_parse(&f, args->args + 1, args->count - 1,
				     &error) < 0)
			buf_printf(&out, "BAD: %s", error);
		else
			describe(&f, &out);
	}
	imap_fetch_release(&f);
	imap_parser_release(&p);
	return out.data;
}

static const char *fetch(const char *cmd)
{
	return fetch_step(cmd, 1 << 20);
}

int main(void)
{
	struct buf deep = BUF_INIT;
	struct imap_parser p;
	struct imap_fetch f;
	const char *error;
	int i;

	is_str(fetch("A654 FETCH 2:4 (FLAGS BODY[HEADER.FIELDS (DATE FROM)])"),
	       "FLAGS BODY[HEADER.FIELDS (DATE FROM)]",
	       "RFC 3501 6.4.5 example");
	is_str(fetch("A1 FETCH 1 ALL"),
	       "FLAGS INTERNALDATE RFC822.SIZE ENVELOPE", "ALL");
	is_str(fetch("A1 FETCH 1 fast"), "FLAGS INTERNALDATE RFC822.SIZE",
	       "FAST, any case");
	is_str(fetch("A1 FETCH 1 FULL"),
	       "FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODY", "FULL");
	is_str(fetch("A1 FETCH 1 (UID RFC822 RFC822.HEADER RFC822.TEXT "
		     "BODYSTRUCTURE MODSEQ)"),
	       "BODYSTRUCTURE UID MODSEQ RFC822 RFC822.HEADER RFC822.TEXT",
	       "the other simple items");
	is_str(fetch("A1 FETCH 1 BODY"), "BODY", "BODY alone is the structure");
	is_str(fetch("A1 FETCH 1 BODY[]"), "BODY[]", "BODY[]");
	is_str(fetch("A1 FETCH 1 BODY.PEEK[1.2.3]<0.100>"),
	       "BODY[1.2.3]<0>+100 peek", "part numbers and partial");
	is_str(fetch("A1 FETCH 1 (BODY[1.MIME] BODY[2.HEADER] BODY[TEXT] "
		     "BODY[3.TEXT] BODY[HEADER])"),
	       "BODY[1.MIME] BODY[2.HEADER] BODY[TEXT] BODY[3.TEXT] "
	       "BODY[HEADER]", "section texts");
	is_str(fetch("A1 FETCH 1 body.peek[1.header.fields.not (X-A \"X-B\")]"),
	       "BODY[1.HEADER.FIELDS.NOT (X-A X-B)] peek",
	       "HEADER.FIELDS.NOT with a quoted name");
	is_str(fetch("A1 FETCH 1 (BINARY[1.2] BINARY.PEEK[]<10.20> "
		     "BINARY.SIZE[3])"),
	       "BINARY[1.2] BINARY[]<10>+20 peek BINARY.SIZE[3] peek",
	       "BINARY (RFC 3516)");
	is_str(fetch("A1 FETCH 1 BODY[]<4294967295.4294967295>"),
	       "BODY[]<4294967295>+4294967295", "32-bit partial bounds");
	is_str(fetch("A1 FETCH 1:* (FLAGS) (CHANGEDSINCE 12345 VANISHED)"),
	       "FLAGS CHANGEDSINCE=12345 VANISHED", "CHANGEDSINCE, VANISHED");
	is_str(fetch("A1 FETCH 1 FLAGS (changedsince 9223372036854775807)"),
	       "FLAGS CHANGEDSINCE=9223372036854775807", "largest modseq");
	is_str(fetch_step("A1 FETCH 1 BODY[HEADER.FIELDS ({4}\r\nDATE)]", 1),
	       "BODY[HEADER.FIELDS (DATE)]",
	       "a field name as a literal, fed 1 byte at a time");

	/* BAD */
	is_str(fetch("A1 FETCH 1 BODY[MIME]"), "BAD: MIME needs a part number",
	       "MIME without a part");
	is_str(fetch("A1 FETCH 1 BODY[0]"), "BAD: Invalid section",
	       "part number 0");
	is_str(fetch("A1 FETCH 1 BODY[1.0.2]"), "BAD: Invalid section",
	       "inner part number 0");
	is_str(fetch("A1 FETCH 1 BODY[01]"), "BAD: Invalid section",
	       "a leading zero");
	is_str(fetch("A1 FETCH 1 BODY[4294967296]"), "BAD: Invalid section",
	       "part number over 32 bits");
	is_str(fetch("A1 FETCH 1 BODY[1.]"), "BAD: Invalid section",
	       "trailing dot");
	is_str(fetch("A1 FETCH 1 BODY[HEADER.1]"), "BAD: Invalid section",
	       "text before a part");
	is_str(fetch("A1 FETCH 1 BODY[FOO]"), "BAD: Invalid section",
	       "unknown section text");
	is_str(fetch("A1 FETCH 1 BODY[HEADER.FIELDS]"),
	       "BAD: HEADER.FIELDS needs a list of field names",
	       "HEADER.FIELDS without a list");
	is_str(fetch("A1 FETCH 1 BODY[HEADER.FIELDS ()]"),
	       "BAD: HEADER.FIELDS needs a list of field names",
	       "HEADER.FIELDS with an empty list");
	is_str(fetch("A1 FETCH 1 BODY[HEADER.FIELDS (\"A:B\")]"),
	       "BAD: Invalid header field name", "a colon in a field name");
	is_str(fetch("A1 FETCH 1 BODY[HEADER.FIELDS (\"A B\")]"),
	       "BAD: Invalid header field name", "a space in a field name");
	is_str(fetch("A1 FETCH 1 BODY[TEXT (A)]"), "BAD: Invalid section",
	       "a list after TEXT");
	is_str(fetch("A1 FETCH 1 BINARY[HEADER]"), "BAD: Invalid section",
	       "BINARY takes part numbers only");
	is_str(fetch("A1 FETCH 1 BINARY.SIZE[1]<0.1>"),
	       "BAD: BINARY.SIZE takes no partial range",
	       "BINARY.SIZE with a partial");
	is_str(fetch("A1 FETCH 1 BODY[]<0.0>"), "BAD: Invalid partial range",
	       "zero length");
	is_str(fetch("A1 FETCH 1 BODY[]<0>"), "BAD: Invalid partial range",
	       "origin only (a response form)");
	is_str(fetch("A1 FETCH 1 BODY[]<4294967296.1>"),
	       "BAD: Invalid partial range", "origin over 32 bits");
	is_str(fetch("A1 FETCH 1 BODY[]<1.2.3>"), "BAD: Invalid partial range",
	       "two dots");
	is_str(fetch("A1 FETCH 1 (FLAGS ALL)"), "BAD: Unknown FETCH attribute",
	       "a macro inside a list");
	is_str(fetch("A1 FETCH 1 ()"), "BAD: Empty FETCH attribute list",
	       "empty list");
	is_str(fetch("A1 FETCH 1"), "BAD: Missing FETCH attributes",
	       "no attributes");
	is_str(fetch("A1 FETCH 1 FLAGS (VANISHED)"),
	       "BAD: VANISHED needs CHANGEDSINCE", "VANISHED alone");
	is_str(fetch("A1 FETCH 1 FLAGS (CHANGEDSINCE 0)"),
	       "BAD: Invalid CHANGEDSINCE", "CHANGEDSINCE 0");
	is_str(fetch("A1 FETCH 1 FLAGS (CHANGEDSINCE 9223372036854775808)"),
	       "BAD: Invalid CHANGEDSINCE", "CHANGEDSINCE 2^63");
	is_str(fetch("A1 FETCH 1 FLAGS (CHANGEDSINCE)"),
	       "BAD: Invalid CHANGEDSINCE", "CHANGEDSINCE without a value");
	is_str(fetch("A1 FETCH 1 FLAGS (FOO)"), "BAD: Invalid FETCH modifier",
	       "unknown modifier");
	is_str(fetch("A1 FETCH 1 FLAGS (VANISHED) x"),
	       "BAD: Too many FETCH arguments", "junk after the modifiers");
	is_str(fetch("A1 FETCH 1 \"FLAGS\""), "BAD: Invalid FETCH attribute",
	       "a quoted attribute");

	/* A deeply nested part number is refused, not stored. */
	buf_puts(&deep, "A1 FETCH 1 BODY[");
	for (i = 0; i < 33; i++)
		buf_puts(&deep, i ? ".1" : "1");
	buf_puts(&deep, "]");
	is_str(fetch(deep.data), "BAD: Section part number too deep",
	       "33 levels of part numbers");
	buf_reset(&deep);
	buf_puts(&deep, "A1 FETCH 1 BODY[");
	for (i = 0; i < 32; i++)
		buf_puts(&deep, i ? ".7" : "7");
	buf_puts(&deep, "]");
	ok(strncmp(fetch(deep.data), "BODY[7.7.7", 10) == 0,
	   "32 levels are fine");

	/* sets_seen */
	imap_parser_init(&p, NULL);
	imap_fetch_init(&f);
	is_int(imap_parser_feed_line(&p, "A FETCH 1 (BODY.PEEK[] RFC822.HEADER)",
				     37, 0), IMAP_PARSE_DONE, "parsed");
	is_int(imap_fetch_parse(&f, imap_parser_args(&p)->args + 1, 1, &error),
	       0, "peek items");
	ok(!imap_fetch_sets_seen(&f), "BODY.PEEK and RFC822.HEADER keep "
	   "\\Seen");
	is_int(imap_parser_feed_line(&p, "A FETCH 1 BODY[1]", 17, 0),
	       IMAP_PARSE_DONE, "parsed");
	is_int(imap_fetch_parse(&f, imap_parser_args(&p)->args + 1, 1, &error),
	       0, "BODY[1]");
	ok(imap_fetch_sets_seen(&f), "BODY[1] sets \\Seen");
	imap_fetch_release(&f);
	imap_parser_release(&p);
	buf_release(&deep);
	return done_testing();
}
