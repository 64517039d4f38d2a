/*
 * Fuzz target for RFC 5256 base subjects: the result is never longer
 * than the decoded input, and taking the base subject again changes
 * nothing but what a decoded encoded word may still hide.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "imap/imap-base-subject.h"
#include "rfc2047.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf dec = BUF_INIT, a = BUF_INIT, b = BUF_INIT;

	rfc2047_decode((const char *)data, size, &dec);
	imap_base_subject((const char *)data, size, &a);
	if (a.len > dec.len)
		abort();
	/* No leading or trailing space survives. */
	if (a.len > 0 && (a.data[0] == ' ' || a.data[a.len - 1] == ' '))
		abort();
	/* Without "=?" nothing is decoded twice, so the result is a fixed
	 * point. */
	if (memmem(a.data, a.len, "=?", 2) == NULL) {
		imap_base_subject(a.data, a.len, &b);
		if (b.len != a.len || memcmp(a.data, b.data, a.len) != 0)
			abort();
	}
	buf_release(&dec);
	buf_release(&a);
	buf_release(&b);
	return 0;
}
