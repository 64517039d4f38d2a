/* Tests for the LF to CRLF conversion of message bytes sent to IMAP
 * clients (frontends/imap/imap-crlf.c), against a byte-at-a-time
 * rendering of the rule, on random input cut into random chunks. */

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "imap/imap-crlf.h"
#include "../tap.h"

/* The rule, one byte at a time: a LF not after a CR gets one; a NUL
 * becomes 0x80 when asked. */
static void reference(const char *p, size_t len, bool nul_to_80,
		      struct buf *out)
{
	bool prev_cr = false;
	size_t i;

	for (i = 0; i < len; i++) {
		if (p[i] == '\n' && !prev_cr)
			buf_putc(out, '\r');
		if (p[i] == '\0' && nul_to_80)
			buf_putc(out, (char)0x80);
		else
			buf_putc(out, p[i]);
		prev_cr = p[i] == '\r';
	}
}

int main(void)
{
	static const char alphabet[] = "ab\r\n\n\0 x";
	struct buf in = BUF_INIT, want = BUF_INIT, got = BUF_INIT;
	struct imap_crlf c;
	int round, bad = 0, nul;

	srand(42);
	for (nul = 0; nul < 2; nul++) {
		for (round = 0; round < 2000; round++) {
			size_t len = (size_t)(rand() % 300), off = 0, i;

			buf_reset(&in);
			buf_reset(&want);
			buf_reset(&got);
			for (i = 0; i < len; i++)
				buf_putc(&in, alphabet[rand() %
						       (sizeof(alphabet) - 1)]);
			reference(in.data, len, nul, &want);
			imap_crlf_init(&c, false, nul);
			while (off < len) {
				size_t n = (size_t)(rand() % 40) + 1;

				if (n > len - off)
					n = len - off;
				imap_crlf_convert(&c, in.data + off, n, &got);
				off += n;
			}
			if (got.len != want.len ||
			    memcmp(got.data, want.data, got.len) != 0)
				bad++;
		}
		is_int(bad, 0, "2000 random inputs in random chunks, NUL %s",
		       nul ? "to 0x80" : "kept");
	}
	buf_reset(&got);
	imap_crlf_init(&c, true, true);
	imap_crlf_convert(&c, "\nA\r\nB\0\n", 7, &got);
	ok(got.len == 8 && memcmp(got.data, "\nA\r\nB\x80\r\n", 8) == 0,
	   "a chunk after a CR: its first LF gets none");
	buf_release(&in);
	buf_release(&want);
	buf_release(&got);
	return done_testing();
}
