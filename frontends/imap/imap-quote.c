/* Strings into IMAP responses; see imap-quote.h. */

#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "charset.h"
#include "imap-quote.h"

/* ATOM-CHAR of RFC 3501: no specials, no wildcards, no "]". */
static bool is_atom(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || (len == 3 && strncasecmp(s, "NIL", 3) == 0))
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= 0x20 || c >= 0x7f || strchr("(){%*\"\\]", c) != NULL)
			return false;
	}
	return true;
}

/* Can it go between double quotes?  Controls cannot: CR and LF are not
 * allowed there, and clients handle the others badly. */
static bool is_quotable(const char *s, size_t len, unsigned int flags)
{
	bool eight = false;
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			return false;
		if (c >= 0x80)
			eight = true;
	}
	if (eight)
		return (flags & IMAP_QUOTE_UTF8) && charset_is_utf8(s, len);
	return true;
}

void imap_quote(struct buf *out, const char *s, size_t len,
		unsigned int flags)
{
	size_t i;

	if ((flags & IMAP_QUOTE_ATOM) && is_atom(s, len)) {
		buf_append(out, s, len);
		return;
	}
	if (!is_quotable(s, len, flags)) {
		buf_printf(out, "{%zu}\r\n", len);
		buf_append(out, s, len);
		return;
	}
	buf_putc(out, '"');
	for (i = 0; i < len; i++) {
		if (s[i] == '"' || s[i] == '\\')
			buf_putc(out, '\\');
		buf_putc(out, s[i]);
	}
	buf_putc(out, '"');
}

void imap_quote_string(struct buf *out, const char *s, size_t len)
{
	imap_quote(out, s, len, 0);
}

void imap_quote_astring(struct buf *out, const char *s, size_t len)
{
	imap_quote(out, s, len, IMAP_QUOTE_ATOM);
}

void imap_quote_nstring(struct buf *out, const char *s, size_t len)
{
	if (s == NULL)
		buf_puts(out, "NIL");
	else
		imap_quote(out, s, len, 0);
}
