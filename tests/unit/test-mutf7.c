/* Tests for modified UTF-7 mailbox names (fs/mutf7.c). */

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "mutf7.h"
#include "utf8.h"
#include "util.h"
#include "../tap.h"

/* Vectors checked against Python's base64 of UTF-16BE when written. */
static const struct {
	const char *utf8, *mutf7;
} pairs[] = {
	{ "~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/"
	  "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",
	  "~peter/mail/&U,BTFw-/&ZeVnLIqe-" },		/* RFC 3501 */
	{ "&", "&-" },
	{ "a&&b", "a&-&-b" },
	{ "", "" },
	{ "INBOX", "INBOX" },
	{ "Entw\xc3\xbcrfe", "Entw&APw-rfe" },
	{ "\xf0\x9f\x98\x80", "&2D3eAA-" },		/* U+1F600, a pair */
	{ "a\xf0\x9f\x98\x80" "b&c", "a&2D3eAA-b&-c" },
	{ "\xc3\xa4\xc3\xbc", "&AOQA,A-" },		/* one section */
	{ "\x01\x7f", "&AAEAfw-" },			/* controls encode */
	{ "\xc3\xa4&", "&AOQ-&-" },
	{ "&\xc3\xa4", "&-&AOQ-" },
};

static const struct {
	const char *in, *why;
} bad_mutf7[] = {
	{ "&", "lone &" },
	{ "abc&U,BTFw", "unterminated section" },
	{ "&U,B!Fw-", "'!' is not modified base64" },
	{ "&U/BTFw-", "'/' is plain base64, not modified" },
	{ "&AGE-", "encoded printable ASCII 'a'" },
	{ "&ACY-", "encoded '&'" },
	{ "&AAA-", "encoded NUL" },
	{ "&AOQ-&APw-", "adjacent sections" },
	{ "&AOR-", "non-zero padding bits" },
	{ "&AOQA-", "odd number of UTF-16 bytes" },
	{ "&AOQAA-", "surplus base64 character" },
	{ "&2D0-", "lone high surrogate" },
	{ "&3gA-", "lone low surrogate" },
	{ "&2D0A5A-", "high surrogate followed by a non-surrogate" },
	{ "&AOTcAA-", "low surrogate after a BMP character" },
	{ "\xc3\xa4", "8-bit bytes" },
	{ "a\x01" "b", "raw control character" },
	{ "a\x7f", "raw DEL" },
	{ "&AOQ\xc3\xa4-", "8-bit byte inside a section" },
	{ "&AOQ=-", "'=' padding" },
};

static const struct {
	const char *in;
	size_t len;
	const char *why;
} bad_utf8[] = {
	{ "\xc3", 1, "truncated sequence" },
	{ "\xc0\xaf", 2, "overlong '/'" },
	{ "\xe0\x80\xaf", 3, "overlong three-byte" },
	{ "\xed\xa0\x80", 3, "encoded surrogate" },
	{ "\xf4\x90\x80\x80", 4, "past U+10FFFF" },
	{ "\xff", 1, "0xff byte" },
	{ "\x80", 1, "lone continuation byte" },
	{ "a\0b", 3, "NUL" },
	{ "\xc3\xa4\x00", 3, "NUL inside a run" },
};

static void test_pairs(void)
{
	struct buf out = BUF_INIT;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(pairs); i++) {
		buf_reset(&out);
		is_int(mutf7_encode(pairs[i].utf8, strlen(pairs[i].utf8),
				    &out), 0, "encode %s", pairs[i].mutf7);
		is_str(out.data, pairs[i].mutf7, "encoded bytes of %s",
		       pairs[i].mutf7);
		buf_reset(&out);
		is_int(mutf7_decode(pairs[i].mutf7, strlen(pairs[i].mutf7),
				    &out), 0, "decode %s", pairs[i].mutf7);
		is_str(out.data, pairs[i].utf8, "decoded bytes of %s",
		       pairs[i].mutf7);
	}
	buf_release(&out);
}

static void test_invalid(void)
{
	struct buf out = BUF_INIT;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad_mutf7); i++) {
		buf_set(&out, "keep");
		is_int(mutf7_decode(bad_mutf7[i].in, strlen(bad_mutf7[i].in),
				    &out), -EINVAL, "decode refuses: %s",
		       bad_mutf7[i].why);
		is_str(out.data, "keep", "output untouched after: %s",
		       bad_mutf7[i].why);
		ok(!mutf7_is_valid(bad_mutf7[i].in, strlen(bad_mutf7[i].in)),
		   "not valid: %s", bad_mutf7[i].why);
	}
	/* An embedded NUL byte is refused even though strlen() stops there. */
	buf_reset(&out);
	is_int(mutf7_decode("a\0b", 3, &out), -EINVAL, "decode refuses NUL");

	for (i = 0; i < ARRAY_SIZE(bad_utf8); i++) {
		buf_set(&out, "keep");
		is_int(mutf7_encode(bad_utf8[i].in, bad_utf8[i].len, &out),
		       -EINVAL, "encode refuses: %s", bad_utf8[i].why);
		is_str(out.data, "keep", "output untouched after: %s",
		       bad_utf8[i].why);
	}
	ok(mutf7_is_valid("&-", 2), "&- is valid");
	ok(mutf7_is_valid("~peter/mail/&U,BTFw-", 20), "RFC example valid");
	buf_release(&out);
}

