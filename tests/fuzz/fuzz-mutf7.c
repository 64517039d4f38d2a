/*
 * Fuzz target for modified UTF-7: whatever mutf7_decode() accepts must
 * encode back to exactly the same bytes, since the encoding is canonical.
 * Any UTF-8 it produces must itself encode and decode back unchanged.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mutf7.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf dec = BUF_INIT, enc = BUF_INIT, back = BUF_INIT;

	if (mutf7_decode((const char *)data, size, &dec) == 0) {
		if (mutf7_encode(dec.data, dec.len, &enc) != 0)
			abort();
		if (enc.len != size || memcmp(enc.data, data, size) != 0)
			abort();
	}
	/* The raw input as UTF-8: if it is valid, it must round-trip. */
	buf_reset(&enc);
	if (mutf7_encode((const char *)data, size, &enc) == 0) {
		if (mutf7_decode(enc.data, enc.len, &back) != 0)
			abort();
		if (back.len != size || memcmp(back.data, data, size) != 0)
			abort();
	}
	buf_release(&dec);
	buf_release(&enc);
	buf_release(&back);
	return 0;
}
