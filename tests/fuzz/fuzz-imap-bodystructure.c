/*
 * Fuzz target: a whole message parsed as MIME, then BODY and
 * BODYSTRUCTURE rendered and every section of every part read: BODY[N],
 * N.MIME, BINARY[N], and HEADER, TEXT and HEADER.FIELDS of embedded
 * messages, whole and partial.  Each section must give exactly the
 * bytes its size announced; the structures must nest.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "buf.h"
#include "imap/imap-bodystructure.h"
#include "imap/imap-fetch-parse.h"
#include "imap/imap-section.h"
#include "mime.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_nested(const struct buf *b)
{
	size_t i = 0;
	long depth = 0;

	while (i < b->len) {
		char c = b->data[i++];

		if (c == '"') {
			while (i < b->len && b->data[i] != '"')
				i += b->data[i] == '\\' ? 2 : 1;
			i++;
		} else if (c == '{') {
			const char *end = strstr(b->data + i, "}\r\n");

			if (end == NULL)
				abort();
			i = (size_t)(end - b->data) + 3 +
			    strtoul(b->data + i, NULL, 10);
		} else if (c == '(') {
			depth++;
		} else if (c == ')' && --depth < 0) {
			abort();
		}
	}
	if (depth != 0)
		abort();
}

static void read_section(int fd, struct mime_part **root,
			 const struct imap_fetch_body *body)
{
	struct imap_section *sec;
	char chunk[777];
	uint64_t got = 0;
	ssize_t n;
	int ret;

	ret = imap_section_open(&sec, fd, root, body);
	if (ret == IMAP_SECTION_UNKNOWN_CTE)
		return;
	if (ret < 0)
		abort();
	while ((n = imap_section_read(sec, chunk, sizeof(chunk))) > 0)
		got += (uint64_t)n;
	if (n < 0 || got != imap_section_size(sec))
		abort();
	if (body->partial && got > body->length)
		abort();
	imap_section_free(&sec);
}

/* Fills parts[] from "1.2.3". */
static void set_parts(struct imap_fetch_body *b, const char *num)
{
	b->part_count = 0;
	while (*num != '\0' && b->part_count < IMAP_FETCH_MAX_PARTS) {
		b->parts[b->part_count++] = (uint32_t)strtoul(num, NULL, 10);
		num += strcspn(num, ".");
		if (*num == '.')
			num++;
	}
}

static void read_all(int fd, struct mime_part **root)
{
	static char *fields[] = { "From", "content-type", "Subject" };
	struct imap_fetch_body b;
	const struct mime_part *p;
	struct buf num = BUF_INIT;
	unsigned int t;

	memset(&b, 0, sizeof(b));
	b.fields = fields;
	b.field_count = 3;
	for (t = IMAP_FETCH_TEXT_ALL; t <= IMAP_FETCH_TEXT_TEXT; t++) {
		b.text = t;
		if (t != IMAP_FETCH_TEXT_MIME)
			read_section(fd, root, &b);
	}
	b.kind = IMAP_FETCH_KIND_BINARY;
	b.text = IMAP_FETCH_TEXT_ALL;
	read_section(fd, root, &b);
	for (p = *root; p != NULL; p = mime_part_next(p)) {
		buf_reset(&num);
		mime_part_section(p, &num);
		if (num.len == 0)
			continue;
		set_parts(&b, num.data);
		for (t = IMAP_FETCH_TEXT_ALL; t <= IMAP_FETCH_TEXT_TEXT; t++) {
			b.kind = IMAP_FETCH_KIND_BODY;
			b.text = t;
			b.partial = false;
			read_section(fd, root, &b);
			b.partial = true;
			b.origin = 3;
			b.length = 10;
			read_section(fd, root, &b);
		}
		b.partial = false;
		b.text = IMAP_FETCH_TEXT_ALL;
		b.kind = IMAP_FETCH_KIND_BINARY;
		read_section(fd, root, &b);
		b.kind = IMAP_FETCH_KIND_BINARY_SIZE;
		read_section(fd, root, &b);
	}
	buf_release(&num);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mime_limits lim = MIME_LIMITS_DEFAULT;
	struct mime_part *root;
	struct buf out = BUF_INIT;
	int fd;

	/* Small limits so that inputs of fuzzer size reach them. */
	lim.max_depth = 8;
	lim.max_parts = 50;
	lim.max_boundary = 100;
	fd = memfd_create("fuzz-imap-bodystructure", MFD_CLOEXEC);
	if (fd < 0 || write_full(fd, data, size) < 0)
		abort();
	root = mime_parse_buf(data, size, &lim);
	if (imap_bodystructure_write(root, fd, true, &out) < 0)
		abort();
	check_nested(&out);
	buf_reset(&out);
	if (imap_bodystructure_write(root, fd, false, &out) < 0)
		abort();
	check_nested(&out);
	read_all(fd, &root);
	mime_part_free(&root);
	buf_release(&out);
	close(fd);
	return 0;
}
