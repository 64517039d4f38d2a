/* Streaming base64 and quoted-printable decoders; see decode.h. */

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "decode.h"

/* Values of base64 alphabet bytes plus one; 0 means "not in it". */
static const unsigned char b64_value[256] = {
	['A'] = 1, ['B'] = 2, ['C'] = 3, ['D'] = 4, ['E'] = 5, ['F'] = 6,
	['G'] = 7, ['H'] = 8, ['I'] = 9, ['J'] = 10, ['K'] = 11, ['L'] = 12,
	['M'] = 13, ['N'] = 14, ['O'] = 15, ['P'] = 16, ['Q'] = 17,
	['R'] = 18, ['S'] = 19, ['T'] = 20, ['U'] = 21, ['V'] = 22,
	['W'] = 23, ['X'] = 24, ['Y'] = 25, ['Z'] = 26,
	['a'] = 27, ['b'] = 28, ['c'] = 29, ['d'] = 30, ['e'] = 31,
	['f'] = 32, ['g'] = 33, ['h'] = 34, ['i'] = 35, ['j'] = 36,
	['k'] = 37, ['l'] = 38, ['m'] = 39, ['n'] = 40, ['o'] = 41,
	['p'] = 42, ['q'] = 43, ['r'] = 44, ['s'] = 45, ['t'] = 46,
	['u'] = 47, ['v'] = 48, ['w'] = 49, ['x'] = 50, ['y'] = 51,
	['z'] = 52, ['0'] = 53, ['1'] = 54, ['2'] = 55, ['3'] = 56,
	['4'] = 57, ['5'] = 58, ['6'] = 59, ['7'] = 60, ['8'] = 61,
	['9'] = 62, ['+'] = 63, ['/'] = 64,
};

void decode_base64_init(struct base64_decoder *d)
{
	d->acc = 0;
	d->bits = 0;
}

void decode_base64_feed(struct base64_decoder *d, const void *data,
			size_t len, struct buf *out)
{
	const unsigned char *p = data;
	size_t i;

	buf_grow(out, len / 4 * 3 + 3);
	for (i = 0; i < len; i++) {
		unsigned char v = b64_value[p[i]];

		if (v == 0) {
			/* Padding ends a quantum; whatever follows starts a
			 * new one, as in concatenated base64 blocks. */
			if (p[i] == '=')
				d->bits = d->acc = 0;
			continue;
		}
		d->acc = (d->acc << 6) | (uint32_t)(v - 1);
		d->bits += 6;
		if (d->bits >= 8) {
			d->bits -= 8;
			buf_putc(out, (char)((d->acc >> d->bits) & 0xff));
			d->acc &= (1u << d->bits) - 1;
		}
	}
}

void decode_base64_finish(struct base64_decoder *d, struct buf *out)
{
	(void)out;
	d->acc = 0;
	d->bits = 0;
}

enum {
	QP_NORMAL,
	QP_CR,		/* CR seen, LF may follow */
	QP_EQ,		/* '=' seen */
	QP_EQ_HEX,	/* '=' and one hex digit seen */
	QP_EQ_WS,	/* '=' followed by whitespace: a soft break if a line
			 * break follows */
	QP_EQ_CR,	/* '=' CR seen */
};

void decode_qp_init(struct qp_decoder *d)
{
	d->state = QP_NORMAL;
	d->ws_len = 0;
	d->hex1 = 0;
}

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static void qp_flush_ws(struct qp_decoder *d, struct buf *out)
{
	buf_append(out, d->ws, d->ws_len);
	d->ws_len = 0;
}

