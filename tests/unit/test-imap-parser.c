/* Tests for the IMAP command parser (frontends/imap/imap-parser.c), fed
 * through the line reader the way the daemon feeds it. */

#include <errno.h>
#include <string.h>

#include "buf.h"
#include "imap/imap-parser.h"
#include "linereader.h"
#include "../tap.h"

/* Literals over this many bytes go to the sink, over REFUSE_AT are
 * refused. */
#define SINK_AT		100
#define REFUSE_AT	70000

static struct buf sunk = BUF_INIT;
static int sink_error;

static int test_sink(void *ctx, const void *data, size_t len)
{
	(void)ctx;
	if (sink_error != 0)
		return sink_error;
	buf_append(&sunk, data, len);
	return 0;
}

static void dump_list(const struct imap_list *list, struct buf *out);

static void dump_arg(const struct imap_arg *a, struct buf *out)
{
	size_t i;

	switch (a->type) {
	case IMAP_ARG_ATOM:
		buf_puts(out, a->str);
		if (a->flags & IMAP_ARG_SECTION) {
			buf_putc(out, '[');
			dump_list(&a->section, out);
			buf_putc(out, ']');
		}
		if (a->flags & IMAP_ARG_PARTIAL)
			buf_printf(out, "<%s>", a->partial);
		break;
	case IMAP_ARG_NIL:
		buf_puts(out, "NIL");
		break;
	case IMAP_ARG_QUOTED:
		buf_putc(out, '"');
		for (i = 0; i < a->len; i++) {
			if (a->str[i] == '"' || a->str[i] == '\\')
				buf_putc(out, '\\');
			buf_putc(out, a->str[i]);
		}
		buf_putc(out, '"');
		break;
	case IMAP_ARG_LITERAL:
		buf_printf(out, "%s{%zu%s}", a->flags & IMAP_ARG_LITERAL8 ?
			   "~" : "", a->len,
			   a->flags & IMAP_ARG_NONSYNC ? "+" : "");
		for (i = 0; i < a->len; i++)
			buf_putc(out, a->str[i] == '\0' ? '0' : a->str[i]);
		break;
	case IMAP_ARG_STREAMED:
		buf_printf(out, "<%llu bytes>", (unsigned long long)a->size);
		break;
	case IMAP_ARG_LIST:
		buf_putc(out, '(');
		dump_list(&a->list, out);
		buf_putc(out, ')');
		break;
	}
}

static void dump_list(const struct imap_list *list, struct buf *out)
{
	size_t i;

	for (i = 0; i < list->count; i++) {
		if (i > 0)
			buf_putc(out, ' ');
		dump_arg(&list->args[i], out);
	}
}

static void on_line(struct imap_parser *p, const struct lr_line *line,
		    struct buf *out)
{
	const struct imap_literal_info *lit;
	int r = imap_parser_feed_line(p, line->data, line->len, line->flags);

	if (r == IMAP_PARSE_DONE) {
		buf_printf(out, "%s %s", imap_parser_tag(p),
			   imap_parser_name(p));
		if (imap_parser_args(p)->count > 0)
			buf_putc(out, ' ');
		dump_list(imap_parser_args(p), out);
		buf_puts(out, "|");
	} else if (r == IMAP_PARSE_SKIPPED) {
		buf_puts(out, "SKIP|");
	} else if (r == IMAP_PARSE_LITERAL) {
		lit = imap_parser_literal(p);
		if (lit->size > REFUSE_AT) {
			buf_puts(out, "REFUSE|");
			imap_parser_literal_refuse(p);
		} else if (lit->size > SINK_AT) {
			imap_parser_literal_sink(p, test_sink, NULL);
			if (lit->sync)
				buf_puts(out, "+|");
		} else if (imap_parser_literal_accept(p) < 0) {
			buf_puts(out, "TOOBIG|");
			imap_parser_literal_refuse(p);
		} else if (lit->sync) {
			buf_puts(out, "+|");
		}
	} else {
		buf_printf(out, "BAD %s %s%s|", imap_parser_tag(p) ?
			   imap_parser_tag(p) : "*", imap_parser_error(p),
			   r == -EPROTO ? " (close)" : "");
	}
}

