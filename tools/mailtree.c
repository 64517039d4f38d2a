/*
 * mailtree — the delivery agent and administration tool of a mailtree store.
 *
 * One program, one verb per file (tools/cmd-*.c); this file finds the
 * store, dispatches, and holds the helpers the verbs share.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "folder.h"
#include "mailbox.h"
#include "store.h"
#include "util.h"

const char *tool_store;

static const struct cmd *const commands[] = {
	&cmd_init, &cmd_user, &cmd_folder, &cmd_deliver, &cmd_message,
	&cmd_check, &cmd_import, &cmd_export, &cmd_stats, &cmd_queue,
};

static void usage(FILE *out)
{
	size_t i;

	fprintf(out, "usage: mailtree [-s STORE] VERB [ARGS...]\n\nverbs:\n");
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(out, "  %-8s %s\n", commands[i]->name,
			commands[i]->summary);
	fprintf(out, "\nThe store is -s DIR, or $MAILTREE_STORE.  "
		"`mailtree VERB --help` describes a verb.\n");
}

int tool_usage(const struct cmd *cmd, bool error)
{
	fputs(cmd->usage, error ? stderr : stdout);
	return error ? EX_USAGE : EX_OK;
}

bool tool_wants_help(const struct cmd *cmd, int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			tool_usage(cmd, false);
			return true;
		}
	}
	return false;
}

int tool_exit_code(int err)
{
	switch (-err) {
	case 0:
		return EX_OK;
	case ESRCH:
		return EX_NOUSER;
	case EINVAL:
	case ENAMETOOLONG:
	case EEXIST:
	case ENOENT:
	case ENOTEMPTY:
		return EX_DATAERR;
	case EACCES:
	case EPERM:
		return EX_NOPERM;
	case ENOSPC:
	case EDQUOT:
	case EAGAIN:
	case EINTR:
	case ENOMEM:
	case EMFILE:
	case ENFILE:
		return EX_TEMPFAIL;
	case EUCLEAN:
		return EX_SOFTWARE;
	default:
		return EX_TEMPFAIL;
	}
}

int tool_fail(int err, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (err == -EAGAIN)
		log_error("%s: the folder is locked by another process; try again", msg);
	else if (err == -EUCLEAN)
		log_error("%s: dovecot-uidlist is damaged; run `mailtree check --repair`", msg);
	else if (err == -ESRCH)
		log_error("%s: no such user", msg);
	else
		log_error("%s: %s", msg, strerror(-err));
	return tool_exit_code(err);
}

int tool_need_store(void)
{
	int ret;

	if (tool_store == NULL || tool_store[0] == '\0') {
		log_error("no store given: use -s DIR or set MAILTREE_STORE");
		return EX_USAGE;
	}
	ret = store_check(tool_store);
	if (ret < 0) {
		log_error("%s is not a mailtree store (%s); create one with "
			  "`mailtree -s %s init`", tool_store, strerror(-ret),
			  tool_store);
		return EX_CONFIG;
	}
	return EX_OK;
}

int tool_open_user(const char *user, struct mailbox **mbox_r)
{
	int ret = store_user_mailbox(tool_store, user, true, mbox_r);

	if (ret < 0)
		return tool_fail(ret, "user %s", user);
	return EX_OK;
}

int tool_open_folder(struct mailbox *mbox, const char *name,
		     struct folder **f_r)
{
	const char *why;
	int ret;

	if (mailbox_name_check(name, &why) < 0) {
		log_error("folder \"%s\": %s", name, why);
		return EX_DATAERR;
	}
	ret = mailbox_folder_open(mbox, name, f_r);
	if (ret == -ENOENT) {
		log_error("folder \"%s\" does not exist", name);
		return EX_DATAERR;
	}
	if (ret < 0)
		return tool_fail(ret, "folder \"%s\"", name);
	return EX_OK;
}

/*
 * Run by root on a store that belongs to another user (vmail, say),
 * mailtree works as that user: every file it makes in the store (message,
 * dovecot-uidlist, index, change log, passwd) must stay readable and
 * writable by the daemon and the mount, which run as the owner.  Files
 * named on the command line (import sources, export targets) are then
 * read and written as the owner too, as doveadm does.  A store that does
 * not exist yet (init) or belongs to root is left as it is.
 */
static int become_store_owner(void)
{
	uid_t uid;
	int ret;

	if (tool_store == NULL || tool_store[0] == '\0')
		return EX_OK;
	ret = become_owner(tool_store, &uid);
	if (ret < 0)
		return tool_fail(ret, "cannot become the owner of %s (uid %u)",
				 tool_store, (unsigned)uid);
	return EX_OK;
}

int main(int argc, char **argv)
{
	size_t i;
	int c, code;

	log_set_progname("mailtree");
	tool_store = getenv("MAILTREE_STORE");
	/* Options before the verb belong to mailtree itself; '+' stops at
	 * the verb so its own options are left alone. */
	while ((c = getopt(argc, argv, "+s:hV")) != -1) {
		switch (c) {
		case 's':
			tool_store = optarg;
			break;
		case 'h':
			usage(stdout);
			return EX_OK;
		case 'V':
			printf("mailtree 0.1\n");
			return EX_OK;
		default:
			usage(stderr);
			return EX_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EX_USAGE;
	}
	if (strcmp(argv[optind], "help") == 0 || strcmp(argv[optind], "--help") == 0) {
		usage(stdout);
		return EX_OK;
	}
	for (i = 0; i < ARRAY_SIZE(commands); i++) {
		if (strcmp(argv[optind], commands[i]->name) != 0)
			continue;
		argc -= optind;
		argv += optind;
		optind = 0;	/* glibc: start the verb's getopt afresh */
		if (tool_wants_help(commands[i], argc, argv))
			return EX_OK;
		code = become_store_owner();
		if (code != EX_OK)
			return code;
		return commands[i]->run(argc, argv);
	}
	log_error("unknown verb \"%s\"", argv[optind]);
	usage(stderr);
	return EX_USAGE;
}
