/* Tests of the streaming header parser (fs/header.c). */

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "../tap.h"
#include "buf.h"
#include "header.h"
#include "util.h"

/* Serializes every field as "name=value[T]@offset\n". */
static int dump_field(void *ctx, const struct header_field *f)
{
	struct buf *out = ctx;

	buf_printf(out, "%s=", f->name);
	buf_append(out, f->value, f->value_len);
	buf_printf(out, "%s@%llu\n", f->truncated ? "[T]" : "",
		   (unsigned long long)f->offset);
	return 0;
}

/* Parses in chunks of `chunk` bytes (0: all at once); appends the fields
 * and "size=N garbage=N" to out. */
static void parse_chunks(const char *data, size_t len, size_t chunk,
			 size_t max_value, struct buf *out)
{
	struct header_parser hp;
	size_t off = 0, used;
	int ret = 0;

	header_parser_init(&hp, max_value, dump_field, out);
	while (off < len) {
		size_t n = chunk == 0 || len - off < chunk ? len - off : chunk;

		ret = header_parser_feed(&hp, data + off, n, &used);
		off += used;
		if (ret != 0)
			break;
	}
	if (ret == 0)
		header_parser_finish(&hp);
	buf_printf(out, "size=%llu garbage=%u done=%d\n",
		   (unsigned long long)header_parser_size(&hp),
		   header_parser_garbage_lines(&hp), header_parser_done(&hp));
	header_parser_release(&hp);
}

/* What the header_end scanner finds, fed `chunk` bytes at a time, in
 * the parser's words ("size=N ... done=D"). */
static void end_chunks(const char *data, size_t len, size_t chunk,
		       struct buf *out)
{
	struct header_end he;
	size_t off = 0;

	header_end_init(&he);
	while (off < len && !he.done) {
		size_t n = chunk == 0 || len - off < chunk ? len - off : chunk;

		off += header_end_feed(&he, data + off, n);
	}
	buf_printf(out, "size=%llu done=%d", (unsigned long long)he.offset,
		   he.done);
}

/* Checks the result and that 1-byte and 3-byte feeding agree with it,
 * and that the header_end scanner finds the same size. */
static void check(const char *name, const char *data, size_t len,
		  size_t max_value, const char *want)
{
	struct buf a = BUF_INIT, b = BUF_INIT, c = BUF_INIT;
	struct buf e1 = BUF_INIT, e2 = BUF_INIT, ew = BUF_INIT;
	const char *sz;

	parse_chunks(data, len, 0, max_value, &a);
	parse_chunks(data, len, 1, max_value, &b);
	parse_chunks(data, len, 3, max_value, &c);
	is_str(a.data, want, "%s", name);
	/* The parser's own words, from its output (a NUL in a value hides
	 * them from strstr: the size is then taken from the run). */
	sz = strstr(want, "size=");
	if (sz == NULL)
		sz = strstr(a.data + strlen(a.data) + 1, "size=");
	if (sz != NULL)
		buf_printf(&ew, "size=%llu done=%c", strtoull(sz + 5, NULL, 10),
			   strstr(sz, "done=1") != NULL ? '1' : '0');
	end_chunks(data, len, 0, &e1);
	end_chunks(data, len, 1, &e2);
	is_str(e1.data, ew.data, "%s: header_end finds the same end", name);
	is_str(e2.data, ew.data, "%s: also a byte at a time", name);
	buf_release(&e1);
	buf_release(&e2);
	buf_release(&ew);
	ok(a.len == b.len && memcmp(a.data, b.data, a.len) == 0,
	   "%s: one byte at a time gives the same", name);
	ok(a.len == c.len && memcmp(a.data, c.data, a.len) == 0,
	   "%s: 3-byte chunks give the same", name);
	buf_release(&a);
	buf_release(&b);
	buf_release(&c);
}

#define CHECK(name, lit, want) check(name, lit, sizeof(lit) - 1, 0, want)

static int stop_at_second(void *ctx, const struct header_field *f)
{
	int *n = ctx;

	(void)f;
	return ++*n == 2 ? -ECANCELED : 0;
}

/* header_end_fd() on a file holding msg, in reads much smaller than the
 * header and in one read: want bytes of header. */
static void test_end_fd(const struct buf *msg, uint64_t want)
{
	char path[] = "/tmp/mailtree-test-header.XXXXXX", chunk[65536];
	uint64_t size = 0;
	int fd = mkstemp(path);

	ok(fd >= 0 && write(fd, msg->data, msg->len) == (ssize_t)msg->len,
	   "a message file with a long header");
	ok(header_end_fd(fd, 0, chunk, 100, &size) == 0 && size == want,
	   "header_end_fd in 100-byte reads");
	ok(header_end_fd(fd, 0, chunk, sizeof(chunk), &size) == 0 &&
	   size == want, "and in 64 KB reads");
	ok(header_end_fd(fd, 9, chunk, 100, &size) == 0 && size == want - 9,
	   "from an offset, the header after it");
	if (fd >= 0)
		close(fd);
	unlink(path);
}

