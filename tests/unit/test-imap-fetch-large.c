/*
 * FETCH sections of messages bigger than the read chunk: an attachment
 * over 1 MB read in small chunks gives the same bytes as one read, line
 * endings that straddle a chunk boundary are converted once, and big
 * headers are filtered and capped.
 */

#include <string.h>

#include "imap/imap-bodystructure.h"
#include "imap/imap-crlf.h"
#include "imap/imap-header-filter.h"
#include "imap-fetch-test.h"

static void base64_lines(const unsigned char *data, size_t len,
			 struct buf *out)
{
	static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				  "abcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, col = 0;

	for (i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)data[i] << 16;
		size_t left = len - i;

		if (left > 1)
			v |= (uint32_t)data[i + 1] << 8;
		if (left > 2)
			v |= data[i + 2];
		buf_putc(out, abc[v >> 18 & 63]);
		buf_putc(out, abc[v >> 12 & 63]);
		buf_putc(out, left > 1 ? abc[v >> 6 & 63] : '=');
		buf_putc(out, left > 2 ? abc[v & 63] : '=');
		if ((col += 4) == 76) {
			buf_putc(out, '\n');
			col = 0;
		}
	}
	if (col > 0)
		buf_putc(out, '\n');
}

/* The converted bytes [start, end) of `s`, as the section gives them. */
static void crlf_slice(const char *s, size_t start, size_t end,
		       struct buf *out)
{
	size_t i;

	buf_reset(out);
	for (i = start; i < end; i++) {
		if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r'))
			buf_putc(out, '\r');
		buf_putc(out, s[i]);
	}
}

static bool same(const struct buf *a, const struct buf *b)
{
	return a->len == b->len && memcmp(a->data, b->data, a->len) == 0;
}

static void check_big_message(void)
{
	struct buf msg = BUF_INIT, b64 = BUF_INIT, want = BUF_INIT;
	struct buf one = BUF_INIT, small = BUF_INIT;
	struct mime_part *root = NULL;
	unsigned char *bin;
	size_t bin_len = 1536 * 1024 + 7, i, text_start, text_end;
	uint32_t x = 12345;
	uint64_t n;
	int fd;

	bin = xmalloc(bin_len);
	for (i = 0; i < bin_len; i++) {
		x = x * 1103515245 + 12345;
		bin[i] = (unsigned char)(x >> 16);
	}
	base64_lines(bin, bin_len, &b64);
	buf_puts(&msg, "From: a@b\nSubject: big\nMIME-Version: 1.0\n"
		 "Content-Type: multipart/mixed; boundary=XX\n\n--XX\n"
		 "Content-Type: text/plain\n\n");
	text_start = msg.len;
	/* Text lines, some with CRLF and bare CR, across several chunks. */
	while (msg.len < text_start + 300000)
		buf_printf(&msg, "line %zu of text%s\n", msg.len,
			   msg.len % 7 == 0 ? "\r" : msg.len % 11 == 0
			   ? " \r bare" : "");
	/* A CRLF whose CR ends the first read chunk, a CR alone at the end
	 * of the second. */
	msg.data[IMAP_CRLF_CHUNK - 1] = '\r';
	msg.data[IMAP_CRLF_CHUNK] = '\n';
	msg.data[2 * IMAP_CRLF_CHUNK - 1] = '\r';
	msg.data[2 * IMAP_CRLF_CHUNK] = 'x';
	/* The line break before a boundary, CR included, is not text. */
	text_end = msg.len - 1;
	if (msg.data[text_end - 1] == '\r')
		text_end--;
	buf_puts(&msg, "--XX\nContent-Type: application/octet-stream\n"
		 "Content-Transfer-Encoding: base64\n\n");
	buf_append(&msg, b64.data, b64.len);
	buf_puts(&msg, "--XX--\n");
	fd = test_msg_fd(msg.data, msg.len);

	crlf_slice(msg.data, 0, msg.len, &want);
	is_int(test_section(fd, &root, "BODY[]", 8 << 20, &one, NULL), 1,
	       "BODY[] in one read");
	ok(same(&one, &want), "BODY[] of %zu bytes is the CRLF message",
	   msg.len);
	is_int(imap_crlf_count(fd, 0, msg.len, &n), 0, "imap_crlf_count");
	is_int(n, want.len, "imap_crlf_count gives the converted size");
	is_int(test_section(fd, &root, "BODY[]", 1000, &small, NULL), 1,
	       "BODY[] in 1000-byte reads");
	ok(same(&one, &small), "the same bytes");

	crlf_slice(msg.data, text_start, text_end, &want);
	test_section(fd, &root, "BODY[1]", 8 << 20, &one, NULL);
	ok(same(&one, &want), "BODY[1] across chunk boundaries");
	test_section(fd, &root, "BODY[1]<65500.100>", 7, &small, NULL);
	ok(small.len == 100 && memcmp(small.data, want.data + 65500, 100) == 0,
	   "BODY[1]<65500.100>");

	test_section(fd, &root, "BINARY[2]", 8 << 20, &one, NULL);
	ok(one.len == bin_len && memcmp(one.data, bin, bin_len) == 0,
	   "BINARY[2] of a 1.5 MB attachment in one read");
	test_section(fd, &root, "BINARY[2]", 13, &small, NULL);
	ok(same(&one, &small), "the same in 13-byte reads");
	test_section(fd, &root, "BINARY[2]<1000000.1000>", 3, &small, NULL);
	ok(small.len == 1000 && memcmp(small.data, bin + 1000000, 1000) == 0,
	   "BINARY[2]<1000000.1000>");

	crlf_slice(b64.data, 0, b64.len - 1, &want);
	test_section(fd, &root, "BODY[2]", 4096, &one, NULL);
	ok(same(&one, &want), "BODY[2] is the base64 text with CRLF");

	buf_reset(&one);
	imap_bodystructure_write(root, fd, false, &one);
	buf_reset(&small);
	crlf_slice(msg.data, text_start, text_end, &want);
	buf_printf(&small, "\"7bit\" %zu ", want.len);
	ok(strstr(one.data, small.data) != NULL,
	   "BODY gives the converted size of the text part");
	mime_part_free(&root);
	close(fd);
	free(bin);
	buf_release(&msg);
	buf_release(&b64);
	buf_release(&want);
	buf_release(&one);
	buf_release(&small);
}

