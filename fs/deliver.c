/* Trace fields of local deliveries; see deliver.h. */

#include "buf.h"
#include "deliver.h"

void deliver_trace_headers(struct buf *out, const char *sender,
			   const char *recipient, const char *eol)
{
	if (sender != NULL)
		buf_printf(out, "Return-Path: <%s>%s", sender, eol);
	buf_printf(out, "Delivered-To: %s%s", recipient, eol);
}

bool deliver_address_ok(const char *a)
{
	for (; *a != '\0'; a++)
		if ((unsigned char)*a < 0x21 || *a == '<' || *a == '>' ||
		    *a == 0x7f)
			return false;
	return true;
}
