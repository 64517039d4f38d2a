/* Modified UTF-7 for mailbox names; see mutf7.h and RFC 3501 5.1.3. */

#include <errno.h>
#include <stdint.h>

#include "buf.h"
#include "mutf7.h"
#include "utf8.h"

static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

#define SURROGATE_HIGH_FIRST	0xd800
#define SURROGATE_LOW_FIRST	0xdc00
#define SURROGATE_LAST		0xdfff

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == ',')
		return 63;
	return -1;
}

/* Characters that stand for themselves: printable ASCII. */
static int is_direct(unsigned char c)
{
	return c >= 0x20 && c < 0x7f;
}

/*
 * Reads one UTF-8 character at s[*pos], refusing overlong forms,
 * surrogates and values past U+10FFFF.
 */
static int utf8_next(const unsigned char *s, size_t len, size_t *pos,
		     uint32_t *cp_r)
{
	size_t i = *pos, n, k;
	uint32_t cp, min;
	unsigned char c = s[i];

	if (c < 0x80) {
		n = 1;
		cp = c;
		min = 0;
	} else if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		cp = c & 0x1f;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		cp = c & 0x0f;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		cp = c & 0x07;
		min = 0x10000;
	} else {
		return -EINVAL;
	}
	if (len - i < n)
		return -EINVAL;
	for (k = 1; k < n; k++) {
		if ((s[i + k] & 0xc0) != 0x80)
			return -EINVAL;
		cp = (cp << 6) | (s[i + k] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff ||
	    (cp >= SURROGATE_HIGH_FIRST && cp <= SURROGATE_LAST))
		return -EINVAL;
	*pos = i + n;
	*cp_r = cp;
	return 0;
}

/* A modified base64 writer fed 16-bit UTF-16 units. */
struct b64_writer {
	uint32_t bits;
	unsigned int nbits;
};

static void b64_put_unit(struct b64_writer *w, struct buf *out, uint16_t u)
{
	w->bits = (w->bits << 16) | u;
	w->nbits += 16;
	while (w->nbits >= 6) {
		w->nbits -= 6;
		buf_putc(out, b64_alphabet[(w->bits >> w->nbits) & 0x3f]);
	}
	w->bits &= (1u << w->nbits) - 1;
}

/* A code point as one UTF-16 unit or a surrogate pair. */
static void b64_put_cp(struct b64_writer *w, struct buf *out, uint32_t cp)
{
	if (cp < 0x10000) {
		b64_put_unit(w, out, (uint16_t)cp);
		return;
	}
	cp -= 0x10000;
	b64_put_unit(w, out, (uint16_t)(SURROGATE_HIGH_FIRST + (cp >> 10)));
	b64_put_unit(w, out, (uint16_t)(SURROGATE_LOW_FIRST + (cp & 0x3ff)));
}

static void b64_flush(struct b64_writer *w, struct buf *out)
{
	/* The unused low bits of the last character are zero. */
	if (w->nbits > 0)
		buf_putc(out, b64_alphabet[(w->bits << (6 - w->nbits)) & 0x3f]);
	w->bits = 0;
	w->nbits = 0;
}

int mutf7_encode(const char *utf8, size_t len, struct buf *out)
{
	const unsigned char *s = (const unsigned char *)utf8;
	size_t start = out->len, i = 0;

	while (i < len) {
		struct b64_writer w = { 0, 0 };

		if (s[i] == '&') {
			buf_append(out, "&-", 2);
			i++;
			continue;
		}
		if (is_direct(s[i])) {
			buf_putc(out, (char)s[i++]);
			continue;
		}
		/* One section for the whole run, so it stays canonical. */
		buf_putc(out, '&');
		while (i < len && !is_direct(s[i])) {
			uint32_t cp;

			if (utf8_next(s, len, &i, &cp) < 0 || cp == 0)
				goto invalid;
			b64_put_cp(&w, out, cp);
		}
		b64_flush(&w, out);
		buf_putc(out, '-');
	}
	return 0;
invalid:
	buf_truncate(out, start);
	return -EINVAL;
}

/*
 * Decodes one base64 section starting after its '&' at s[*pos]; on success
 * *pos is just past the closing '-'.
 */
static int decode_section(const unsigned char *s, size_t len, size_t *pos,
			  struct buf *out)
{
	uint32_t bits = 0, high = 0;
	unsigned int nbits = 0;
	size_t i = *pos;

	for (;; i++) {
		uint32_t unit;
		int v;

		if (i == len)
			return -EINVAL;	/* no closing '-' */
		if (s[i] == '-')
			break;
		v = b64_value(s[i]);
		if (v < 0)
			return -EINVAL;
		bits = (bits << 6) | (uint32_t)v;
		nbits += 6;
		if (nbits < 16)
			continue;
		nbits -= 16;
		unit = (bits >> nbits) & 0xffff;
		bits &= (1u << nbits) - 1;

		if (high != 0) {
			if (unit < SURROGATE_LOW_FIRST || unit > SURROGATE_LAST)
				return -EINVAL;
			utf8_put(out, 0x10000 + ((high - SURROGATE_HIGH_FIRST)
						 << 10) +
				 (unit - SURROGATE_LOW_FIRST));
			high = 0;
		} else if (unit >= SURROGATE_HIGH_FIRST &&
			   unit < SURROGATE_LOW_FIRST) {
			high = unit;
		} else if (unit >= SURROGATE_LOW_FIRST &&
			   unit <= SURROGATE_LAST) {
			return -EINVAL;
		} else if (unit == 0 || (unit >= 0x20 && unit < 0x7f)) {
			/* NUL, or ASCII that must stand for itself. */
			return -EINVAL;
		} else {
			utf8_put(out, unit);
		}
	}
	/*
	 * Left over: fewer than 6 bits (else a character too many or an odd
	 * byte), all zero, and no high surrogate waiting for its pair.  An
	 * empty section cannot reach here: "&-" is the ampersand.
	 */
	if (i == *pos || nbits >= 6 || bits != 0 || high != 0)
		return -EINVAL;
	*pos = i + 1;
	return 0;
}

int mutf7_decode(const char *mutf7, size_t len, struct buf *out)
{
	const unsigned char *s = (const unsigned char *)mutf7;
	size_t start = out->len, i = 0;

	while (i < len) {
		if (!is_direct(s[i]))
			goto invalid;
		if (s[i] != '&') {
			buf_putc(out, (char)s[i++]);
			continue;
		}
		i++;
		if (i < len && s[i] == '-') {
			buf_putc(out, '&');
			i++;
			continue;
		}
		if (decode_section(s, len, &i, out) < 0)
			goto invalid;
		/* "&AAA-&BBB-" should have been one section. */
		if (i < len && s[i] == '&' && (i + 1 == len || s[i + 1] != '-'))
			goto invalid;
	}
	return 0;
invalid:
	buf_truncate(out, start);
	return -EINVAL;
}

int mutf7_is_valid(const char *s, size_t len)
{
	struct buf tmp = BUF_INIT;
	int ret = mutf7_decode(s, len, &tmp);

	buf_release(&tmp);
	return ret == 0;
}
