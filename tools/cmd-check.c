/* mailtree check: find damage in a store, and with --repair, mend it. */

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "cmd.h"
#include "mailbox.h"
#include "passwd.h"
#include "repair.h"
#include "store.h"
#include "util.h"

/* The exit status when problems were found (or remain after --repair):
 * not a sysexits(3) code, so a script can tell "the store needs care"
 * from "the check could not run". */
#define CHECK_PROBLEMS 1

struct where {
	const char *user;	/* or "passwd" for the store's user file */
	bool quiet;		/* the verification pass after a repair */
};

/* "USER FOLDER: problem", "USER FOLDER: fixed: what was done",
 * "USER FOLDER: note: ...": one line each, for grep. */
static void print_note(void *ctx, const char *folder, enum repair_note kind,
		       const char *msg)
{
	const struct where *w = ctx;
	const char *tag = kind == REPAIR_FIXED ? "fixed: " :
			  kind == REPAIR_NOTE ? "note: " : "";

	if (w->quiet)
		return;
	if (folder != NULL)
		printf("%s %s: %s%s\n", w->user, folder, tag, msg);
	else
		printf("%s: %s%s\n", w->user, tag, msg);
	fflush(stdout);
}

/* The passwd file: its lock, and lines mailtree cannot use.  Those are
 * reported only: the file is the administrator's to edit. */
static int check_passwd(struct repair *r, struct where *w,
			struct passwd_db *db)
{
	struct buf p = BUF_INIT;
	size_t i;
	int ret;

	w->user = "passwd";
	store_passwd_path(tool_store, &p);
	buf_puts(&p, ".lock");
	ret = repair_lock(r, NULL, p.data, PASSWD_LOCK_STALE_SECS);
	buf_release(&p);
	for (i = 0; i < passwd_error_count(db); i++) {
		const char *e = passwd_error_at(db, i);

		if (e != NULL)
			repair_say(r, NULL, REPAIR_PROBLEM, "%s", e);
		else
			break;
	}
	if (passwd_error_count(db) > PASSWD_MAX_ERRORS)
		repair_say(r, NULL, REPAIR_PROBLEM,
			   "%zu more bad lines not shown",
			   passwd_error_count(db) - PASSWD_MAX_ERRORS);
	return ret;
}

static int check_user(struct repair *r, struct where *w, const char *user)
{
	struct buf dir = BUF_INIT;
	struct mailbox *mbox;
	struct stat st;
	int ret = 0;

	w->user = user;
	store_user_dir(tool_store, user, &dir);
	if (stat(dir.data, &st) < 0 && errno == ENOENT) {
		repair_say(r, NULL, REPAIR_PROBLEM, "has no mailbox");
		if (!r->fix)
			goto out;
		ret = store_user_mailbox(tool_store, user, true, &mbox);
		if (ret < 0) {
			log_error("%s: cannot create the mailbox: %s", user,
				  strerror(-ret));
			goto out;
		}
		mailbox_free(&mbox);
		repair_say(r, NULL, REPAIR_FIXED, "created the mailbox");
	}
	ret = repair_mailbox(r, dir.data);
out:
	buf_release(&dir);
	return ret;
}

/* One pass over the store (or one user).  Returns the first error. */
static int check_store(struct repair *r, struct where *w, const char *user)
{
	struct buf path = BUF_INIT;
	struct passwd_db *db;
	size_t i;
	int ret, err = 0;

	store_passwd_path(tool_store, &path);
	ret = passwd_open(path.data, &db);
	buf_release(&path);
	if (ret < 0) {
		log_error("cannot read the passwd file: %s", strerror(-ret));
		return ret;
	}
	if (user != NULL) {
		if (passwd_lookup(db, user) == NULL)
			err = -ESRCH;
		else
			err = check_user(r, w, user);
		passwd_free(&db);
		return err;
	}
	err = check_passwd(r, w, db);
	for (i = 0; i < passwd_count(db); i++) {
		ret = check_user(r, w, passwd_entry_at(db, i)->name);
		if (err == 0)
			err = ret;
	}
	passwd_free(&db);
	return err;
}

static int run(int argc, char **argv)
{
	struct where w = { NULL, false };
	struct repair r, verify;
	const char *user = NULL;
	bool fix = false;
	int code, ret, i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--repair") == 0)
			fix = true;
		else if (argv[i][0] == '-' || user != NULL)
			return tool_usage(&cmd_check, true);
		else
			user = argv[i];
	}
	if ((code = tool_need_store()) != EX_OK)
		return code;
	repair_init(&r, fix, print_note, &w);
	ret = check_store(&r, &w, user);
	if (ret == -ESRCH)
		return tool_fail(ret, "user %s", user);
	if (ret < 0)
		return tool_exit_code(ret);
	if (!fix)
		return r.problems > 0 ? CHECK_PROBLEMS : EX_OK;
	/* Whether the repair left anything is decided by looking again,
	 * not by counting what it believes it did. */
	w.quiet = true;
	repair_init(&verify, false, print_note, &w);
	ret = check_store(&verify, &w, user);
	if (ret < 0)
		return tool_exit_code(ret);
	return verify.problems > 0 ? CHECK_PROBLEMS : EX_OK;
}

const struct cmd cmd_check = {
	"check", "find and repair damage in a store",
	"usage: mailtree check [--repair] [USER]\n"
	"Checks every user's mailbox (or USER's) and prints one line per\n"
	"finding: \"USER FOLDER: problem\", \"USER FOLDER: note: ...\" for\n"
	"what is normal but worth knowing, and with --repair\n"
	"\"USER FOLDER: fixed: what was done\".  A repair keeps every UID\n"
	"and the UIDVALIDITY wherever they can be read or recovered.\n"
	"Exit status: 0 clean (or all repaired), 1 problems found (or left\n"
	"after --repair), other values as for every verb (sysexits).\n",
	run,
};
