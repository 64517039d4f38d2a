/* mailtree init: create a store. */

#include <string.h>

#include "cmd.h"
#include "store.h"
#include "util.h"

static int run(int argc, char **argv)
{
	int ret;

	if (argc > 2)
		return tool_usage(&cmd_init, true);
	if (argc == 2)
		tool_store = argv[1];
	if (tool_store == NULL || tool_store[0] == '\0') {
		log_error("no store given: use -s DIR, MAILTREE_STORE or `init DIR`");
		return EX_USAGE;
	}
	ret = store_init(tool_store);
	if (ret < 0)
		return tool_fail(ret, "cannot create store %s", tool_store);
	printf("store ready at %s\n", tool_store);
	return EX_OK;
}

const struct cmd cmd_init = {
	"init", "create a store (passwd file and mail directory)",
	"usage: mailtree [-s STORE] init [STORE]\n"
	"Creates the store directory with an empty passwd file and mail/.\n"
	"An existing store is left as it is.\n",
	run,
};
