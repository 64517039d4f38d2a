/* Tests of the streaming base64 and quoted-printable decoders. */

#include "../tap.h"
#include "buf.h"
#include "decode.h"

/* Decodes with the given chunk size (0: all at once). */
static void run(enum cte cte, const char *in, size_t len, size_t chunk,
		struct buf *out)
{
	struct cte_decoder d;
	size_t off = 0;

	decode_cte_init(&d, cte);
	while (off < len) {
		size_t n = chunk == 0 || len - off < chunk ? len - off : chunk;

		decode_cte_feed(&d, in + off, n, out);
		off += n;
	}
	decode_cte_finish(&d, out);
}

static void check_len(enum cte cte, const char *in, const char *want,
		      size_t want_len, const char *name)
{
	struct buf a = BUF_INIT, b = BUF_INIT, c = BUF_INIT;
	size_t len = strlen(in);

	run(cte, in, len, 0, &a);
	run(cte, in, len, 1, &b);
	run(cte, in, len, 5, &c);
	ok(a.len == want_len && memcmp(a.data, want, want_len) == 0,
	   "%s", name);
	if (a.len != want_len || memcmp(a.data, want, want_len) != 0)
		diag("got \"%s\" (%zu bytes)", a.data, a.len);
	ok(b.len == a.len && memcmp(a.data, b.data, a.len) == 0,
	   "%s: one byte at a time gives the same", name);
	ok(c.len == a.len && memcmp(a.data, c.data, a.len) == 0,
	   "%s: 5-byte chunks give the same", name);
	buf_release(&a);
	buf_release(&b);
	buf_release(&c);
}

#define CHECK(cte, in, want, name) \
	check_len(cte, in, want, sizeof(want) - 1, name)

int main(void)
{
	CHECK(CTE_BASE64, "SGVsbG8sIHdvcmxkIQ==", "Hello, world!", "base64");
	CHECK(CTE_BASE64, "SGVs\r\nbG8s\r\nIHdv\r\ncmxk\r\nIQ==\r\n",
	      "Hello, world!", "base64 over lines");
	CHECK(CTE_BASE64, "SGV*sb!G8", "Hello", "base64 skips garbage");
	CHECK(CTE_BASE64, "SGk=SGk=", "HiHi",
	      "base64 goes on after padding (concatenated blocks)");
	CHECK(CTE_BASE64, "AP8A", "\0\377\0", "base64 binary bytes");
	CHECK(CTE_BASE64, "SGVsbG8", "Hello", "base64 missing padding");
	CHECK(CTE_BASE64, "", "", "base64 empty");

	CHECK(CTE_QP, "caf=E9 =3D x", "caf\xe9 = x", "qp escapes");
	CHECK(CTE_QP, "soft=\r\nbreak=\nhere", "softbreakhere",
	      "qp soft line breaks");
	CHECK(CTE_QP, "trailing   \r\nspace\t\nend  ", "trailing\r\nspace\nend",
	      "qp drops trailing whitespace");
	CHECK(CTE_QP, "pad=  \r\nded", "padded",
	      "qp soft break with transport padding");
	CHECK(CTE_QP, "a=ZZb =4 c=", "a=ZZb =4 c",
	      "qp keeps broken escapes");
	CHECK(CTE_QP, "lower=e9case", "lower\xe9" "case", "qp lowercase hex");
	CHECK(CTE_QP, "a = b", "a = b", "qp '=' before a space and text");
	CHECK(CTE_QP, "under_score", "under_score",
	      "qp body keeps underscores");
	CHECK(CTE_QP, "bare\rcr", "bare\rcr", "qp keeps bare CR");

	CHECK(CTE_7BIT, "as =3D is", "as =3D is", "7bit passes through");
	CHECK(CTE_UNKNOWN, "begin 644 x", "begin 644 x",
	      "unknown encodings pass through");

	is_int(decode_cte_parse("Base64"), CTE_BASE64, "parse Base64");
	is_int(decode_cte_parse(" quoted-printable (comment)"), CTE_QP,
	       "parse quoted-printable with a comment");
	is_int(decode_cte_parse(NULL), CTE_7BIT, "missing means 7bit");
	is_int(decode_cte_parse("8BIT"), CTE_8BIT, "parse 8BIT");
	is_int(decode_cte_parse("x-uuencode"), CTE_UNKNOWN, "parse x-uuencode");
	return done_testing();
}
