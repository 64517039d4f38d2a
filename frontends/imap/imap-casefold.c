/* Case-insensitive UTF-8 substring search; see imap-casefold.h. */

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "imap-casefold.h"
#include "utf8.h"
#include "util.h"

enum fold_kind {
	FOLD_DELTA,	/* every code point of the range moves by delta */
	FOLD_EVEN,	/* pairs: even code points are capitals (+1) */
	FOLD_ODD,	/* pairs: odd code points are capitals (+1) */
};

/* Sorted, disjoint ranges taken from Unicode's CaseFolding.txt (C + S). */
static const struct fold_range {
	uint32_t lo, hi;
	enum fold_kind kind;
	int32_t delta;
} fold_ranges[] = {
	{ 0x0041, 0x005A, FOLD_DELTA, 32 },
	{ 0x00B5, 0x00B5, FOLD_DELTA, 0x03BC - 0x00B5 },
	{ 0x00C0, 0x00D6, FOLD_DELTA, 32 },
	{ 0x00D8, 0x00DE, FOLD_DELTA, 32 },
	{ 0x0100, 0x012F, FOLD_EVEN, 0 },
	{ 0x0132, 0x0137, FOLD_EVEN, 0 },
	{ 0x0139, 0x0148, FOLD_ODD, 0 },
	{ 0x014A, 0x0177, FOLD_EVEN, 0 },
	{ 0x0178, 0x0178, FOLD_DELTA, 0x00FF - 0x0178 },
	{ 0x0179, 0x017E, FOLD_ODD, 0 },
	{ 0x017F, 0x017F, FOLD_DELTA, 0x0073 - 0x017F },
	{ 0x01C4, 0x01C4, FOLD_DELTA, 2 },
	{ 0x01C5, 0x01C5, FOLD_DELTA, 1 },
	{ 0x01C7, 0x01C7, FOLD_DELTA, 2 },
	{ 0x01C8, 0x01C8, FOLD_DELTA, 1 },
	{ 0x01CA, 0x01CA, FOLD_DELTA, 2 },
	{ 0x01CB, 0x01DC, FOLD_ODD, 0 },
	{ 0x01DE, 0x01EF, FOLD_EVEN, 0 },
	{ 0x01F1, 0x01F1, FOLD_DELTA, 2 },
	{ 0x01F2, 0x01F2, FOLD_DELTA, 1 },
	{ 0x01F4, 0x01F4, FOLD_DELTA, 1 },
	{ 0x01F8, 0x021F, FOLD_EVEN, 0 },
	{ 0x0222, 0x0233, FOLD_EVEN, 0 },
	{ 0x0370, 0x0373, FOLD_EVEN, 0 },
	{ 0x0376, 0x0376, FOLD_DELTA, 1 },
	{ 0x037F, 0x037F, FOLD_DELTA, 0x03F3 - 0x037F },
	{ 0x0386, 0x0386, FOLD_DELTA, 0x03AC - 0x0386 },
	{ 0x0388, 0x038A, FOLD_DELTA, 37 },
	{ 0x038C, 0x038C, FOLD_DELTA, 64 },
	{ 0x038E, 0x038F, FOLD_DELTA, 63 },
	{ 0x0391, 0x03A1, FOLD_DELTA, 32 },
	{ 0x03A3, 0x03AB, FOLD_DELTA, 32 },
	{ 0x03C2, 0x03C2, FOLD_DELTA, 1 },
	{ 0x03CF, 0x03CF, FOLD_DELTA, 8 },
	{ 0x03D0, 0x03D0, FOLD_DELTA, 0x03B2 - 0x03D0 },
	{ 0x03D1, 0x03D1, FOLD_DELTA, 0x03B8 - 0x03D1 },
	{ 0x03D5, 0x03D5, FOLD_DELTA, 0x03C6 - 0x03D5 },
	{ 0x03D6, 0x03D6, FOLD_DELTA, 0x03C0 - 0x03D6 },
	{ 0x03D8, 0x03EF, FOLD_EVEN, 0 },
	{ 0x03F0, 0x03F0, FOLD_DELTA, 0x03BA - 0x03F0 },
	{ 0x03F1, 0x03F1, FOLD_DELTA, 0x03C1 - 0x03F1 },
	{ 0x03F4, 0x03F4, FOLD_DELTA, 0x03B8 - 0x03F4 },
	{ 0x03F5, 0x03F5, FOLD_DELTA, 0x03B5 - 0x03F5 },
	{ 0x03F7, 0x03F7, FOLD_DELTA, 1 },
	{ 0x03F9, 0x03F9, FOLD_DELTA, 0x03F2 - 0x03F9 },
	{ 0x03FA, 0x03FA, FOLD_DELTA, 1 },
	{ 0x03FD, 0x03FF, FOLD_DELTA, 0x037B - 0x03FD },
	{ 0x0400, 0x040F, FOLD_DELTA, 80 },
	{ 0x0410, 0x042F, FOLD_DELTA, 32 },
	{ 0x0460, 0x0481, FOLD_EVEN, 0 },
	{ 0x048A, 0x04BF, FOLD_EVEN, 0 },
	{ 0x04C0, 0x04C0, FOLD_DELTA, 15 },
	{ 0x04C1, 0x04CE, FOLD_ODD, 0 },
	{ 0x04D0, 0x052F, FOLD_EVEN, 0 },
	{ 0x0531, 0x0556, FOLD_DELTA, 48 },
	{ 0x1E00, 0x1E95, FOLD_EVEN, 0 },
	{ 0x1E9B, 0x1E9B, FOLD_DELTA, 0x1E61 - 0x1E9B },
	{ 0x1E9E, 0x1E9E, FOLD_DELTA, 0x00DF - 0x1E9E },
	{ 0x1EA0, 0x1EFF, FOLD_EVEN, 0 },
	{ 0x1F08, 0x1F0F, FOLD_DELTA, -8 },
	{ 0x1F18, 0x1F1D, FOLD_DELTA, -8 },
	{ 0x1F28, 0x1F2F, FOLD_DELTA, -8 },
	{ 0x1F38, 0x1F3F, FOLD_DELTA, -8 },
	{ 0x1F48, 0x1F4D, FOLD_DELTA, -8 },
	{ 0x1F59, 0x1F59, FOLD_DELTA, -8 },
	{ 0x1F5B, 0x1F5B, FOLD_DELTA, -8 },
	{ 0x1F5D, 0x1F5D, FOLD_DELTA, -8 },
	{ 0x1F5F, 0x1F5F, FOLD_DELTA, -8 },
	{ 0x1F68, 0x1F6F, FOLD_DELTA, -8 },
	{ 0x2126, 0x2126, FOLD_DELTA, 0x03C9 - 0x2126 },
	{ 0x212A, 0x212A, FOLD_DELTA, 0x006B - 0x212A },
	{ 0x212B, 0x212B, FOLD_DELTA, 0x00E5 - 0x212B },
	{ 0x2160, 0x216F, FOLD_DELTA, 16 },
	{ 0x24B6, 0x24CF, FOLD_DELTA, 26 },
	{ 0xFF21, 0xFF3A, FOLD_DELTA, 32 },
};