static uint64_t rng = 0x243f6a8885a308d3ULL;

static uint32_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

/* A random code point, weighted towards the interesting classes. */
static uint32_t random_cp(void)
{
	uint32_t cp;

	switch (next_rand() % 6) {
	case 0:
		return 0x20 + next_rand() % 0x5f;	/* printable ASCII */
	case 1:
		return "&-,+/"[next_rand() % 5];
	case 2:
		return 1 + next_rand() % 0x1f;		/* controls */
	case 3:
		return 0x80 + next_rand() % 0x780;	/* two-byte */
	case 4:
		cp = 0x800 + next_rand() % (0x10000 - 0x800);
		if (cp >= 0xd800 && cp <= 0xdfff)
			cp -= 0x800;
		return cp;
	default:
		return 0x10000 + next_rand() % 0x100000;
	}
}

static void test_round_trip(void)
{
	struct buf in = BUF_INIT, enc = BUF_INIT, dec = BUF_INIT;
	int failures = 0, n, i, k;
	size_t j;

	for (n = 0; n < 20000; n++) {
		int chars = (int)(next_rand() % 40);

		buf_reset(&in);
		buf_reset(&enc);
		buf_reset(&dec);
		for (k = 0; k < chars; k++)
			utf8_put(&in, random_cp());
		if (mutf7_encode(in.data, in.len, &enc) < 0 ||
		    mutf7_decode(enc.data, enc.len, &dec) < 0 ||
		    dec.len != in.len || memcmp(dec.data, in.data, in.len)) {
			if (failures++ < 3)
				diag("round trip failed for encoding %s",
				     enc.data);
			continue;
		}
		for (j = 0; j < enc.len; j++) {
			if (enc.data[j] < 0x20 || enc.data[j] >= 0x7f) {
				failures++;
				break;
			}
		}
	}
	is_int(failures, 0, "20000 random strings round-trip, ASCII output");

	/* Every code point of the BMP and some beyond, one at a time. */
	failures = 0;
	for (i = 1; i < 0x110000; i += (i < 0x10000 ? 1 : 97)) {
		if (i >= 0xd800 && i <= 0xdfff)
			continue;
		buf_reset(&in);
		buf_reset(&enc);
		buf_reset(&dec);
		utf8_put(&in, (uint32_t)i);
		if (mutf7_encode(in.data, in.len, &enc) < 0 ||
		    mutf7_decode(enc.data, enc.len, &dec) < 0 ||
		    strcmp(dec.data, in.data) != 0)
			failures++;
	}
	is_int(failures, 0, "each code point round-trips alone");
	buf_release(&in);
	buf_release(&enc);
	buf_release(&dec);
}

static void test_long(void)
{
	struct buf in = BUF_INIT, enc = BUF_INIT, dec = BUF_INIT;
	const size_t n = 100000;
	size_t i;

	for (i = 0; i < n; i++)
		buf_puts(&in, "\xe6\x97\xa5");		/* U+65E5 */
	is_int(mutf7_encode(in.data, in.len, &enc), 0, "encode 100000 CJK");
	/* '&' + ceil(16 * n / 6) base64 characters + '-'. */
	is_int(enc.len, 2 + (16 * n + 5) / 6, "one section of the right size");
	is_int(mutf7_decode(enc.data, enc.len, &dec), 0, "decode it back");
	ok(dec.len == in.len && memcmp(dec.data, in.data, in.len) == 0,
	   "long string round-trips");

	buf_reset(&in);
	buf_reset(&enc);
	buf_reset(&dec);
	for (i = 0; i < n; i++)
		buf_puts(&in, i % 2 ? "&" : "x");
	is_int(mutf7_encode(in.data, in.len, &enc), 0, "encode 100000 ASCII");
	is_int(enc.len, n + n / 2, "each & doubled");
	is_int(mutf7_decode(enc.data, enc.len, &dec), 0, "decode it back");
	ok(dec.len == in.len && memcmp(dec.data, in.data, in.len) == 0,
	   "long ASCII round-trips");

	/* A long section with its closing '-' cut off. */
	buf_reset(&dec);
	is_int(mutf7_decode(enc.data, 0, &dec), 0, "empty input");
	buf_reset(&enc);
	buf_reset(&in);
	for (i = 0; i < n; i++)
		buf_puts(&in, "\xe6\x97\xa5");
	mutf7_encode(in.data, in.len, &enc);
	is_int(mutf7_decode(enc.data, enc.len - 1, &dec), -EINVAL,
	       "long unterminated section refused");
	buf_release(&in);
	buf_release(&enc);
	buf_release(&dec);
}

int main(void)
{
	test_pairs();
	test_invalid();
	test_round_trip();
	test_long();
	return done_testing();
}