static void test_long_value(void)
{
	struct buf msg = BUF_INIT, out = BUF_INIT, one = BUF_INIT;
	int i;

	buf_puts(&msg, "Subject: ");
	for (i = 0; i < 5000; i++)
		buf_puts(&msg, "0123456789abcdefghijklmnopqrstuvwxyz\r\n ");
	buf_puts(&msg, "end\r\nTo: a@b\r\n\r\nbody");
	parse_chunks(msg.data, msg.len, 4096, 1000, &out);
	ok(strstr(out.data, "[T]@0\n") != NULL, "a 200 KB value is flagged truncated");
	ok(strstr(out.data, "\nTo=a@b@") != NULL, "the next field still comes through");
	is_int(strchr(out.data, '[') - (out.data + strlen("Subject=")), 1000,
	       "the value is cut at the cap");
	is_int(msg.len - 4, atoi(strstr(out.data, "size=") + 5),
	       "header size counts every byte up to the empty line");
	parse_chunks(msg.data, msg.len, 1, 1000, &one);
	ok(out.len == one.len && memcmp(out.data, one.data, out.len) == 0,
	   "long value: one byte at a time gives the same");
	test_end_fd(&msg, msg.len - 4);
	buf_release(&msg);
	buf_release(&out);
	buf_release(&one);
}

static void test_corpus_long_header(void)
{
	const char *dir = tap_corpus_dir();
	char path[4096];
	struct buf file = BUF_INIT, out = BUF_INIT;

	if (dir == NULL) {
		skip("no corpus");
		return;
	}
	if (xsnprintf(path, sizeof(path), "%s/torture/flanker/long-header.eml",
		      dir) < 0 ||
	    read_file_small(path, 1 << 20, &file) < 0) {
		ok(0, "read %s", path);
		return;
	}
	parse_chunks(file.data, file.len, 4096, 0, &out);
	ok(strstr(out.data, "Subject=") != NULL, "long-header.eml: Subject found");
	ok(strstr(out.data, "[T]") != NULL,
	   "long-header.eml: the ~200 KB Subject is truncated at 64 KiB");
	buf_release(&file);
	buf_release(&out);
}

int main(void)
{
	size_t size;
	int n = 0;

	CHECK("simple CRLF",
	      "From: a@b\r\nSubject: hi there\r\n\r\nbody\r\n",
	      "From=a@b@0\nSubject=hi there@11\nsize=32 garbage=0 done=1\n");
	CHECK("simple LF", "From: a@b\nTo: c\n\nbody",
	      "From=a@b@0\nTo=c@10\nsize=17 garbage=0 done=1\n");
	CHECK("folded value keeps the whitespace of the fold",
	      "Subject: one\r\n two\r\n\tthree\r\nX: y\r\n\r\n",
	      "Subject=one two\tthree@0\nX=y@28\nsize=36 garbage=0 done=1\n");
	CHECK("value starting on a continuation line",
	      "Subject:\n   late\n\n",
	      "Subject=late@0\nsize=18 garbage=0 done=1\n");
	CHECK("no space after colon, empty value, space before colon",
	      "A:b\nB:\nC : c\n\n",
	      "A=b@0\nB=@4\nC=c@7\nsize=14 garbage=0 done=1\n");
	CHECK("mbox From_ line and colon-less garbage are skipped",
	      "From a@b Thu Jan  1 00:00:00 1970\nX: 1\ngarbage line\n"
	      " continued garbage\nY: 2\n\n",
	      "X=1@34\nY=2@71\nsize=77 garbage=2 done=1\n");
	CHECK("no empty line: EOF ends the header",
	      "Subject: x\r\nTo: y",
	      "Subject=x@0\nTo=y@12\nsize=17 garbage=0 done=0\n");
	CHECK("NUL and 8-bit bytes are kept in values",
	      "Subject: a\0b \xe9t\xc3\xa9\n\n",
	      "Subject=a\0b \xe9t\xc3\xa9@0\nsize=19 garbage=0 done=1\n");
	CHECK("bare CR is an ordinary byte", "A: x\ry\r\n\r\n",
	      "A=x\ry@0\nsize=10 garbage=0 done=1\n");
	CHECK("empty header", "\r\nbody", "size=2 garbage=0 done=1\n");
	CHECK("whitespace-only line is a continuation, not the end",
	      "A: 1\n \nB: 2\n\n", "A=1@0\nB=2@7\nsize=13 garbage=0 done=1\n");
	CHECK("trailing whitespace is removed", "A: 1 \t \r\n\r\n",
	      "A=1@0\nsize=11 garbage=0 done=1\n");
	CHECK("a name with a space is garbage", "Bad Name: 1\nOK: 2\n\n",
	      "OK=2@12\nsize=19 garbage=1 done=1\n");

	ok(header_parse("A: 1\nB: 2\nC: 3\n\n", 17, 0, stop_at_second, &n,
			&size) == -ECANCELED, "a callback error stops the parser");
	is_int(n, 2, "no field is reported after the error");
	test_long_value();
	test_corpus_long_header();
	return done_testing();
}