#define REPLACEMENT 0xFFFD

uint32_t imap_casefold_char(uint32_t cp)
{
	size_t lo = 0, hi = ARRAY_SIZE(fold_ranges), mid;
	const struct fold_range *r;

	if (cp < 0x80)
		return cp >= 'A' && cp <= 'Z' ? cp + 32 : cp;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		r = &fold_ranges[mid];
		if (cp < r->lo)
			hi = mid;
		else if (cp > r->hi)
			lo = mid + 1;
		else if (r->kind == FOLD_DELTA)
			return (uint32_t)((int32_t)cp + r->delta);
		else if (r->kind == FOLD_EVEN)
			return cp % 2 == 0 ? cp + 1 : cp;
		else
			return cp % 2 == 1 ? cp + 1 : cp;
	}
	return cp;
}

/*
 * A small UTF-8 decoder that can stop anywhere: it takes one byte and
 * returns the number of complete code points it produced (0, 1 or 2: an
 * interrupted sequence gives U+FFFD before the code point of the byte
 * that interrupted it) in out[].
 */
static unsigned int decode_byte(uint32_t *cp, unsigned int *need,
				unsigned char c, uint32_t out[2])
{
	unsigned int n = 0;

	if (*need > 0) {
		if ((c & 0xC0) == 0x80) {
			*cp = (*cp << 6) | (c & 0x3F);
			if (--*need == 0)
				out[n++] = *cp;
			return n;
		}
		*need = 0;
		out[n++] = REPLACEMENT;
	}
	if (c < 0x80) {
		out[n++] = c;
	} else if (c >= 0xC2 && c <= 0xDF) {
		*cp = c & 0x1F;
		*need = 1;
	} else if (c >= 0xE0 && c <= 0xEF) {
		*cp = c & 0x0F;
		*need = 2;
	} else if (c >= 0xF0 && c <= 0xF4) {
		*cp = c & 0x07;
		*need = 3;
	} else {
		out[n++] = REPLACEMENT;
	}
	return n;
}