/*
 * Runs the input through a line reader and the parser, handing over the
 * input in pieces: `step` bytes at a time, or (step 0) in two pieces split
 * at `split`.  Literal bytes go to the parser in the same pieces.
 */
static void run(const struct imap_parser_limits *limits, const char *in,
		size_t len, size_t step, size_t split, struct buf *out)
{
	struct linereader lr;
	struct imap_parser p;
	struct lr_line line;
	const char *data;
	size_t pos = 0, n, avail;
	enum lr_result r;

	buf_reset(out);
	buf_reset(&sunk);
	linereader_init(&lr, 16384);
	imap_parser_init(&p, limits);
	for (;;) {
		if (imap_parser_wants(&p) == IMAP_PARSER_WANT_LITERAL) {
			avail = linereader_pending(&lr, &data);
			if (avail > 0) {
				if (step > 0 && avail > step)
					avail = step;
				n = imap_parser_feed_literal(&p, data, avail);
				linereader_consume(&lr, n);
				continue;
			}
			if (pos == len)
				break;
			n = step > 0 ? step : (pos < split ? split - pos :
					       len - pos);
			if (n > len - pos)
				n = len - pos;
			pos += imap_parser_feed_literal(&p, in + pos, n);
			continue;
		}
		r = linereader_next(&lr, &line);
		if (r == LR_LINE) {
			on_line(&p, &line, out);
			continue;
		}
		if (r == LR_TOO_LONG) {
			buf_puts(out, "TOOLONG|");
			imap_parser_reset(&p);
			continue;
		}
		if (pos == len)
			break;
		n = step > 0 ? step : (pos < split ? split - pos : len - pos);
		if (n > len - pos)
			n = len - pos;
		pos += linereader_feed(&lr, in + pos, n);
	}
	if (imap_parser_wants(&p) == IMAP_PARSER_WANT_LITERAL)
		buf_puts(out, "WANT|");
	imap_parser_release(&p);
	linereader_release(&lr);
}

/* Checks the output for every step size up to 9, the whole input at
 * once, and every two-piece split. */
static void check_len(const struct imap_parser_limits *limits,
		      const char *in, size_t len, const char *want,
		      const char *name)
{
	struct buf out = BUF_INIT;
	size_t step, split;
	int same = 1;

	run(limits, in, len, len, 0, &out);
	is_str(out.data, want, "%s", name);
	for (step = 1; step <= 9 && same; step++) {
		run(limits, in, len, step, 0, &out);
		if (strcmp(out.data, want) != 0) {
			diag("step %zu: %s", step, out.data);
			same = 0;
		}
	}
	for (split = 1; split < len && same && len < 2000; split++) {
		run(limits, in, len, 0, split, &out);
		if (strcmp(out.data, want) != 0) {
			diag("split at %zu: %s", split, out.data);
			same = 0;
		}
	}
	ok(same, "%s: the same in every split", name);
	buf_release(&out);
}

static void check(const char *in, const char *want, const char *name)
{
	check_len(NULL, in, strlen(in), want, name);
}

static void check_lim(const struct imap_parser_limits *limits,
		      const char *in, const char *want, const char *name)
{
	check_len(limits, in, strlen(in), want, name);
}

/* For inputs with NUL bytes. */
#define CHECK_BIN(in, want, name) \
	check_len(NULL, in, sizeof(in) - 1, want, name)

