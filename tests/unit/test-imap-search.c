/* Tests for SEARCH parsing (frontends/imap/imap-search-parse.c). */

#include <errno.h>
#include <string.h>

#include "buf.h"
#include "imap/imap-parser.h"
#include "imap/imap-search-parse.h"
#include "../tap.h"
#include "imap-parse-test.h"

static const char *const type_names[] = {
	"ALL", "ANSWERED", "DELETED", "DRAFT", "FLAGGED", "NEW", "OLD",
	"RECENT", "SEEN", "UNANSWERED", "UNDELETED", "UNDRAFT", "UNFLAGGED",
	"UNSEEN", "KEYWORD", "UNKEYWORD", "BCC", "BODY", "CC", "FROM",
	"SUBJECT", "TEXT", "TO", "HEADER", "BEFORE", "ON", "SINCE",
	"SENTBEFORE", "SENTON", "SENTSINCE", "LARGER", "SMALLER", "UID",
	"SET", "MODSEQ", "NOT", "OR", "AND",
};

static void describe(const struct imap_search_key *k, struct buf *out)
{
	for (; k != NULL; k = k->next) {
		buf_printf(out, "%s", type_names[k->type]);
		if (k->header != NULL)
			buf_printf(out, " %s", k->header);
		if (k->str != NULL)
			buf_printf(out, " '%s'", k->str);
		if (k->type >= IMAP_SEARCH_BEFORE &&
		    k->type <= IMAP_SEARCH_SENTSINCE)
			buf_printf(out, " %lld", (long long)k->date);
		if (k->type == IMAP_SEARCH_LARGER ||
		    k->type == IMAP_SEARCH_SMALLER ||
		    k->type == IMAP_SEARCH_MODSEQ)
			buf_printf(out, " %llu", (unsigned long long)k->number);
		if (k->modseq_entry != NULL)
			buf_printf(out, " %s/%d", k->modseq_entry,
				   (int)k->modseq_type);
		if (k->type == IMAP_SEARCH_UID || k->type == IMAP_SEARCH_SEQSET) {
			buf_putc(out, ' ');
			imap_seqset_format(&k->seqset, out);
		}
		if (k->children != NULL) {
			buf_puts(out, " {");
			describe(k->children, out);
			buf_putc(out, '}');
		}
		if (k->next != NULL)
			buf_putc(out, ' ');
	}
}

/* Parses "SEARCH <args>" (literals fed `step` bytes at a time) and
 * describes the result. */
static const char *search_step(const char *cmd, size_t step)
{
	static struct buf out = BUF_INIT;
	struct imap_parser p;
	struct imap_search s;
	const struct imap_list *args;
	const char *error;
	int r;

	buf_reset(&out);
	imap_parser_init(&p, NULL);
	imap_search_init(&s);
	r = feed_command(&p, cmd, step);
	if (r != IMAP_PARSE_DONE) {
		buf_printf(&out, "PARSER: %s", imap_parser_error(&p));
	} else {
		args = imap_parser_args(&p);
		r = imap_search_parse(&s, args->args, args->count, &error);
		if (r == -EILSEQ)
			buf_printf(&out, "BADCHARSET: %s", error);
		else if (r < 0)
			buf_printf(&out, "BAD: %s", error);
		else {
			if (s.esearch)
				buf_printf(&out, "RETURN=%u ", s.return_opts);
			if (s.modseq)
				buf_puts(&out, "modseq ");
			if (s.dollar)
				buf_puts(&out, "dollar ");
			describe(s.root->children, &out);
		}
	}
	imap_search_release(&s);
	imap_parser_release(&p);
	return out.data;
}

static const char *search(const char *cmd)
{
	return search_step(cmd, 1 << 20);
}

