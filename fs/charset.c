/* Charset conversion to UTF-8; see charset.h. */

#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "charset.h"
#include "utf8.h"
#include "util.h"

#define REPLACEMENT "\xef\xbf\xbd"	/* U+FFFD */
/* Longest charset name we look at; real ones are far shorter. */
#define CHARSET_NAME_MAX 64
/* Bytes kept between chunks for a split character; ISO-2022 escape
 * sequences plus a double-byte character fit easily. */
#define CARRY_MAX 32

/* windows-1252 bytes 0x80-0x9f; the five unassigned ones map to the C1
 * control with the same number, as the WHATWG encoding standard does. */
static const uint16_t cp1252_high[32] = {
	0x20ac, 0x0081, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
	0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008d, 0x017d, 0x008f,
	0x0090, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
	0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x009d, 0x017e, 0x0178,
};

static void put_cp1252(struct buf *out, unsigned char c)
{
	if (c < 0x80)
		buf_putc(out, (char)c);
	else if (c < 0xa0)
		utf8_put(out, cp1252_high[c - 0x80]);
	else
		utf8_put(out, c);
}

/* Length of the valid UTF-8 sequence at p, 0 if it is invalid, or -1 if
 * it is a valid beginning cut off by the end of the input. */
static int utf8_seq(const unsigned char *p, size_t n)
{
	unsigned char c = p[0];
	int len, i;
	uint32_t min;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		min = 0x10000;
	} else {
		return 0;
	}
	for (i = 1; i < len; i++) {
		if ((size_t)i >= n)
			return -1;
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	}
	if (len == 3) {
		uint32_t cp = ((c & 0x0f) << 12) | ((p[1] & 0x3f) << 6) |
			      (p[2] & 0x3f);

		if (cp < min || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
	} else if (len == 4) {
		uint32_t cp = ((uint32_t)(c & 0x07) << 18) |
			      ((p[1] & 0x3f) << 12) | ((p[2] & 0x3f) << 6) |
			      (p[3] & 0x3f);

		if (cp < min || cp > 0x10ffff)
			return 0;
	}
	return len;
}

bool charset_is_utf8(const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t i = 0;

	while (i < len) {
		int n = utf8_seq(p + i, len - i);

		if (n <= 0)
			return false;
		i += n;
	}
	return true;
}

/* Sanitizes as much as can be decided; without `final`, an incomplete
 * sequence at the end is left unconsumed.  Returns bytes consumed. */
static size_t sanitize_run(const unsigned char *p, size_t len,
			   struct buf *out, bool final)
{
	size_t i = 0, run = 0;

	while (i < len) {
		int n = utf8_seq(p + i, len - i);

		if (n > 0) {
			i += n;
			continue;
		}
		if (n < 0 && !final)
			break;
		buf_append(out, p + run, i - run);
		put_cp1252(out, p[i]);
		i++;
		run = i;
	}
	buf_append(out, p + run, i - run);
	return i;
}

void charset_utf8_sanitize(const void *data, size_t len, struct buf *out)
{
	sanitize_run(data, len, out, true);
}

enum conv_kind { CONV_SANITIZE, CONV_CP1252, CONV_ICONV };

struct alias {
	const char *name;
	const char *iconv_name;	/* NULL: handled without iconv */
	enum conv_kind kind;
};

/* Names iconv lacks or that mail mislabels; supersets are used where
 * senders are known to mean them. */