static void test_rfc_examples(void)
{
	struct buf in = BUF_INIT, want = BUF_INIT;
	size_t i;

	check("a001 LOGIN SMITH SESAME\r\n", "a001 LOGIN SMITH SESAME|",
	      "LOGIN with atoms");
	check("A001 LOGIN {11}\r\nFRED FOOBAR {7}\r\nfat man\r\n",
	      "+|+|A001 LOGIN {11}FRED FOOBAR {7}fat man|",
	      "LOGIN with literals (RFC 3501 4.3)");
	check("A1 LOGIN \"fred\" \"p \\\"w\\\\d\"\r\n",
	      "A1 LOGIN \"fred\" \"p \\\"w\\\\d\"|",
	      "LOGIN with quoted strings and escapes");
	check("A1 LOGIN {4+}\r\nfred {4+}\r\npass\r\n",
	      "A1 LOGIN {4+}fred {4+}pass|",
	      "LITERAL+: no continuation");
	check("A654 FETCH 2:4 (FLAGS BODY[HEADER.FIELDS (DATE FROM)])\r\n",
	      "A654 FETCH 2:4 (FLAGS BODY[HEADER.FIELDS (DATE FROM)])|",
	      "FETCH with a section holding a list");
	check("A999 UID FETCH 1:* (FLAGS)\r\n", "A999 UID FETCH 1:* (FLAGS)|",
	      "UID FETCH 1:*");
	check("A003 STORE 2:4 +FLAGS (\\Deleted)\r\n",
	      "A003 STORE 2:4 +FLAGS (\\Deleted)|", "STORE +FLAGS");
	check("A282 SEARCH FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\"\r\n",
	      "A282 SEARCH FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\"|",
	      "SEARCH");
	check("A284 SEARCH CHARSET UTF-8 TEXT {6}\r\n\xc3\xa4\xc3\xb6\xc3\xbc"
	      "\r\n", "+|A284 SEARCH CHARSET UTF-8 TEXT {6}\xc3\xa4\xc3\xb6"
	      "\xc3\xbc|", "SEARCH with an 8-bit literal");
	check("A1 FETCH 1 (BODY.PEEK[1.2.MIME]<0.100> BODY[] BINARY[1]"
	      " BINARY.SIZE[2])\r\n",
	      "A1 FETCH 1 (BODY.PEEK[1.2.MIME]<0.100> BODY[] BINARY[1]"
	      " BINARY.SIZE[2])|", "sections and a partial");
	check("A1 SELECT [Gmail]/Sent\r\n", "A1 SELECT [Gmail]/Sent|",
	      "brackets in a mailbox atom");
	check("A202 LIST ~/Mail/ %\r\n", "A202 LIST ~/Mail/ %|",
	      "LIST with wildcards");
	check("A01 LIST (SUBSCRIBED REMOTE) \"\" (\"INBOX\" \"Drafts\") "
	      "RETURN (CHILDREN STATUS (MESSAGES))\r\n",
	      "A01 LIST (SUBSCRIBED REMOTE) \"\" (\"INBOX\" \"Drafts\") "
	      "RETURN (CHILDREN STATUS (MESSAGES))|", "LIST-EXTENDED");
	check("A2 STORE 1 (UNCHANGEDSINCE 12121230045) +FLAGS.SILENT "
	      "(\\Deleted)\r\n", "A2 STORE 1 (UNCHANGEDSINCE 12121230045) "
	      "+FLAGS.SILENT (\\Deleted)|", "STORE UNCHANGEDSINCE");
	check("A3 UID SORT (REVERSE ARRIVAL) UTF-8 ALL\r\n",
	      "A3 UID SORT (REVERSE ARRIVAL) UTF-8 ALL|", "SORT");
	check("A1 STATUS nil (MESSAGES)\r\nA2 NOOP\r\n",
	      "A1 STATUS NIL (MESSAGES)|A2 NOOP|", "NIL, and two commands");
	CHECK_BIN("A1 APPEND x ~{3}\r\na\0b\r\n", "+|A1 APPEND x ~{3}a0b|",
	      "literal8 may hold NUL");
	check("A1 LOGIN {0}\r\n \"\"\r\n", "+|A1 LOGIN {0} \"\"|",
	      "empty literal");
	check("A1 NOOP  \r\nA2 NOOP\n", "A1 NOOP|A2 NOOP|",
	      "trailing spaces and a bare LF");
	check("A1 SELECT \"\xe5\x8f\xb0\xe5\x8c\x97\"\r\n",
	      "A1 SELECT \"\xe5\x8f\xb0\xe5\x8c\x97\"|",
	      "UTF-8 in a quoted string (RFC 6855)");
	check("A1 CREATE ../../etc\r\nA2 CREATE \"a/../b\"\r\n",
	      "A1 CREATE ../../etc|A2 CREATE \"a/../b\"|",
	      "'..' is handed through for the store to judge");
	check("A1 X ((a) (b (c)))\r\n", "A1 X ((a) (b (c)))|", "nested lists");

	/* APPEND (RFC 3501 6.3.11), the body streamed to a sink. */
	buf_puts(&in, "A003 APPEND saved-messages (\\Seen) {310}\r\n");
	for (i = 0; i < 310; i++)
		buf_putc(&in, i % 64 == 63 ? '\n' : (char)('a' + i % 26));
	buf_puts(&in, "\r\nA004 NOOP\r\n");
	check_len(NULL, in.data, in.len, "+|A003 APPEND saved-messages "
		  "(\\Seen) <310 bytes>|A004 NOOP|", "APPEND to a sink");
	is_int(sunk.len, 310, "the sink got every byte");
	ok(sunk.len == 310 && memcmp(sunk.data, in.data + 42, 310) == 0,
	   "the sink got the literal's bytes");

	/* MULTIAPPEND-like: two literals, one inside a list. */
	check("A1 APPEND x (\\Seen {2}\r\nab) {1+}\r\nc\r\n",
	      "+|A1 APPEND x (\\Seen {2}ab) {1+}c|", "literal inside a list");
	buf_release(&in);
	buf_release(&want);
}

