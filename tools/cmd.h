#ifndef MAILTREE_CMD_H
#define MAILTREE_CMD_H

/*
 * The verbs of the mailtree command, one file each (tools/cmd-*.c).
 * A verb's run() gets its own argv (argv[0] is the verb) and returns a
 * sysexits(3) code.  Its usage text is printed for --help and is the same
 * text mailtree(1) gives.
 */

#include <stdbool.h>
#include <stdio.h>
#include <sysexits.h>

struct mailbox;
struct folder;

struct cmd {
	const char *name;
	const char *summary;
	const char *usage;	/* full --help text */
	int (*run)(int argc, char **argv);
};

/* The store root from -s or MAILTREE_STORE; set by main(). */
extern const char *tool_store;

/* Prints the verb's usage on stdout (for --help) or stderr. */
int tool_usage(const struct cmd *cmd, bool error);
/* True when argv holds -h or --help; prints usage. */
bool tool_wants_help(const struct cmd *cmd, int argc, char **argv);
/* Maps a negative errno to a sysexits code, as dovecot-lda does. */
int tool_exit_code(int err);
/* Logs "what: strerror" and returns tool_exit_code(err). */
int tool_fail(int err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Checks that tool_store names a store. */
int tool_need_store(void);
/* Opens a user's mailbox, with clear errors. */
int tool_open_user(const char *user, struct mailbox **mbox_r);
int tool_open_folder(struct mailbox *mbox, const char *name,
		     struct folder **f_r);

extern const struct cmd cmd_init, cmd_user, cmd_folder, cmd_deliver,
	cmd_message, cmd_check, cmd_import, cmd_export, cmd_stats, cmd_queue;

#endif
