/* RFC 2047 header decoding to UTF-8; see rfc2047.h. */

#include <string.h>

#include "charset.h"
#include "decode.h"
#include "rfc2047.h"
#include "util.h"

/* Longest charset name accepted in an encoded word. */
#define EW_CHARSET_MAX 64

struct encoded_word {
	size_t len;		/* bytes from "=?" to "?=" inclusive */
	const char *charset;	/* not NUL-terminated */
	size_t charset_len;
	char encoding;		/* 'B' or 'Q' */
	const char *text;
	size_t text_len;
};

/* Recognizes an encoded word at p (which starts with "=?"). */
static bool ew_parse(const char *p, size_t len, struct encoded_word *ew)
{
	size_t i = 2, cs_start = 2;

	while (i < len && p[i] != '?' && p[i] != ' ' && p[i] != '\t' &&
	       i - cs_start <= EW_CHARSET_MAX)
		i++;
	if (i + 3 >= len || p[i] != '?' || i == cs_start ||
	    i - cs_start > EW_CHARSET_MAX)
		return false;
	ew->charset = p + cs_start;
	ew->charset_len = i - cs_start;
	i++;
	if (p[i] != 'B' && p[i] != 'b' && p[i] != 'Q' && p[i] != 'q')
		return false;
	ew->encoding = (char)(p[i] & ~0x20);
	if (p[i + 1] != '?')
		return false;
	i += 2;
	ew->text = p + i;
	/* The text ends at the first "?="; it holds no whitespace, but
	 * broken senders put spaces in Q text, so only a line break or the
	 * end stops the search. */
	for (; i + 1 < len; i++) {
		if (p[i] == '?' && p[i + 1] == '=') {
			ew->text_len = (size_t)(p + i - ew->text);
			ew->len = i + 2;
			return true;
		}
		if (p[i] == '\n' || p[i] == '\r')
			return false;
		if (ew->encoding == 'B' && (p[i] == ' ' || p[i] == '\t'))
			return false;
	}
	return false;
}

void rfc2047_clean_text(const char *in, size_t len, struct buf *out)
{
	struct buf tmp = BUF_INIT;
	const unsigned char *p;
	size_t i, run = 0;

	/* Make it UTF-8 first, then drop controls from the result. */
	charset_utf8_sanitize(in, len, &tmp);
	p = (const unsigned char *)tmp.data;
	buf_grow(out, tmp.len);
	for (i = 0; i < tmp.len; i++) {
		unsigned char c = p[i];
		bool c1 = c == 0xc2 && i + 1 < tmp.len && p[i + 1] >= 0x80 &&
			  p[i + 1] < 0xa0;

		if (c >= 0x20 && c != 0x7f && !c1)
			continue;
		buf_append(out, p + run, i - run);
		if (c == '\t' || c == '\r' || c == '\n')
			buf_putc(out, ' ');
		if (c1)
			i++;
		run = i + 1;
	}
	buf_append(out, p + run, tmp.len - run);
	buf_release(&tmp);
}

/* Encoded words waiting to be converted as one run. */
struct pending {
	char charset[EW_CHARSET_MAX + 1];
	struct buf bytes;
};

static void pending_flush(struct pending *pd, struct buf *out)
{
	struct buf conv = BUF_INIT;

	if (pd->charset[0] == '\0')
		return;
	charset_to_utf8(pd->charset, pd->bytes.data, pd->bytes.len, &conv);
	rfc2047_clean_text(conv.data, conv.len, out);
	buf_release(&conv);
	buf_reset(&pd->bytes);
	pd->charset[0] = '\0';
}

static void pending_add(struct pending *pd, const struct encoded_word *ew,
			struct buf *out)
{
	char cs[EW_CHARSET_MAX + 1];
	char *star;

	memcpy(cs, ew->charset, ew->charset_len);
	cs[ew->charset_len] = '\0';
	star = strchr(cs, '*');
	if (star != NULL)
		*star = '\0';	/* RFC 2231 language suffix */
	if (strcmp(cs, pd->charset) != 0) {
		pending_flush(pd, out);
		memcpy(pd->charset, cs, sizeof(cs));
	}
	if (pd->charset[0] == '\0') {
		/* "=?*en?Q?..?=": no charset at all; keep it recognizable. */
		memcpy(pd->charset, "unknown-8bit", sizeof("unknown-8bit"));
	}
	if (ew->encoding == 'B') {
		struct base64_decoder d;

		decode_base64_init(&d);
		decode_base64_feed(&d, ew->text, ew->text_len, &pd->bytes);
		decode_base64_finish(&d, &pd->bytes);
	} else {
		struct qp_decoder d;

		decode_qp_init(&d);
		decode_qp_feed(&d, ew->text, ew->text_len, true, &pd->bytes);
		decode_qp_finish(&d, &pd->bytes);
	}
}

void rfc2047_decode(const char *in, size_t len, struct buf *out)
{
	struct pending pd;
	size_t i = 0, run = 0;
	bool after_ew = false;

	pd.charset[0] = '\0';
	buf_init(&pd.bytes);
	while (i < len) {
		struct encoded_word ew;
		size_t j;

		if (in[i] != '=' || i + 1 >= len || in[i + 1] != '?' ||
		    !ew_parse(in + i, len - i, &ew)) {
			i++;
			continue;
		}
		/* Text between the previous encoded word and this one: if
		 * it is only whitespace and follows an encoded word, drop
		 * it; otherwise it is ordinary text. */
		for (j = run; j < i; j++)
			if (in[j] != ' ' && in[j] != '\t' && in[j] != '\r' &&
			    in[j] != '\n')
				break;
		if (!(after_ew && j == i) && i > run) {
			pending_flush(&pd, out);
			rfc2047_clean_text(in + run, i - run, out);
		}
		pending_add(&pd, &ew, out);
		i += ew.len;
		run = i;
		after_ew = true;
	}
	pending_flush(&pd, out);
	rfc2047_clean_text(in + run, len - run, out);
	buf_release(&pd.bytes);
}
