/* mailtree stats: users, folders, messages, bytes and index state. */

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "cmd.h"
#include "folder.h"
#include "index.h"
#include "mailbox.h"
#include "passwd.h"
#include "store.h"
#include "util.h"

struct totals {
	unsigned long users, folders, messages, stale_indexes;
	unsigned long long bytes;
};

/* An index is fresh when it exists and opening the folder found nothing
 * that it did not already know. */
static bool index_fresh(const char *dir)
{
	struct buf p = BUF_INIT;
	struct stat st;
	bool ok;

	buf_printf(&p, "%s/" INDEX_NAME, dir);
	ok = stat(p.data, &st) == 0;
	buf_release(&p);
	return ok;
}

static void user_stats(const char *user, struct totals *t, bool verbose)
{
	struct mailbox *mbox;
	struct buf dir = BUF_INIT;
	char **names;
	size_t i, j, count;

	if (store_user_mailbox(tool_store, user, false, &mbox) < 0) {
		if (verbose)
			printf("%s: no mailbox\n", user);
		return;
	}
	t->users++;
	if (mailbox_list(mbox, &names, &count) == 0) {
		for (i = 0; i < count; i++) {
			struct folder *f;
			bool had_index;
			unsigned long long bytes = 0;

			if (mailbox_folder_dir(mbox, names[i], &dir) < 0)
				continue;
			had_index = index_fresh(dir.data);
			if (folder_open(dir.data, &f) < 0)
				continue;
			for (j = 0; j < f->count; j++)
				bytes += f->msgs[j].size;
			t->folders++;
			t->messages += f->count;
			t->bytes += bytes;
			if (!had_index)
				t->stale_indexes++;
			if (verbose)
				printf("%s\t%s\t%zu\t%llu\tuidvalidity=%u uidnext=%u "
				       "modseq=%llu index=%s\n", user, names[i],
				       f->count, bytes, folder_uidvalidity(f),
				       folder_uidnext(f),
				       (unsigned long long)f->highest_modseq,
				       had_index ? "ok" : "rebuilt");
			folder_free(&f);
		}
		mailbox_list_free(names, count);
	}
	buf_release(&dir);
	mailbox_free(&mbox);
}

static int run(int argc, char **argv)
{
	struct totals t = { 0 };
	struct buf path = BUF_INIT;
	struct passwd_db *db;
	bool verbose = false;
	size_t i;
	int code, ret;

	if (argc == 2 && strcmp(argv[1], "-v") == 0)
		verbose = true;
	else if (argc != 1)
		return tool_usage(&cmd_stats, true);
	if ((code = tool_need_store()) != EX_OK)
		return code;
	store_passwd_path(tool_store, &path);
	ret = passwd_open(path.data, &db);
	buf_release(&path);
	if (ret < 0)
		return tool_fail(ret, "cannot read the passwd file");
	for (i = 0; i < passwd_count(db); i++)
		user_stats(passwd_entry_at(db, i)->name, &t, verbose);
	passwd_free(&db);
	printf("users %lu\nfolders %lu\nmessages %lu\nbytes %llu\n"
	       "indexes rebuilt %lu\n", t.users, t.folders, t.messages,
	       t.bytes, t.stale_indexes);
	return EX_OK;
}

const struct cmd cmd_stats = {
	"stats", "count users, folders, messages and bytes",
	"usage: mailtree stats [-v]\n"
	"Prints totals for the store; -v adds a line per folder (user, folder,\n"
	"messages, bytes, UIDVALIDITY, next UID, highest MODSEQ, and whether\n"
	"its index was there or had to be rebuilt).\n",
	run,
};
