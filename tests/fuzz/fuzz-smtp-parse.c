/*
 * Fuzz target for the MAIL FROM / RCPT TO argument parser: whatever the
 * input, a parsed address fits the limit and holds no byte that could
 * break a trace header.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "deliver.h"
#include "smtp/smtp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf in = BUF_INIT, local = BUF_INIT;
	struct smtp_path p;

	buf_append(&in, data, size);
	if (smtp_parse_path(in.data, size > 0 && data[0] == 'T' ? "TO:" :
			    "FROM:", &p) == 0) {
		if (strlen(p.addr) > SMTP_MAX_PATH ||
		    !deliver_address_ok(p.addr) ||
		    p.param_count > SMTP_MAX_PARAMS)
			abort();
		for (size_t i = 0; i < p.param_count; i++)
			(void)smtp_xtext_valid(p.params[i].value);
		(void)smtp_addr_is_utf8(p.addr);
		smtp_local_part(p.addr, &local);
		if (local.len > strlen(p.addr))
			abort();
	}
	buf_release(&in);
	buf_release(&local);
	return 0;
}