int main(void)
{
	struct buf bomb = BUF_INIT;
	int i;

	is_str(search("A282 SEARCH FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\""),
	       "FLAGGED SINCE 760060800 NOT {FROM 'Smith'}",
	       "RFC 3501 6.4.4 example");
	is_str(search("A283 SEARCH TEXT \"string not in mailbox\""),
	       "TEXT 'string not in mailbox'", "TEXT");
	is_str(search("A284 SEARCH CHARSET UTF-8 TEXT {6}\r\n\xc3\xa4\xc3\xb6"
		      "\xc3\xbc"), "TEXT '\xc3\xa4\xc3\xb6\xc3\xbc'",
	       "CHARSET UTF-8 and a literal");
	is_str(search_step("A284 SEARCH CHARSET UTF-8 TEXT {6}\r\n\xc3\xa4"
			   "\xc3\xb6\xc3\xbc", 1),
	       "TEXT '\xc3\xa4\xc3\xb6\xc3\xbc'", "...fed 1 byte at a time");
	is_str(search("A SEARCH charset us-ascii ALL"), "ALL", "US-ASCII");
	is_str(search("A SEARCH CHARSET ISO-8859-1 ALL"),
	       "BADCHARSET: Unsupported charset", "other charsets");
	is_str(search("A SEARCH ALL ANSWERED DELETED DRAFT FLAGGED NEW OLD "
		      "RECENT SEEN UNANSWERED UNDELETED UNDRAFT UNFLAGGED UNSEEN"),
	       "ALL ANSWERED DELETED DRAFT FLAGGED NEW OLD RECENT SEEN "
	       "UNANSWERED UNDELETED UNDRAFT UNFLAGGED UNSEEN",
	       "keys without arguments");
	is_str(search("A SEARCH BCC a BODY b CC c FROM d SUBJECT e TEXT f TO g "
		      "HEADER X-Spam \"yes\" KEYWORD $Junk UNKEYWORD foo"),
	       "BCC 'a' BODY 'b' CC 'c' FROM 'd' SUBJECT 'e' TEXT 'f' TO 'g' "
	       "HEADER X-Spam 'yes' KEYWORD '$Junk' UNKEYWORD 'foo'",
	       "keys with strings");
	is_str(search("A SEARCH BEFORE \"1-Jan-1970\" ON 02-jan-1970 "
		      "SENTBEFORE 29-Feb-2000 SENTON 31-Dec-1999 "
		      "SENTSINCE 1-Mar-2024"),
	       "BEFORE 0 ON 86400 SENTBEFORE 951782400 SENTON 946598400 "
	       "SENTSINCE 1709251200", "dates, quoted or not");
	is_str(search("A SEARCH LARGER 4294967295 SMALLER 0"),
	       "LARGER 4294967295 SMALLER 0", "sizes");
	is_str(search("A SEARCH 1:3,5 UID 7:* NOT 2"),
	       "SET 1:3,5 UID 7:* NOT {SET 2}", "sequence sets");
	is_str(search("A SEARCH OR (FROM a TO b) NOT (SEEN DELETED)"),
	       "OR {AND {FROM 'a' TO 'b'} NOT {AND {SEEN DELETED}}}",
	       "OR with groups");
	is_str(search("A SEARCH OR OR SEEN DRAFT FLAGGED"),
	       "OR {OR {SEEN DRAFT} FLAGGED}", "nested OR");
	is_str(search("A SEARCH MODSEQ 620162338"), "modseq MODSEQ 620162338",
	       "MODSEQ");
	is_str(search("A SEARCH MODSEQ \"/flags/\\\\draft\" all 620162338"),
	       "modseq MODSEQ 620162338 /flags/\\draft/0",
	       "MODSEQ with an entry (RFC 7162 3.1.5)");
	is_str(search("A SEARCH RETURN (MIN COUNT) FLAGGED"),
	       "RETURN=9 FLAGGED", "ESEARCH RETURN");
	is_str(search("A SEARCH RETURN () CHARSET UTF-8 ALL"),
	       "RETURN=4 ALL", "RETURN () means ALL");
	is_str(search("A SEARCH RETURN (SAVE MAX ALL) UID $"),
	       "RETURN=22 dollar UID $", "SAVE and $");
	is_str(search("A SEARCH $"), "dollar SET $", "$ as a key");

	/* BAD */
	is_str(search("A SEARCH"), "BAD: Missing search key", "no keys");
	is_str(search("A SEARCH CHARSET UTF-8"), "BAD: Missing search key",
	       "a charset and no keys");
	is_str(search("A SEARCH FOO"), "BAD: Unknown search key", "unknown");
	is_str(search("A SEARCH FROM"), "BAD: Missing search key argument",
	       "FROM without a value");
	is_str(search("A SEARCH SINCE 30-Feb-1994"), "BAD: Invalid date",
	       "no such day");
	is_str(search("A SEARCH SINCE 1-Foo-1994"), "BAD: Invalid date",
	       "no such month");
	is_str(search("A SEARCH SINCE 1994-02-01"), "BAD: Invalid date",
	       "ISO date");
	is_str(search("A SEARCH SINCE 1-Feb-94"), "BAD: Invalid date",
	       "two-digit year");
	is_str(search("A SEARCH LARGER 4294967296"), "BAD: Invalid number",
	       "size over 32 bits");
	is_str(search("A SEARCH LARGER -1"), "BAD: Invalid number",
	       "negative size");
	is_str(search("A SEARCH UID 0"), "BAD: Invalid sequence set",
	       "UID 0");
	is_str(search("A SEARCH 1:4294967296"), "BAD: Invalid sequence set",
	       "sequence number over 32 bits");
	is_str(search("A SEARCH OR SEEN"), "BAD: OR needs two search keys",
	       "OR with one key");
	is_str(search("A SEARCH NOT"), "BAD: Missing search key argument",
	       "NOT alone");
	is_str(search("A SEARCH ()"), "BAD: Missing search key",
	       "empty group");
	is_str(search("A SEARCH HEADER \"X:Y\" z"),
	       "BAD: Invalid header field name", "colon in a header name");
	is_str(search("A SEARCH KEYWORD \"a b\""), "BAD: Invalid keyword",
	       "a keyword must be an atom");
	is_str(search("A SEARCH MODSEQ \"/flags/\\\\draft\" none 5"),
	       "BAD: Invalid MODSEQ entry type", "bad entry type");
	is_str(search("A SEARCH MODSEQ 9223372036854775808"),
	       "BAD: Invalid MODSEQ value", "modseq over 63 bits");
	is_str(search("A SEARCH RETURN (BOGUS) ALL"),
	       "BAD: Unknown RETURN option", "unknown RETURN option");
	is_str(search("A SEARCH RETURN ALL"), "BAD: RETURN needs a list of "
	       "options", "RETURN without a list");
	is_str(search("A SEARCH BODY[TEXT]"), "BAD: Invalid search key",
	       "a section is no key");

	/* Bombs: the nesting limit, not the stack, stops them. */
	buf_puts(&bomb, "A SEARCH");
	for (i = 0; i < 2000; i++)
		buf_puts(&bomb, " NOT");
	buf_puts(&bomb, " ALL");
	is_str(search(bomb.data), "BAD: Search keys nested too deeply",
	       "NOT NOT NOT ... bomb");
	buf_reset(&bomb);
	buf_puts(&bomb, "A SEARCH");
	for (i = 0; i < 1100; i++)
		buf_puts(&bomb, " OR ALL");
	buf_puts(&bomb, " ALL");
	is_str(search(bomb.data), "BAD: Search keys nested too deeply",
	       "OR chain bomb");
	buf_reset(&bomb);
	buf_puts(&bomb, "A SEARCH ");
	for (i = 0; i < 1000; i++)
		buf_putc(&bomb, '(');
	buf_puts(&bomb, "ALL");
	for (i = 0; i < 1000; i++)
		buf_putc(&bomb, ')');
	is_str(search(bomb.data), "PARSER: Too deeply nested",
	       "((((...)))) bomb stops in the parser");
	buf_reset(&bomb);
	buf_puts(&bomb, "A SEARCH");
	for (i = 0; i < 31; i++)
		buf_puts(&bomb, " NOT");
	buf_puts(&bomb, " ALL");
	ok(strncmp(search(bomb.data), "NOT {NOT {", 10) == 0,
	   "31 NOTs are fine");
	buf_release(&bomb);
	return done_testing();
}
