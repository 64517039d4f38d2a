/*
 * Tests for the POP3 command parser and the RETR/TOP encoder
 * (frontends/pop3/pop3-parse.c): the bytes on the wire, and that the
 * octet count equals the stored message's vsize, whole and one byte at a
 * time.
 */

#include <errno.h>
#include <string.h>

#include "buf.h"
#include "pop3/pop3.h"
#include "../tap.h"

/* Encodes msg in one call or one byte at a time; the wire bytes. */
static void encode(const char *msg, size_t len, bool limit, uint32_t lines,
		   bool bytewise, struct buf *out, uint64_t *sent_r)
{
	struct pop3_enc e;
	size_t i;

	buf_reset(out);
	pop3_enc_init(&e, limit, lines);
	if (bytewise)
		for (i = 0; i < len; i++)
			pop3_enc_feed(&e, msg + i, 1, out);
	else
		pop3_enc_feed(&e, msg, len, out);
	pop3_enc_finish(&e, out);
	*sent_r = e.sent;
}

/* The store's vsize: the size plus one byte per LF without a CR. */
static uint64_t vsize(const char *msg, size_t len)
{
	uint64_t v = len;
	size_t i;

	for (i = 0; i < len; i++)
		if (msg[i] == '\n' && (i == 0 || msg[i - 1] != '\r'))
			v++;
	return v;
}

static void check(const char *what, const char *msg, size_t len,
		  bool limit, uint32_t lines, const char *want, size_t wlen)
{
	struct buf out = BUF_INIT;
	uint64_t sent;
	int pass;

	for (pass = 0; pass < 2; pass++) {
		encode(msg, len, limit, lines, pass == 1, &out, &sent);
		ok(out.len == wlen && memcmp(out.data, want, wlen) == 0,
		   "%s%s", what, pass ? ", one byte at a time" : "");
		if (!limit)
			is_int((int)sent, (int)vsize(msg, len),
			       "%s: octets sent = vsize%s", what,
			       pass ? ", bytewise" : "");
	}
	buf_release(&out);
}

#define S(x) x, sizeof(x) - 1

int main(void)
{
	struct pop3_command cmd;
	const char *rest;
	uint32_t n;

	is_int(pop3_parse_command("retr 1", &cmd), 0, "RETR parses");
	is_str(cmd.verb, "RETR", "verb upper-cased");
	is_str(cmd.args, "1", "argument");
	is_int(pop3_parse_command("QUIT", &cmd), 0, "no arguments");
	is_str(cmd.args, "", "args empty");
	is_int(pop3_parse_command("PASS a b  c", &cmd), 0, "PASS");
	is_str(cmd.args, "a b  c", "the rest of the line, spaces kept");
	is_int(pop3_parse_command("TOP 1 2", &cmd), 0, "3-letter verb");
	is_int(pop3_parse_command("", &cmd), -EINVAL, "empty line");
	is_int(pop3_parse_command("QUITS", &cmd), -EINVAL, "5 letters");
	is_int(pop3_parse_command("NO", &cmd), -EINVAL, "2 letters");
	is_int(pop3_parse_command("RE1R", &cmd), -EINVAL, "digit in verb");
	is_int(pop3_parse_command(" QUIT", &cmd), -EINVAL, "leading space");

	is_int(pop3_parse_number("12 5", false, &n, &rest), 0, "number");
	is_int((int)n, 12, "value");
	is_str(rest, "5", "rest after the spaces");
	is_int(pop3_parse_number("0", false, &n, &rest), -EINVAL, "0 refused");
	is_int(pop3_parse_number("0", true, &n, &rest), 0, "0 lines allowed");
	is_int(pop3_parse_number("4294967295", false, &n, &rest), 0, "max");
	is_int(pop3_parse_number("4294967296", false, &n, &rest), -EINVAL,
	       "overflow");
	is_int(pop3_parse_number("-1", false, &n, &rest), -EINVAL, "sign");
	is_int(pop3_parse_number("1x", false, &n, &rest), -EINVAL, "junk");
	is_int(pop3_parse_number("", false, &n, &rest), -EINVAL, "missing");

	check("LF endings", S("A: b\n\nbody\n"), false, 0,
	      S("A: b\r\n\r\nbody\r\n.\r\n"));
	check("CRLF endings kept", S("A: b\r\n\r\nbody\r\n"), false, 0,
	      S("A: b\r\n\r\nbody\r\n.\r\n"));
	check("dots stuffed at line starts only", S(".a\n\n.\n..x\nend.\n.\n"),
	      false, 0, S("..a\r\n\r\n..\r\n...x\r\nend.\r\n..\r\n.\r\n"));
	check("no final newline", S("A: b\n\nlast"), false, 0,
	      S("A: b\r\n\r\nlast\r\n.\r\n"));
	check("bare CR and a NUL byte", S("A: b\r\n\nx\ry\0z\n"), false, 0,
	      S("A: b\r\n\r\nx\ry\0z\r\n.\r\n"));
	check("empty message", S(""), false, 0, S(".\r\n"));
	check("TOP 0: header and the empty line", S("A: b\nC: d\n\n1\n2\n"),
	      true, 0, S("A: b\r\nC: d\r\n\r\n.\r\n"));
	check("TOP 1 with CRLF", S("A: b\r\n\r\n1\r\n.2\r\n3\r\n"), true, 1,
	      S("A: b\r\n\r\n1\r\n.\r\n"));
	check("TOP 2 stuffs dots", S("A: b\n\n1\n.2\n3\n"), true, 2,
	      S("A: b\r\n\r\n1\r\n..2\r\n.\r\n"));
	check("TOP beyond the end", S("A: b\n\nonly"), true, 5,
	      S("A: b\r\n\r\nonly\r\n.\r\n"));
	check("TOP of a message without a body", S("A: b\n"), true, 0,
	      S("A: b\r\n.\r\n"));
	return done_testing();
}
