/* Mailbox names between the wire and the store; see imap-mailbox.h. */

#include <errno.h>
#include <strings.h>

#include "buf.h"
#include "charset.h"
#include "imap-mailbox.h"
#include "imap-quote.h"
#include "mutf7.h"

static bool has_control(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return true;
	return false;
}

int imap_mailbox_decode(const char *name, size_t len, bool utf8,
			struct buf *out)
{
	if (len == 0 || has_control(name, len))
		return -EINVAL;
	if (len == 5 && strncasecmp(name, "INBOX", 5) == 0) {
		buf_puts(out, "INBOX");
		return 0;
	}
	if (!utf8)
		return mutf7_decode(name, len, out);
	if (!charset_is_utf8(name, len))
		return -EINVAL;
	buf_append(out, name, len);
	return 0;
}

int imap_mailbox_encode(const char *name, size_t len, bool utf8,
			struct buf *out)
{
	struct buf wire = BUF_INIT;
	int r;

	if (utf8) {
		if (!charset_is_utf8(name, len))
			return -EINVAL;
		imap_quote(out, name, len, IMAP_QUOTE_ATOM | IMAP_QUOTE_UTF8);
		return 0;
	}
	r = mutf7_encode(name, len, &wire);
	if (r == 0)
		imap_quote_astring(out, wire.data, wire.len);
	buf_release(&wire);
	return r;
}