void imap_casefold_utf8(const char *s, size_t len, struct buf *out)
{
	uint32_t cp = 0, cps[2];
	unsigned int need = 0, n, k;
	size_t i;

	for (i = 0; i < len; i++) {
		n = decode_byte(&cp, &need, (unsigned char)s[i], cps);
		for (k = 0; k < n; k++)
			utf8_put(out, imap_casefold_char(cps[k]));
	}
	if (need > 0)
		utf8_put(out, REPLACEMENT);
}

void imap_casefold_needle_init(struct imap_casefold_needle *n,
			       const char *utf8, size_t len)
{
	uint32_t cp = 0, cps[2];
	unsigned int need = 0, got, k;
	size_t i, j;

	/* A UTF-8 string has at most one code point per byte. */
	n->cps = xcalloc(len + 1, sizeof(*n->cps));
	n->fail = xcalloc(len + 1, sizeof(*n->fail));
	n->len = 0;
	for (i = 0; i < len; i++) {
		got = decode_byte(&cp, &need, (unsigned char)utf8[i], cps);
		for (k = 0; k < got; k++)
			n->cps[n->len++] = imap_casefold_char(cps[k]);
	}
	if (need > 0)
		n->cps[n->len++] = REPLACEMENT;
	/* fail[i]: the longest proper prefix of cps[0..i] that is also
	 * its suffix. */
	for (i = 1, j = 0; i < n->len; i++) {
		while (j > 0 && n->cps[i] != n->cps[j])
			j = n->fail[j - 1];
		if (n->cps[i] == n->cps[j])
			j++;
		n->fail[i] = j;
	}
}

void imap_casefold_needle_release(struct imap_casefold_needle *n)
{
	free(n->cps);
	free(n->fail);
	memset(n, 0, sizeof(*n));
}

void imap_casefold_match_init(struct imap_casefold_match *m,
			      const struct imap_casefold_needle *needle)
{
	memset(m, 0, sizeof(*m));
	m->needle = needle;
	m->found = needle->len == 0;
}

static void match_cp(struct imap_casefold_match *m, uint32_t cp)
{
	const struct imap_casefold_needle *n = m->needle;

	cp = imap_casefold_char(cp);
	while (m->pos > 0 && n->cps[m->pos] != cp)
		m->pos = n->fail[m->pos - 1];
	if (n->cps[m->pos] == cp)
		m->pos++;
	if (m->pos == n->len)
		m->found = true;
}

bool imap_casefold_match_feed(struct imap_casefold_match *m,
			      const char *data, size_t len)
{
	uint32_t cps[2];
	unsigned int n, k;
	size_t i;

	for (i = 0; i < len && !m->found; i++) {
		n = decode_byte(&m->cp, &m->need, (unsigned char)data[i], cps);
		for (k = 0; k < n && !m->found; k++)
			match_cp(m, cps[k]);
	}
	return m->found;
}

void imap_casefold_match_break(struct imap_casefold_match *m)
{
	if (m->need > 0 && !m->found)
		match_cp(m, REPLACEMENT);
	m->need = 0;
	m->pos = 0;
}

bool imap_casefold_find(const struct imap_casefold_needle *needle,
			const char *s, size_t len)
{
	struct imap_casefold_match m;

	imap_casefold_match_init(&m, needle);
	imap_casefold_match_feed(&m, s, len);
	imap_casefold_match_break(&m);
	return m.found;
}