static void test_bad(void)
{
	struct imap_parser_limits lim;
	struct buf in = BUF_INIT;
	size_t i;

	check("A1 LOGIN \"fred\r\nA2 NOOP\r\n",
	      "BAD A1 Unterminated quoted string|A2 NOOP|",
	      "unterminated quote, then the next command");
	check("A1 FETCH 1 (FLAGS\r\n", "BAD A1 Unbalanced parentheses|",
	      "unclosed parenthesis");
	check("A1 FETCH 1 FLAGS)\r\n", "BAD A1 Unbalanced parentheses|",
	      "stray closing parenthesis");
	check("A1 FETCH 1 (FLAGS))\r\n", "BAD A1 Unbalanced parentheses|",
	      "one closing parenthesis too many");
	check("A1 FETCH 1 BODY[HEADER\r\n", "BAD A1 Unbalanced brackets|",
	      "unclosed section");
	check("A1 FETCH 1 BODY[]<0.1\r\n", "BAD A1 Bad partial range|",
	      "unclosed partial");
	check("A1 LOGIN fred {99999999999999999999}\r\n",
	      "BAD A1 Literal size too large|", "huge literal");
	check("A1 LOGIN fred {18446744073709551616}\r\n",
	      "BAD A1 Literal size too large|", "2^64 literal");
	check("A1 LOGIN fred {-1}\r\n", "BAD A1 Bad literal syntax|",
	      "negative literal");
	check("A1 LOGIN fred {}\r\n", "BAD A1 Bad literal syntax|",
	      "empty literal size");
	check("A1 LOGIN fred {5}x\r\n", "BAD A1 A literal must end the line|",
	      "junk after a literal");
	check("A1 LOGIN fred {5\r\n", "BAD A1 Bad literal syntax|",
	      "unclosed literal size");
	check("A1 LOGIN fr\xc3\xa9" "d x\r\n", "BAD A1 8-bit byte in an atom|",
	      "8-bit atom");
	check("A1 LOGIN \"fr\xe9\" x\r\n",
	      "BAD A1 Invalid UTF-8 in a quoted string|",
	      "latin-1 in a quoted string");
	CHECK_BIN("A1 LOGIN a\0b x\r\nA2 NOOP\r\n",
		  "BAD A1 NUL byte in a command|A2 NOOP|", "NUL in a line");
	check("A1 LOGIN a\x01 x\r\n", "BAD A1 Control character in an atom|",
	      "control character");
	check("A1 SELECT \"a\\x\"\r\n", "BAD A1 Bad escape in a quoted string|",
	      "bad escape");
	check("A1 LOGIN \"a\"\"b\"\r\n",
	      "BAD A1 Missing space between arguments|",
	      "two strings without a space");
	check("A1 STORE 1 FLAGS(\\Seen)\r\n",
	      "BAD A1 Missing space between arguments|",
	      "a list glued to an atom");
	check("A1 X a\\b\r\n", "BAD A1 Backslash inside an atom|",
	      "backslash inside an atom");
	check("+1 NOOP\r\n", "BAD * Invalid tag|", "'+' in a tag");
	check("\r\n", "BAD * Empty command|", "empty line");
	check("A1\r\n", "BAD A1 Missing command name|", "tag alone");
	CHECK_BIN("A1 LOGIN {3}\r\na\0b\r\nA2 NOOP\r\n",
	      "+|BAD A1 NUL byte in a literal|A2 NOOP|", "NUL in a literal");

	/* Depth: 16 levels are fine, 17 are not. */
	buf_puts(&in, "A1 X ");
	for (i = 0; i < 17; i++)
		buf_putc(&in, '(');
	buf_puts(&in, "\r\n");
	check(in.data, "BAD A1 Too deeply nested|", "parenthesis bomb");
	buf_reset(&in);
	buf_puts(&in, "A1 X ");
	for (i = 0; i < 8; i++)
		buf_puts(&in, "BODY[");
	buf_puts(&in, "\r\n");
	check(in.data, "BAD A1 Unbalanced brackets|", "nested BODY[");
	buf_reset(&in);
	buf_puts(&in, "A1 X ");
	for (i = 0; i < 20; i++)
		buf_puts(&in, "BODY[");
	buf_puts(&in, "\r\n");
	check(in.data, "BAD A1 Too deeply nested|", "deeply nested BODY[");

	imap_parser_limits_default(&lim);
	lim.max_args = 5;
	check_lim(&lim, "A1 X a b c d e\r\nA2 X a b c d e f\r\n",
		  "A1 X a b c d e|BAD A2 Too many arguments|",
		  "max_args counts every argument");
	check_lim(&lim, "A1 X (a b c (d)) {1}\r\n",
		  "BAD A1 Too many arguments|",
		  "max_args counts list members and literals");
	lim.max_args = 0;
	lim.max_line = 20;
	check_lim(&lim, "A1 X 0123456789abcdef\r\nA2 NOOP\r\n",
		  "BAD A1 Line too long|A2 NOOP|", "max_line");
	imap_parser_limits_default(&lim);
	lim.max_literal = 10;
	check_lim(&lim, "A1 LOGIN {11}\r\nA2 NOOP\r\n", "TOOBIG|A2 NOOP|",
		  "a synchronizing literal over the limit is refused before"
		  " it is sent");
	check_lim(&lim, "A1 LOGIN {11+}\r\nA2 NOOP a\r\n\r\nA3 NOOP\r\n",
		  "TOOBIG|SKIP|A3 NOOP|",
		  "a refused non-synchronizing literal is skipped");
	lim.max_literal = 0;
	lim.max_command = 30;
	check_lim(&lim, "A1 X {10}\r\n0123456789 {10}\r\nA2 NOOP\r\n",
		  "+|TOOBIG|A2 NOOP|", "max_command counts literals");

	/* A bad line that announces a non-synchronizing literal: its bytes
	 * must not be read as a command. */
	check("A1 LOGIN f\\x {9+}\r\nA2 LOGOUT\r\nA3 NOOP\r\n",
	      "BAD A1 Backslash inside an atom|SKIP|A3 NOOP|",
	      "a failed command's literal is not a command");
	check("A1 LOGIN \"f\\x\" {9+}\r\nA2 LOGOUT {3+}\r\nabc\r\nA3 NOOP\r\n",
	      "BAD A1 Bad escape in a quoted string|SKIP|SKIP|A3 NOOP|",
	      "...nor the literals that follow it");
	check("A1 LOGIN \"x {99999999999999999999+}\r\n",
	      "BAD A1 Unparsable literal: closing the connection (close)|",
	      "an unknowable command end asks to close");
	buf_reset(&in);
	buf_puts(&in, "A1 APPEND x {70001+}\r\n");
	for (i = 0; i < 70001; i++)
		buf_putc(&in, 'x');
	buf_puts(&in, "\r\nA2 NOOP\r\n");
	check_len(NULL, in.data, in.len, "REFUSE|SKIP|A2 NOOP|",
		  "a refused big non-synchronizing APPEND is skipped");
	check("A1 APPEND x {70001}\r\nA2 NOOP\r\n", "REFUSE|A2 NOOP|",
	      "a refused synchronizing APPEND ends the command");

	/* A sink that fails: the command fails once the literal is in. */
	buf_reset(&in);
	buf_puts(&in, "A1 APPEND x {200}\r\n");
	for (i = 0; i < 200; i++)
		buf_putc(&in, 'y');
	buf_puts(&in, "\r\nA2 NOOP\r\n");
	sink_error = -ENOSPC;
	check_len(NULL, in.data, in.len,
		  "+|BAD A1 Could not store the literal|A2 NOOP|",
		  "a sink error fails the command");
	sink_error = 0;
	buf_release(&in);
}

