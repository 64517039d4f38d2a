/*
 * Fuzz target for the line reader: the input is read whole and one byte
 * at a time, which must give the same lines, none longer than the limit.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "linereader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void run(const uint8_t *data, size_t size, size_t step, size_t max,
		struct buf *out)
{
	struct linereader lr;
	struct lr_line line;
	enum lr_result r;
	size_t pos = 0;

	linereader_init(&lr, max);
	while (pos < size) {
		size_t n = size - pos < step ? size - pos : step;

		pos += linereader_feed(&lr, data + pos, n);
		while ((r = linereader_next(&lr, &line)) != LR_NEED_MORE) {
			if (r == LR_LINE) {
				if (line.len > max)
					abort();
				buf_append(out, line.data, line.len);
				buf_putc(out, (char)('0' + line.flags));
			} else {
				buf_putc(out, '!');
			}
		}
	}
	linereader_release(&lr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf a = BUF_INIT, b = BUF_INIT;
	size_t max = size > 0 ? data[0] % 64 + 1 : 8;

	run(data, size, size > 0 ? size : 1, max, &a);
	run(data, size, 1, max, &b);
	if (a.len != b.len || memcmp(a.data, b.data, a.len) != 0)
		abort();
	buf_release(&a);
	buf_release(&b);
	return 0;
}
