/*
 * Fuzz target for THREAD: the input is up to 64 messages, one a line,
 * "Message-ID|References|In-Reply-To|Subject".  Both algorithms must
 * finish, name every message exactly once and balance their
 * parentheses, whatever loops or duplicates the references make.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "imap/imap-thread.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_MSGS 64

static void check(const struct buf *out, size_t n)
{
	unsigned char seen[MAX_MSGS + 1] = { 0 };
	size_t i, count = 0;
	long depth = 0, num = -1;

	for (i = 0; i <= out->len; i++) {
		char c = i < out->len ? out->data[i] : '\0';

		if (c >= '0' && c <= '9') {
			num = (num < 0 ? 0 : num * 10) + (c - '0');
			continue;
		}
		if (num >= 0) {
			if (num < 1 || (size_t)num > n || seen[num]++)
				abort();
			count++;
			num = -1;
		}
		if (c == '(')
			depth++;
		else if (c == ')' && --depth < 0)
			abort();
	}
	if (depth != 0 || count != n)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "Message-ID", "References",
					     "In-Reply-To", "Subject" };
	struct imap_msg_ref msgs[MAX_MSGS] = { 0 };
	struct buf hdr[MAX_MSGS], out = BUF_INIT;
	const char *p = (const char *)data, *end = p + size, *eol, *bar;
	size_t n = 0, f, i;

	while (p < end && n < MAX_MSGS) {
		eol = memchr(p, '\n', (size_t)(end - p));
		if (eol == NULL)
			eol = end;
		buf_init(&hdr[n]);
		for (f = 0; f < 4 && p <= eol; f++) {
			bar = memchr(p, '|', (size_t)(eol - p));
			if (bar == NULL)
				bar = eol;
			buf_printf(&hdr[n], "%s: ", names[f]);
			/* Keep the cache's one-field-a-line form. */
			for (; p < bar; p++)
				buf_putc(&hdr[n], *p == '\r' ? ' ' : *p);
			buf_putc(&hdr[n], '\n');
			p = bar + 1;
		}
		memset(&msgs[n], 0, sizeof(msgs[n]));
		msgs[n].seq = msgs[n].uid = (uint32_t)n + 1;
		msgs[n].internal_date = (time_t)(n * 7919 % 13);
		msgs[n].headers = hdr[n].data;
		msgs[n].headers_len = hdr[n].len;
		n++;
		p = eol + 1;
	}
	imap_thread_run(IMAP_THREAD_REFERENCES, msgs, n, false, &out);
	check(&out, n);
	buf_reset(&out);
	imap_thread_run(IMAP_THREAD_ORDEREDSUBJECT, msgs, n, true, &out);
	check(&out, n);
	for (i = 0; i < n; i++)
		buf_release(&hdr[i]);
	buf_release(&out);
	return 0;
}