static const struct alias aliases[] = {
	{ "utf-8", NULL, CONV_SANITIZE },
	{ "utf8", NULL, CONV_SANITIZE },
	{ "us-ascii", NULL, CONV_SANITIZE },
	{ "ascii", NULL, CONV_SANITIZE },
	{ "ansi_x3.4-1968", NULL, CONV_SANITIZE },
	{ "unknown-8bit", NULL, CONV_SANITIZE },
	{ "x-unknown", NULL, CONV_SANITIZE },
	{ "unknown", NULL, CONV_SANITIZE },
	{ "x-user-defined", NULL, CONV_SANITIZE },
	{ "default", NULL, CONV_SANITIZE },
	{ "iso-8859-1", NULL, CONV_CP1252 },
	{ "iso8859-1", NULL, CONV_CP1252 },
	{ "iso_8859-1", NULL, CONV_CP1252 },
	{ "latin1", NULL, CONV_CP1252 },
	{ "latin-1", NULL, CONV_CP1252 },
	{ "l1", NULL, CONV_CP1252 },
	{ "windows-1252", NULL, CONV_CP1252 },
	{ "cp1252", NULL, CONV_CP1252 },
	{ "x-cp1252", NULL, CONV_CP1252 },
	{ "ks_c_5601-1987", "CP949", CONV_ICONV },
	{ "ks_c_5601", "CP949", CONV_ICONV },
	{ "euc-kr", "CP949", CONV_ICONV },
	{ "gb2312", "GB18030", CONV_ICONV },
	{ "gbk", "GB18030", CONV_ICONV },
	{ "x-gbk", "GB18030", CONV_ICONV },
	{ "shift-jis", "CP932", CONV_ICONV },
	{ "shift_jis", "CP932", CONV_ICONV },
	{ "x-sjis", "CP932", CONV_ICONV },
	{ "iso-8859-8-i", "ISO-8859-8", CONV_ICONV },
	{ "unicode-1-1-utf-7", "UTF-7", CONV_ICONV },
	{ "x-mac-roman", "MACINTOSH", CONV_ICONV },
	{ "tis-620", "CP874", CONV_ICONV },
	{ "windows-874", "CP874", CONV_ICONV },
};

/* Lowercases and trims a charset name into `dst`; false if unusable. */
static bool charset_normalize(const char *charset, char *dst, size_t size)
{
	size_t n = 0;

	if (charset == NULL)
		return false;
	while (*charset == ' ' || *charset == '\t' || *charset == '"')
		charset++;
	for (; *charset != '\0'; charset++) {
		unsigned char c = *charset;

		if (c == '"' || c == ' ' || c == '\t' || c == '*')
			break;	/* '*' starts an RFC 2231 language */
		if (c < 0x21 || c >= 0x7f || n + 1 >= size)
			return false;
		dst[n++] = (char)tolower(c);
	}
	dst[n] = '\0';
	return n > 0;
}

/*
 * Decides how to convert from `charset`; opens iconv when needed.  Sets
 * *known_r to false when the name is neither one of ours nor iconv's.
 */
static enum conv_kind conv_open(const char *charset, iconv_t *cd_r,
				bool *known_r)
{
	char name[CHARSET_NAME_MAX];
	const char *iname;
	size_t i;

	*cd_r = (iconv_t)-1;
	*known_r = false;
	if (!charset_normalize(charset, name, sizeof(name)))
		return CONV_SANITIZE;
	iname = name;
	for (i = 0; i < ARRAY_SIZE(aliases); i++) {
		if (strcmp(aliases[i].name, name) == 0) {
			if (aliases[i].kind != CONV_ICONV) {
				*known_r = true;
				return aliases[i].kind;
			}
			iname = aliases[i].iconv_name;
			break;
		}
	}
	*cd_r = iconv_open("UTF-8", iname);
	if (*cd_r == (iconv_t)-1)
		return CONV_SANITIZE;
	*known_r = true;
	return CONV_ICONV;
}

bool charset_is_known(const char *charset)
{
	bool known;
	iconv_t cd;

	if (conv_open(charset, &cd, &known) == CONV_ICONV)
		iconv_close(cd);
	return known;
}

/*
 * Runs iconv over *in.  Invalid bytes become U+FFFD.  Returns true when
 * everything was consumed, false when an incomplete sequence is left in
 * *in (only then is *inlen non-zero).
 */
static bool iconv_run(iconv_t cd, const char **in, size_t *inlen,
		      struct buf *out)
{
	while (*inlen > 0) {
		char *dst;
		size_t room, r;

		buf_grow(out, *inlen * 4 + 16);
		dst = out->data + out->len;
		room = out->cap - out->len - 1;
		r = iconv(cd, (char **)in, inlen, &dst, &room);
		out->len = (size_t)(dst - out->data);
		out->data[out->len] = '\0';
		if (r != (size_t)-1)
			continue;
		if (errno == E2BIG)
			continue;
		if (errno == EINVAL)
			return false;
		/* EILSEQ or anything else: skip one byte. */
		buf_puts(out, REPLACEMENT);
		(*in)++;
		(*inlen)--;
		iconv(cd, NULL, NULL, NULL, NULL);
	}
	return true;
}

