/*
 * Fuzz target for the mailtreed.conf parser: any input either parses or
 * fails with a "file:line: reason" message, and never crashes or leaks.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config cfg;
	struct buf err = BUF_INIT;
	int ret;

	config_init(&cfg);
	ret = config_parse(&cfg, "f.conf", (const char *)data, size, &err);
	if (ret < 0 && strncmp(err.data, "f.conf:", 7) != 0)
		abort();
	if (ret == 0 && (cfg.store == NULL || cfg.listener_count == 0))
		abort();
	config_release(&cfg);
	buf_release(&err);
	return 0;
}
