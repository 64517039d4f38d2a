/* Tests for the frontends' bounded line reader (frontends/linereader.c). */

#include <string.h>

#include "buf.h"
#include "linereader.h"
#include "../tap.h"

/* Feeds input in pieces of `step` bytes; collects "line|" per line, with
 * "!" for too long, "L" for a bare LF and "0" for a NUL. */
static void run(const char *in, size_t len, size_t max, size_t step,
		struct buf *out)
{
	struct linereader lr;
	struct lr_line line;
	size_t pos = 0;
	enum lr_result r;

	buf_reset(out);
	linereader_init(&lr, max);
	while (pos < len) {
		size_t n = len - pos < step ? len - pos : step;

		n = linereader_feed(&lr, in + pos, n);
		pos += n;
		while ((r = linereader_next(&lr, &line)) != LR_NEED_MORE) {
			if (r == LR_TOO_LONG) {
				buf_puts(out, "!|");
				continue;
			}
			if (strlen(line.data) != line.len &&
			    !(line.flags & LR_HAS_NUL))
				buf_puts(out, "?");
			buf_append(out, line.data, strlen(line.data));
			if (line.flags & LR_BARE_LF)
				buf_puts(out, "L");
			if (line.flags & LR_HAS_NUL)
				buf_puts(out, "0");
			buf_puts(out, "|");
		}
	}
	linereader_release(&lr);
}

static void both(const char *in, size_t len, size_t max, const char *want,
		 const char *what)
{
	struct buf out = BUF_INIT;
	size_t step;
	int same = 1;

	run(in, len, max, 4096, &out);
	is_str(out.data, want, "%s (whole)", what);
	for (step = 1; step <= 3; step++) {
		run(in, len, max, step, &out);
		if (strcmp(out.data, want) != 0) {
			same = 0;
			diag("step %zu: %s", step, out.data);
		}
	}
	ok(same, "%s (1, 2 and 3 bytes at a time)", what);
	buf_release(&out);
}

int main(void)
{
	static const char nul[] = "a\0b\r\nok\r\n";
	struct linereader lr;
	struct lr_line line;
	const char *p;

	both("LHLO x\r\nQUIT\r\n", 14, 16, "LHLO x|QUIT|", "CRLF lines");
	both("one\ntwo\r\n", 9, 16, "oneL|two|", "bare LF is a line end, "
	     "and reported");
	both("abcdefgh\r\nabcdefghi\r\nok\r\n", 25, 8,
	     "abcdefgh|!|ok|", "a line of exactly max bytes passes, one more "
	     "is too long");
	both("0123456789012345678901234567890123456789\r\nnext\r\n", 48, 8,
	     "!|next|", "a very long line is reported once, the next line "
	     "is whole");
	both("abcdefgh\rX\r\nok\r\n", 16, 8, "!|ok|",
	     "a CR inside an over-long line does not end it");
	both(nul, sizeof(nul) - 1, 16, "a0|ok|", "a NUL byte is reported");
	both("tail without end", 16, 32, "", "no line ending: need more");
	both("\r\n\n", 3, 4, "|L|", "empty lines");

	linereader_init(&lr, 16);
	linereader_feed(&lr, "DATA\r\nbody.\r\n", 13);
	is_int(linereader_next(&lr, &line), LR_LINE, "line before raw data");
	is_int(linereader_pending(&lr, &p), 7, "the rest is pending");
	ok(memcmp(p, "body.\r\n", 7) == 0, "pending bytes are the raw ones");
	linereader_consume(&lr, 7);
	is_int(linereader_next(&lr, &line), LR_NEED_MORE, "consumed");
	linereader_feed(&lr, "x\r\n", 3);
	linereader_clear(&lr);
	is_int(linereader_next(&lr, &line), LR_NEED_MORE, "cleared");
	linereader_release(&lr);
	return done_testing();
}