/* Finishes a stateful conversion (ISO-2022 shift back, etc.). */
static void iconv_flush(iconv_t cd, struct buf *out)
{
	char tmp[64], *dst = tmp;
	size_t room = sizeof(tmp);

	if (iconv(cd, NULL, NULL, &dst, &room) != (size_t)-1)
		buf_append(out, tmp, sizeof(tmp) - room);
}

int charset_to_utf8(const char *charset, const void *data, size_t len,
		    struct buf *out)
{
	const char *in = data;
	size_t inlen = len, i;
	iconv_t cd;
	bool known;
	enum conv_kind kind = conv_open(charset, &cd, &known);

	switch (kind) {
	case CONV_CP1252:
		for (i = 0; i < len; i++)
			put_cp1252(out, (unsigned char)in[i]);
		return 0;
	case CONV_ICONV:
		if (!iconv_run(cd, &in, &inlen, out))
			buf_puts(out, REPLACEMENT);
		iconv_flush(cd, out);
		iconv_close(cd);
		return 0;
	case CONV_SANITIZE:
		break;
	}
	charset_utf8_sanitize(data, len, out);
	return known ? 0 : 1;
}

struct charset_conv {
	enum conv_kind kind;
	iconv_t cd;
	unsigned char carry[CARRY_MAX];
	size_t carry_len;
};

struct charset_conv *charset_conv_new(const char *charset)
{
	struct charset_conv *conv = xcalloc(1, sizeof(*conv));
	bool known;

	conv->kind = conv_open(charset, &conv->cd, &known);
	return conv;
}

/* Converts what the carry holds as far as it is complete. */
static void conv_carry(struct charset_conv *conv, struct buf *out)
{
	const char *in = (const char *)conv->carry;
	size_t inlen = conv->carry_len, used;

	if (conv->kind == CONV_ICONV) {
		iconv_run(conv->cd, &in, &inlen, out);
		used = conv->carry_len - inlen;
	} else {
		used = sanitize_run(conv->carry, conv->carry_len, out, false);
	}
	memmove(conv->carry, conv->carry + used, conv->carry_len - used);
	conv->carry_len -= used;
	if (conv->carry_len == CARRY_MAX) {
		/* No character is that long: drop a byte to stay bounded. */
		buf_puts(out, REPLACEMENT);
		memmove(conv->carry, conv->carry + 1, CARRY_MAX - 1);
		conv->carry_len--;
	}
}

void charset_conv_feed(struct charset_conv *conv, const void *data,
		       size_t len, struct buf *out)
{
	const unsigned char *p = data;
	const char *in;
	size_t inlen, used, i;

	if (conv->kind == CONV_CP1252) {
		for (i = 0; i < len; i++)
			put_cp1252(out, p[i]);
		return;
	}
	/* A character split by the previous chunk is completed a byte at
	 * a time; this happens at most once per chunk. */
	while (conv->carry_len > 0 && len > 0) {
		conv->carry[conv->carry_len++] = *p++;
		len--;
		conv_carry(conv, out);
	}
	if (len == 0)
		return;
	if (conv->kind == CONV_ICONV) {
		in = (const char *)p;
		inlen = len;
		iconv_run(conv->cd, &in, &inlen, out);
		used = len - inlen;
	} else {
		used = sanitize_run(p, len, out, false);
	}
	if (len - used > CARRY_MAX) {
		/* Cannot happen for real charsets; stay bounded anyway. */
		buf_puts(out, REPLACEMENT);
		used = len - CARRY_MAX;
	}
	memcpy(conv->carry, p + used, len - used);
	conv->carry_len = len - used;
}

void charset_conv_finish(struct charset_conv *conv, struct buf *out)
{
	if (conv->carry_len > 0) {
		if (conv->kind == CONV_SANITIZE)
			sanitize_run(conv->carry, conv->carry_len, out, true);
		else
			buf_puts(out, REPLACEMENT);
		conv->carry_len = 0;
	}
	if (conv->kind == CONV_ICONV)
		iconv_flush(conv->cd, out);
}

void charset_conv_free(struct charset_conv **convp)
{
	struct charset_conv *conv = *convp;

	if (conv == NULL)
		return;
	if (conv->kind == CONV_ICONV)
		iconv_close(conv->cd);
	free(conv);
	*convp = NULL;
}
