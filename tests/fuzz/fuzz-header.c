/* Fuzz target: the streaming header parser, fed whole and in small
 * chunks, must report the same fields and size either way, and the
 * header_end scanner must find the same size. */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "header.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int collect(void *ctx, const struct header_field *f)
{
	struct buf *out = ctx;

	buf_printf(out, "%s:%zu:%d:%llu:", f->name, f->value_len,
		   f->truncated, (unsigned long long)f->offset);
	buf_append(out, f->value, f->value_len);
	buf_putc(out, '\n');
	return 0;
}

static void run(const uint8_t *data, size_t size, size_t chunk,
		struct buf *out)
{
	struct header_parser hp;
	size_t off = 0, used;

	/* A small cap so that truncation is exercised too. */
	header_parser_init(&hp, 100, collect, out);
	while (off < size) {
		size_t n = size - off < chunk ? size - off : chunk;

		if (header_parser_feed(&hp, data + off, n, &used) != 0) {
			off += used;
			break;
		}
		off += used;
	}
	header_parser_finish(&hp);
	buf_printf(out, "size=%llu consumed=%zu",
		   (unsigned long long)header_parser_size(&hp), off);
	header_parser_release(&hp);
}

/* The scanner's size, fed in chunks of `chunk` bytes. */
static uint64_t end_size(const uint8_t *data, size_t size, size_t chunk)
{
	struct header_end he;
	size_t off = 0;

	header_end_init(&he);
	while (off < size && !he.done) {
		size_t n = size - off < chunk ? size - off : chunk;

		off += header_end_feed(&he, data + off, n);
	}
	return he.offset;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf a = BUF_INIT, b = BUF_INIT;

	run(data, size, size ? size : 1, &a);
	run(data, size, 3, &b);
	if (a.len != b.len || memcmp(a.data, b.data, a.len) != 0)
		abort();
	{
		struct header_parser hp;
		size_t used;
		uint64_t want;

		header_parser_init(&hp, 100, NULL, NULL);
		header_parser_feed(&hp, data, size, &used);
		want = header_parser_size(&hp);
		header_parser_release(&hp);
		if (end_size(data, size, size ? size : 1) != want ||
		    end_size(data, size, 1) != want ||
		    end_size(data, size, 7) != want)
			abort();
	}
	buf_release(&a);
	buf_release(&b);
	return 0;
}
