/* mailtree folder: list, create, delete, rename, subscribe. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "folder.h"
#include "maildir-name.h"
#include "mailbox.h"
#include "util.h"

static int check_name(const char *name)
{
	const char *why;

	if (mailbox_name_check(name, &why) < 0) {
		log_error("folder \"%s\": %s", name, why);
		return EX_DATAERR;
	}
	return EX_OK;
}

static int folder_list(struct mailbox *mbox, bool subscribed, bool counts)
{
	char **names;
	size_t i, count;
	int ret = subscribed ? mailbox_subscriptions(mbox, &names, &count)
			     : mailbox_list(mbox, &names, &count);

	if (ret < 0)
		return tool_fail(ret, "cannot list folders");
	for (i = 0; i < count; i++) {
		struct folder *f;

		if (!counts) {
			printf("%s\n", names[i]);
			continue;
		}
		ret = mailbox_folder_open(mbox, names[i], &f);
		if (ret < 0) {
			printf("%s\t-\t-\t-\n", names[i]);
			continue;
		}
		size_t j, unseen = 0;
		unsigned long long bytes = 0;
		for (j = 0; j < f->count; j++) {
			if (!(f->msgs[j].flags & MFLAG_SEEN))
				unseen++;
			bytes += f->msgs[j].size;
		}
		printf("%s\t%zu\t%zu\t%llu\n", names[i], f->count, unseen, bytes);
		folder_free(&f);
	}
	mailbox_list_free(names, count);
	return EX_OK;
}

static int run(int argc, char **argv)
{
	struct mailbox *mbox = NULL;
	const char *verb;
	int code, ret = 0;

	if ((code = tool_need_store()) != EX_OK)
		return code;
	if (argc < 3)
		return tool_usage(&cmd_folder, true);
	verb = argv[1];
	if ((code = tool_open_user(argv[2], &mbox)) != EX_OK)
		return code;
	if (strcmp(verb, "list") == 0 && argc <= 4) {
		bool sub = argc == 4 && strcmp(argv[3], "--subscribed") == 0;
		bool cnt = argc == 4 && strcmp(argv[3], "--counts") == 0;
		if (argc == 4 && !sub && !cnt)
			code = tool_usage(&cmd_folder, true);
		else
			code = folder_list(mbox, sub, cnt);
	} else if (strcmp(verb, "create") == 0 && argc == 4) {
		if ((code = check_name(argv[3])) == EX_OK) {
			ret = mailbox_folder_create(mbox, argv[3]);
			if (ret == 0)
				ret = mailbox_subscribe(mbox, argv[3], true);
		}
	} else if (strcmp(verb, "delete") == 0 && (argc == 4 || argc == 5)) {
		bool rec = argc == 5 && strcmp(argv[3], "-r") == 0;
		const char *name = argv[argc - 1];
		if (argc == 5 && !rec)
			code = tool_usage(&cmd_folder, true);
		else if ((code = check_name(name)) == EX_OK)
			ret = mailbox_folder_delete(mbox, name, rec);
	} else if (strcmp(verb, "rename") == 0 && argc == 5) {
		if ((code = check_name(argv[3])) == EX_OK &&
		    (code = check_name(argv[4])) == EX_OK)
			ret = mailbox_folder_rename(mbox, argv[3], argv[4]);
	} else if ((strcmp(verb, "subscribe") == 0 ||
		    strcmp(verb, "unsubscribe") == 0) && argc == 4) {
		if ((code = check_name(argv[3])) == EX_OK)
			ret = mailbox_subscribe(mbox, argv[3], verb[0] == 's');
	} else {
		code = tool_usage(&cmd_folder, true);
	}
	if (ret == -EEXIST)
		log_error("folder already exists");
	else if (ret == -ENOENT)
		log_error("no such folder");
	else if (ret == -EPERM)
		log_error("INBOX cannot be deleted or renamed");
	else if (ret < 0)
		code = tool_fail(ret, "folder %s", verb);
	if (ret == -EEXIST || ret == -ENOENT || ret == -EPERM)
		code = EX_DATAERR;
	mailbox_free(&mbox);
	return code;
}

const struct cmd cmd_folder = {
	"folder", "list, create, delete, rename and subscribe folders",
	"usage: mailtree folder list USER [--subscribed | --counts]\n"
	"       mailtree folder create USER NAME\n"
	"       mailtree folder delete USER [-r] NAME\n"
	"       mailtree folder rename USER OLD NEW\n"
	"       mailtree folder subscribe|unsubscribe USER NAME\n"
	"Folder names are UTF-8 with '/' between levels (\"Archive/2024\").\n"
	"delete -r also deletes the folders below NAME; rename always moves\n"
	"them along.  --counts prints name, messages, unseen and bytes.\n",
	run,
};