static void check_big_headers(void)
{
	struct buf msg = BUF_INIT, want = BUF_INIT, got = BUF_INIT;
	struct mime_part *root = NULL;
	size_t i;
	int fd;

	/* A folded field of 100 KB: more than one read chunk. */
	buf_puts(&msg, "X-Long: start\n");
	for (i = 0; i < 2000; i++)
		buf_printf(&msg, " fold %04zu of a very long header field "
			   "that goes on\n", i);
	buf_puts(&msg, "Subject: after\n\nbody\n");
	fd = test_msg_fd(msg.data, msg.len);
	test_section(fd, &root, "BODY[HEADER.FIELDS (Subject)]", 100, &got,
		     NULL);
	is_str(got.data, "Subject: after\r\n\r\n",
	       "field after a 100 KB field");
	crlf_slice(msg.data, 0, strstr(msg.data, "Subject:") - msg.data,
		   &want);
	buf_puts(&want, "\r\n");
	test_section(fd, &root, "BODY[HEADER.FIELDS (X-LONG)]", 100, &got,
		     NULL);
	ok(same(&got, &want), "a 100 KB folded field is kept whole");
	close(fd);
	mime_part_free(&root);

	/* Matching fields beyond the cap are left out, whole. */
	buf_reset(&msg);
	for (i = 0; msg.len < IMAP_HEADER_FILTER_MAX + 100000; i++)
		buf_printf(&msg, "Received: from host%zu by relay\n", i);
	buf_puts(&msg, "\nbody\n");
	fd = test_msg_fd(msg.data, msg.len);
	test_section(fd, &root, "BODY[HEADER.FIELDS (received)]", 4096, &got,
		     NULL);
	ok(got.len <= IMAP_HEADER_FILTER_MAX + 2 &&
	   got.len > IMAP_HEADER_FILTER_MAX - 100,
	   "HEADER.FIELDS capped (%zu bytes)", got.len);
	ok(got.len > 10 &&
	   memcmp(got.data + got.len - 10, " relay\r\n\r\n", 10) == 0,
	   "capped result ends with a whole field and the empty line");
	close(fd);
	mime_part_free(&root);
	buf_release(&msg);
	buf_release(&want);
	buf_release(&got);
}

static void check_marks(void)
{
	static const char s[] = "a\nb\r\nc\rd\n\ne";
	uint64_t offs[] = { 0, 1, 2, 4, 5, 9, 10, 11 }, bare[8];
	uint64_t want[] = { 0, 0, 1, 1, 1, 2, 3, 3 }, n;
	int fd = test_msg_fd(s, strlen(s)), i;

	/* bare[i] counts bare LFs in [0, offs[i]). */
	is_int(imap_crlf_marks(fd, offs, 8, bare), 0, "imap_crlf_marks");
	for (i = 0; i < 8; i++)
		is_int(bare[i], want[i], "bare LFs before offset %d",
		       (int)offs[i]);
	imap_crlf_count(fd, 4, 1, &n);
	is_int(n, 1, "a LF after CR is not bare at a range start");
	imap_crlf_count(fd, 5, 5, &n);
	is_int(n, 7, "ranges count from the byte before them");
	is_int(imap_crlf_count(fd, 5, 100, &n), -EIO,
	       "a range past the end is an error");
	close(fd);
}

int main(void)
{
	check_marks();
	check_big_message();
	check_big_headers();
	return done_testing();
}
