/* Tests of part content decoding, the readable body and HTML to text. */

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "../tap.h"
#include "buf.h"
#include "html-text.h"
#include "mime-body.h"
#include "mime.h"
#include "util.h"

static char tmpdir[4096];

/* Writes a message to a temporary file and returns an fd open on it. */
static int message_fd(const char *data, size_t len)
{
	char path[4200];
	int fd;

	if (xsnprintf(path, sizeof(path), "%s/msg.XXXXXX", tmpdir) < 0)
		return -1;
	fd = mkstemp(path);
	if (fd < 0)
		return -1;
	unlink(path);
	if (write_full(fd, data, len) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The readable body of a message given as a string. */
static void readable(const char *msg, size_t max, const char *want,
		     const char *name)
{
	struct buf out = BUF_INIT;
	struct mime_part *root;
	int fd = message_fd(msg, strlen(msg));

	if (!ok(fd >= 0, "%s: temp file", name))
		return;
	is_int(mime_parse_fd(fd, NULL, &root), 0, "%s: parse", name);
	is_int(mime_body_readable(fd, root, max, &out), 0, "%s: read", name);
	is_str(out.data, want, "%s", name);
	mime_part_free(&root);
	close(fd);
	buf_release(&out);
}

static int collect(void *ctx, const char *data, size_t len)
{
	buf_append(ctx, data, len);
	return 0;
}

static void html(const char *in, const char *want)
{
	struct html_text h;
	struct buf a = BUF_INIT, b = BUF_INIT;
	size_t i;

	html_text_init(&h);
	html_text_feed(&h, in, strlen(in), &a);
	html_text_finish(&h, &a);
	is_str(a.data, want, "html: %s", in);
	html_text_init(&h);
	for (i = 0; in[i] != '\0'; i++)
		html_text_feed(&h, in + i, 1, &b);
	html_text_finish(&h, &b);
	is_str(b.data, a.data, "  byte at a time the same");
	buf_release(&a);
	buf_release(&b);
}

static void test_stream(void)
{
	static const char msg[] =
		"Content-Type: multipart/mixed; boundary=b\n\n--b\n"
		"Content-Type: text/plain; charset=koi8-r\n"
		"Content-Transfer-Encoding: base64\n\n8NLJ18XU\n--b\n"
		"Content-Type: application/octet-stream\n"
		"Content-Transfer-Encoding: base64\n\nAAEC/w==\n--b--\n";
	struct buf out = BUF_INIT;
	struct mime_part *root;
	int fd = message_fd(msg, sizeof(msg) - 1);

	if (!ok(fd >= 0, "temp file"))
		return;
	mime_parse_fd(fd, NULL, &root);
	is_int(mime_body_stream(fd, mime_part_find(root, "1"), MIME_BODY_UTF8,
				collect, &out), 0, "stream part 1");
	is_str(out.data, "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82",
	       "base64 KOI8-R text comes out as UTF-8");
	buf_reset(&out);
	mime_body_stream(fd, mime_part_find(root, "1"), 0, collect, &out);
	is_str(out.data, "\xf0\xd2\xc9\xd7\xc5\xd4",
	       "without MIME_BODY_UTF8 only the CTE is decoded");
	buf_reset(&out);
	mime_body_stream(fd, mime_part_find(root, "2"), MIME_BODY_UTF8,
			 collect, &out);
	ok(out.len == 4 && memcmp(out.data, "\0\1\2\377", 4) == 0,
	   "binary attachment bytes are not converted");
	buf_reset(&out);
	mime_body_stream(fd, root, 0, collect, &out);
	is_int(out.len, root->body_end - root->body_offset,
	       "a multipart body is passed on raw");
	mime_part_free(&root);
	close(fd);
	buf_release(&out);
}

static void test_corpus(void)
{
	const char *dir = tap_corpus_dir();
	struct buf out = BUF_INIT;
	struct mime_part *root;
	char path[4096];
	int fd;

	if (dir == NULL) {
		skip("no corpus");
		return;
	}
	if (xsnprintf(path, sizeof(path), "%s/torture/rubymail/"
		      "multi_charset_japanese_shift_jis.eml", dir) < 0 ||
	    (fd = open(path, O_RDONLY)) < 0) {
		ok(0, "open shift_jis message");
		return;
	}
	mime_parse_fd(fd, NULL, &root);
	mime_body_readable(fd, root, 1 << 20, &out);
	ok(strncmp(out.data, "\xe3\x81\x82\xe3\x81\x84\xe3\x81\x86\xe3\x81\x88"
		   "\xe3\x81\x8a\r\n", 17) == 0,
	   "Shift_JIS body starts with aiueo in UTF-8");
	ok(strstr(out.data, "\xe3\x83\x86\xe3\x82\xb9\xe3\x83\x88") != NULL,
	   "and contains 'tesuto'");
	mime_part_free(&root);
	close(fd);
	buf_release(&out);
}

int main(void)
{
	const char *t = getenv("MAILTREE_TMP");

	if (xsnprintf(tmpdir, sizeof(tmpdir), "%s", t ? t : "/tmp") < 0)
		return 1;
	readable("Content-Type: text/plain; charset=iso-8859-1\n"
		 "Content-Transfer-Encoding: quoted-printable\n\n"
		 "caf=E9 cr=\n=E8me\n", 100, "caf\xc3\xa9 cr\xc3\xa8me\n",
		 "quoted-printable latin1 body");
	readable("Content-Type: multipart/alternative; boundary=a\n\n"
		 "--a\nContent-Type: text/html\n\n<b>html</b>\n"
		 "--a\nContent-Type: text/plain\n\nplain\n--a--\n", 100,
		 "plain", "text/plain is preferred over text/html");
	readable("Content-Type: multipart/mixed; boundary=a\n\n"
		 "--a\nContent-Type: text/plain\n"
		 "Content-Disposition: attachment; filename=a.txt\n\nattached\n"
		 "--a\nContent-Type: message/rfc822\n"
		 "Content-Disposition: attachment\n\n"
		 "Subject: fwd\n\nforwarded\n"
		 "--a\nContent-Type: text/html; charset=utf-8\n\n"
		 "<html><head><title>T</title><style>p{}</style></head>"
		 "<body><p>Caf&eacute;? &lt;ok&gt; &amp; &#8364;&#x41;"
		 "<script>x()</script></p><p>two&nbsp;words</p></body>\n"
		 "--a--\n", 100, "Caf\xc3\xa9? <ok> & \xe2\x82\xac" "A\n\ntwo words\n",
		 "attachments are skipped; HTML is reduced to text");
	readable("Content-Type: image/png\n\nPNG", 100, "",
		 "no text part: empty");
	readable("Subject: x\n\n\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac", 7,
		 "\xe2\x82\xac\xe2\x82\xac", "cut at a character boundary");
	readable("Subject: x\n\nraw \xe9t\xe9\n", 100, "raw \xc3\xa9t\xc3\xa9\n",
		 "8-bit without charset: windows-1252 fallback");
	test_stream();
	test_corpus();

	html("a  b\n\tc", "a b c");
	html("x<br>y<br/>z", "x\ny\nz");
	html("<p>one</p><p>two</p>", "one\n\ntwo\n");
	html("a<!-- <p>hidden</p> -->b", "ab");
	html("<a href=\"x>y\">link</a>", "link");
	html("1 < 2 &amp;&amp; 3 > 2", "1 < 2 && 3 > 2");
	html("&#0;&#xD800;&#1114112;&#65;", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" "A");
	html("&unknown; &amp", "&unknown; &");
	html("<STYLE>body{}</STYLE>text<SCRIPT>var a='<p>';</SCRIPT>", "text");
	html("<!DOCTYPE html><x>", "");
	return done_testing();
}
