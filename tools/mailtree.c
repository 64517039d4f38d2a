/*
 * mailtree — the delivery agent and administration tool of a mailtree store.
 *
 * One program, one verb per file (tools/cmd-*.c); this file only finds the
 * store and dispatches.  Every verb answers --help with the same text that
 * mailtree(1) gives it.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "cmd.h"

static int cmd_help(int argc, char **argv);

static const struct cmd commands[] = {
	{ "help", "describe the verbs", cmd_help },
};

static void usage(FILE *out)
{
	size_t i;

	fprintf(out, "usage: mailtree [-s STORE] VERB [ARGS...]\n\nverbs:\n");
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\nThe store is -s DIR, or $MAILTREE_STORE.  "
		"`mailtree VERB --help` describes a verb.\n");
}

static int cmd_help(int argc, char **argv)
{
	(void)argc; (void)argv;
	usage(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	(void)argc;
	log_set_progname(argv[0]);
	usage(stderr);
	return 64;
}
