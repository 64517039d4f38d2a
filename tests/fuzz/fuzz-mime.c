/*
 * Fuzz target: a whole message through the MIME parser (whole and in
 * 5-byte chunks, which must give the same tree), the message summary,
 * address and date parsing and header decoding.  Decoded text must be
 * valid UTF-8 and offsets must lie inside the input.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "buf.h"
#include "charset.h"
#include "date.h"
#include "message-summary.h"
#include "mime.h"
#include "rfc2047.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_tree(const struct mime_part *root, size_t size)
{
	const struct mime_part *p;
	struct buf sec = BUF_INIT;

	for (p = root; p != NULL; p = mime_part_next(p)) {
		if (p->hdr_offset > p->body_offset ||
		    p->body_offset > p->body_end || p->body_end > size)
			abort();
		if (p->filename != NULL &&
		    !charset_is_utf8(p->filename, strlen(p->filename)))
			abort();
		/* Numbering round trip (multipart messages share their
		 * holder's number, so they are skipped). */
		if ((p->flags & MIME_PART_MESSAGE) &&
		    (p->flags & MIME_PART_MULTIPART))
			continue;
		buf_reset(&sec);
		mime_part_section(p, &sec);
		if (sec.len > 0 && mime_part_find(root, sec.data) != p)
			abort();
	}
	buf_release(&sec);
}

static void check_headers(const uint8_t *data, size_t size)
{
	struct message_summary sum;
	struct buf out = BUF_INIT;
	struct address *list;
	const char *fields[4];
	time_t t;
	int tz;
	size_t i;

	message_summary_parse(data, size, &sum);
	fields[0] = sum.from;
	fields[1] = sum.to;
	fields[2] = sum.cc;
	fields[3] = sum.reply_to;
	for (i = 0; i < 4; i++) {
		if (fields[i] == NULL)
			continue;
		address_list_parse(fields[i], strlen(fields[i]), &list);
		address_list_format(list, &out);
		address_list_free(&list);
	}
	if (sum.subject != NULL)
		rfc2047_decode(sum.subject, strlen(sum.subject), &out);
	if (!charset_is_utf8(out.data, out.len))
		abort();
	/* The raw input as a date and as addresses too. */
	date_parse((const char *)data, size < 200 ? size : 200, &t, &tz);
	address_list_parse((const char *)data, size < 4096 ? size : 4096,
			   &list);
	address_list_free(&list);
	message_summary_release(&sum);
	buf_release(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mime_limits lim = MIME_LIMITS_DEFAULT;
	struct buf a = BUF_INIT, b = BUF_INIT;
	struct mime_part *root;
	struct mime_parser *mp;
	size_t off;

	/* Small limits so that inputs of fuzzer size reach them. */
	lim.max_depth = 8;
	lim.max_parts = 50;
	lim.max_boundary = 100;
	root = mime_parse_buf(data, size, &lim);
	check_tree(root, size);
	mime_part_dump(root, &a);
	mime_part_free(&root);

	mp = mime_parser_new(&lim);
	for (off = 0; off < size; off += 5)
		mime_parser_feed(mp, data + off, size - off < 5 ? size - off : 5);
	root = mime_parser_finish(&mp);
	mime_part_dump(root, &b);
	mime_part_free(&root);
	if (a.len != b.len || memcmp(a.data, b.data, a.len) != 0)
		abort();
	buf_release(&a);
	buf_release(&b);
	check_headers(data, size);
	return 0;
}
