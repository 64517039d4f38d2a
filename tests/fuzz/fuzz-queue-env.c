/* Fuzz target for the queue envelope parser: whatever parses formats
 * back into text that parses to the same envelope. */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "queue.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct queue_env env, again;
	struct buf text = BUF_INIT, text2 = BUF_INIT;

	queue_env_init(&env);
	if (queue_env_parse((const char *)data, size, &env) == 0) {
		queue_env_format(&env, &text);
		queue_env_init(&again);
		if (queue_env_parse(text.data, text.len, &again) != 0)
			abort();
		queue_env_format(&again, &text2);
		if (strcmp(text.data, text2.data) != 0 ||
		    again.rcpt_count != env.rcpt_count)
			abort();
		queue_env_release(&again);
	}
	queue_env_release(&env);
	buf_release(&text);
	buf_release(&text2);
	return 0;
}
