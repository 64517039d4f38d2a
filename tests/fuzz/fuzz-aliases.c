/* Fuzz target for the aliases file parser. */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aliases.h"
#include "buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const addrs[] = {
		"postmaster@example.org", "a", "sales@x", "@", "", "x@y@z"
	};
	struct buf user = BUF_INIT;
	unsigned int line;
	size_t i;

	for (i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
		int ret = aliases_lookup_data((const char *)data, size, addrs[i],
					      &user, &line);
		if (ret == 1 && (user.len == 0 || memchr(user.data, ',', user.len)))
			abort();
	}
	buf_release(&user);
	return 0;
}