void decode_qp_feed(struct qp_decoder *d, const void *data, size_t len,
		    bool q_encoding, struct buf *out)
{
	const unsigned char *p = data;
	size_t i = 0;

	while (i < len) {
		unsigned char c = p[i];

		switch (d->state) {
		case QP_NORMAL:
			if (c == '=') {
				qp_flush_ws(d, out);
				d->state = QP_EQ;
			} else if (c == ' ' || c == '\t') {
				if (d->ws_len == QP_WS_HOLD_MAX)
					qp_flush_ws(d, out);
				d->ws[d->ws_len++] = (char)c;
			} else if (c == '\r') {
				d->state = QP_CR;
			} else if (c == '\n') {
				d->ws_len = 0;
				buf_putc(out, '\n');
			} else {
				qp_flush_ws(d, out);
				buf_putc(out, q_encoding && c == '_' ? ' '
								     : (char)c);
			}
			break;
		case QP_CR:
			d->state = QP_NORMAL;
			if (c == '\n') {
				d->ws_len = 0;
				buf_append(out, "\r\n", 2);
				break;
			}
			qp_flush_ws(d, out);
			buf_putc(out, '\r');
			continue;
		case QP_EQ:
			if (hexval(c) >= 0) {
				d->hex1 = (char)c;
				d->state = QP_EQ_HEX;
			} else if (c == '\n') {
				d->state = QP_NORMAL;
			} else if (c == '\r') {
				d->state = QP_EQ_CR;
			} else if (c == ' ' || c == '\t') {
				d->state = QP_EQ_WS;
				d->ws[0] = (char)c;
				d->ws_len = 1;
			} else {
				buf_putc(out, '=');
				d->state = QP_NORMAL;
				continue;
			}
			break;
		case QP_EQ_HEX:
			d->state = QP_NORMAL;
			if (hexval(c) >= 0) {
				buf_putc(out, (char)(hexval(d->hex1) * 16 +
						     hexval(c)));
				break;
			}
			buf_putc(out, '=');
			buf_putc(out, d->hex1);
			continue;
		case QP_EQ_WS:
			if (c == ' ' || c == '\t') {
				if (d->ws_len < QP_WS_HOLD_MAX)
					d->ws[d->ws_len++] = (char)c;
				break;
			}
			if (c == '\n' || c == '\r') {
				d->ws_len = 0;
				d->state = c == '\n' ? QP_NORMAL : QP_EQ_CR;
				break;
			}
			buf_putc(out, '=');
			qp_flush_ws(d, out);
			d->state = QP_NORMAL;
			continue;
		case QP_EQ_CR:
			/* "=\r" without LF is taken as a soft break too. */
			d->state = QP_NORMAL;
			if (c == '\n')
				break;
			continue;
		}
		i++;
	}
}

void decode_qp_finish(struct qp_decoder *d, struct buf *out)
{
	switch (d->state) {
	case QP_CR:
		buf_putc(out, '\r');
		break;
	case QP_EQ_HEX:
		buf_putc(out, '=');
		buf_putc(out, d->hex1);
		break;
	default:
		/* A final '=' is a soft break without its line break, and
		 * trailing whitespace is dropped as at any line end. */
		break;
	}
	decode_qp_init(d);
}

enum cte decode_cte_parse(const char *value)
{
	static const struct {
		const char *name;
		enum cte cte;
	} names[] = {
		{ "7bit", CTE_7BIT }, { "8bit", CTE_8BIT },
		{ "binary", CTE_BINARY }, { "base64", CTE_BASE64 },
		{ "quoted-printable", CTE_QP },
	};
	char word[32];
	size_t n = 0, i;

	if (value == NULL)
		return CTE_7BIT;
	while (*value == ' ' || *value == '\t' || *value == '"')
		value++;
	while (*value != '\0' && *value != ' ' && *value != '\t' &&
	       *value != '(' && *value != ';' && *value != '"') {
		if (n + 1 >= sizeof(word))
			return CTE_UNKNOWN;
		word[n++] = *value++;
	}
	word[n] = '\0';
	if (n == 0)
		return CTE_7BIT;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(word, names[i].name) == 0)
			return names[i].cte;
	return CTE_UNKNOWN;
}

void decode_cte_init(struct cte_decoder *d, enum cte cte)
{
	d->cte = cte;
	if (cte == CTE_BASE64)
		decode_base64_init(&d->u.b64);
	else if (cte == CTE_QP)
		decode_qp_init(&d->u.qp);
}

void decode_cte_feed(struct cte_decoder *d, const void *data, size_t len,
		     struct buf *out)
{
	if (d->cte == CTE_BASE64)
		decode_base64_feed(&d->u.b64, data, len, out);
	else if (d->cte == CTE_QP)
		decode_qp_feed(&d->u.qp, data, len, false, out);
	else
		buf_append(out, data, len);
}

void decode_cte_finish(struct cte_decoder *d, struct buf *out)
{
	if (d->cte == CTE_BASE64)
		decode_base64_finish(&d->u.b64, out);
	else if (d->cte == CTE_QP)
		decode_qp_finish(&d->u.qp, out);
}