static void test_helpers(void)
{
	struct imap_parser p;
	const struct imap_list *args, *list;
	const char *s;
	size_t len;
	uint32_t n;
	uint64_t n64;
	const char *line = "T1 X 4294967295 4294967296 9223372036854775807 "
		"nil \"q\" ( ) BODY[TEXT]";

	imap_parser_init(&p, NULL);
	is_int(imap_parser_feed_line(&p, line, strlen(line), 0),
	       IMAP_PARSE_DONE, "helpers: parsed");
	args = imap_parser_args(&p);
	is_int(args->count, 7, "7 arguments");
	ok(imap_arg_get_number(&args->args[0], &n) && n == 4294967295U,
	   "number: 4294967295");
	ok(!imap_arg_get_number(&args->args[1], &n),
	   "number: 4294967296 is too big");
	ok(imap_arg_get_number64(&args->args[1], &n64) &&
	   n64 == 4294967296ULL, "number64");
	ok(imap_arg_get_number64(&args->args[2], &n64) &&
	   n64 == 9223372036854775807ULL, "number64: 2^63 - 1");
	ok(imap_arg_get_astring(&args->args[3], &s, &len) &&
	   strcmp(s, "nil") == 0, "astring: NIL is the atom");
	ok(imap_arg_get_nstring(&args->args[3], &s, &len) && s == NULL,
	   "nstring: NIL is NULL");
	ok(imap_arg_get_string(&args->args[4], &s, &len) && len == 1,
	   "string: quoted");
	ok(!imap_arg_get_string(&args->args[0], &s, &len),
	   "string: an atom is not one");
	ok(imap_arg_get_list(&args->args[5], &list) && list->count == 0,
	   "empty list");
	ok(!imap_arg_atom_equals(&args->args[6], "BODY") &&
	   !imap_arg_get_atom(&args->args[6], &s),
	   "an atom with a section is not a plain atom");
	is_str(imap_parser_name(&p), "X", "name");
	imap_parser_release(&p);
}

int main(void)
{
	test_rfc_examples();
	test_bad();
	test_helpers();
	buf_release(&sunk);
	return done_testing();
}
