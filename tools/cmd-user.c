/* mailtree user: add, delete, change password, list. */

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "buf.h"
#include "cmd.h"
#include "mailbox.h"
#include "passwd.h"
#include "store.h"
#include "util.h"

/* Reads a password from stdin: one line, without echo on a terminal. */
static int read_password(struct buf *out)
{
	struct termios old, quiet;
	bool tty = isatty(0);
	int c;

	if (tty) {
		fprintf(stderr, "Password: ");
		tcgetattr(0, &old);
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(0, TCSAFLUSH, &quiet);
	}
	buf_reset(out);
	while ((c = getchar()) != EOF && c != '\n') {
		if (out->len >= 1024)
			break;
		buf_putc(out, (char)c);
	}
	if (out->len > 0 && out->data[out->len - 1] == '\r')
		buf_truncate(out, out->len - 1);
	if (tty) {
		tcsetattr(0, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	return out->len > 0 ? 0 : -EINVAL;
}

static int get_hash(const char *password, const char *scheme, struct buf *hash)
{
	struct buf pw = BUF_INIT;
	int ret;

	if (password == NULL) {
		ret = read_password(&pw);
		if (ret < 0) {
			log_error("empty password");
			buf_release(&pw);
			return EX_DATAERR;
		}
		password = pw.data;
	}
	ret = passwd_hash(scheme, password, hash);
	buf_release(&pw);
	if (ret < 0)
		return tool_fail(ret, "cannot hash the password with %s", scheme);
	return EX_OK;
}

static int user_add(int argc, char **argv)
{
	const char *password = NULL, *scheme = "SHA512-CRYPT", *why;
	struct buf hash = BUF_INIT, path = BUF_INIT, home = BUF_INIT;
	struct passwd_entry e;
	int c, ret, code;

	while ((c = getopt(argc, argv, "p:S:")) != -1) {
		switch (c) {
		case 'p': password = optarg; break;
		case 'S': scheme = optarg; break;
		default: return tool_usage(&cmd_user, true);
		}
	}
	if (optind != argc - 1)
		return tool_usage(&cmd_user, true);
	if (passwd_user_name_valid(argv[optind], &why) < 0) {
		log_error("invalid user name \"%s\": %s", argv[optind], why);
		return EX_DATAERR;
	}
	code = get_hash(password, scheme, &hash);
	if (code != EX_OK)
		return code;
	store_passwd_path(tool_store, &path);
	store_user_dir(tool_store, argv[optind], &home);
	memset(&e, 0, sizeof(e));
	e.name = argv[optind];
	e.password = hash.data;
	e.home = home.data;
	e.gecos = e.shell = e.extra = "";
	e.uid = (uint32_t)getuid();
	e.gid = (uint32_t)getgid();
	ret = passwd_add(path.data, &e);
	if (ret == -EEXIST) {
		log_error("user %s already exists", e.name);
		code = EX_DATAERR;
	} else if (ret < 0) {
		code = tool_fail(ret, "cannot add user %s", e.name);
	} else {
		ret = mailbox_create(home.data, mailbox_default_folders);
		code = ret < 0 ? tool_fail(ret, "cannot create the mailbox of %s",
					   e.name) : EX_OK;
		if (code == EX_OK)
			printf("added user %s\n", e.name);
	}
	buf_release(&hash);
	buf_release(&path);
	buf_release(&home);
	return code;
}

static int user_del(int argc, char **argv)
{
	struct buf path = BUF_INIT, home = BUF_INIT;
	bool purge = false;
	int c, ret, code = EX_OK;

	while ((c = getopt(argc, argv, "r")) != -1) {
		if (c != 'r')
			return tool_usage(&cmd_user, true);
		purge = true;
	}
	if (optind != argc - 1)
		return tool_usage(&cmd_user, true);
	store_passwd_path(tool_store, &path);
	ret = passwd_delete(path.data, argv[optind]);
	if (ret == -ENOENT || ret == -ESRCH) {
		log_error("no such user %s", argv[optind]);
		code = EX_NOUSER;
	} else if (ret < 0) {
		code = tool_fail(ret, "cannot delete user %s", argv[optind]);
	} else if (purge) {
		store_user_dir(tool_store, argv[optind], &home);
		ret = remove_tree(home.data);
		if (ret < 0)
			code = tool_fail(ret, "cannot remove %s", home.data);
	}
	if (code == EX_OK)
		printf("deleted user %s%s\n", argv[optind],
		       purge ? " and their mail" : " (mail kept)");
	buf_release(&path);
	buf_release(&home);
	return code;
}

static int user_passwd(int argc, char **argv)
{
	const char *password = NULL, *scheme = "SHA512-CRYPT";
	struct buf hash = BUF_INIT, path = BUF_INIT;
	int c, ret, code;

	while ((c = getopt(argc, argv, "p:S:")) != -1) {
		switch (c) {
		case 'p': password = optarg; break;
		case 'S': scheme = optarg; break;
		default: return tool_usage(&cmd_user, true);
		}
	}
	if (optind != argc - 1)
		return tool_usage(&cmd_user, true);
	code = get_hash(password, scheme, &hash);
	if (code == EX_OK) {
		store_passwd_path(tool_store, &path);
		ret = passwd_set_password(path.data, argv[optind], hash.data);
		if (ret == -ENOENT || ret == -ESRCH) {
			log_error("no such user %s", argv[optind]);
			code = EX_NOUSER;
		} else if (ret < 0) {
			code = tool_fail(ret, "cannot change the password of %s",
					 argv[optind]);
		}
	}
	buf_release(&hash);
	buf_release(&path);
	return code;
}

static int user_list(void)
{
	struct buf path = BUF_INIT;
	struct passwd_db *db;
	size_t i;
	int ret;

	store_passwd_path(tool_store, &path);
	ret = passwd_open(path.data, &db);
	buf_release(&path);
	if (ret < 0)
		return tool_fail(ret, "cannot read the passwd file");
	for (i = 0; i < passwd_count(db); i++)
		printf("%s\n", passwd_entry_at(db, i)->name);
	for (i = 0; i < passwd_error_count(db); i++)
		log_warn("passwd: %s", passwd_error_at(db, i));
	passwd_free(&db);
	return EX_OK;
}

static int run(int argc, char **argv)
{
	int code = tool_need_store();

	if (code != EX_OK)
		return code;
	if (argc < 2)
		return tool_usage(&cmd_user, true);
	argc--;
	argv++;
	if (strcmp(argv[0], "add") == 0)
		return user_add(argc, argv);
	if (strcmp(argv[0], "del") == 0)
		return user_del(argc, argv);
	if (strcmp(argv[0], "passwd") == 0)
		return user_passwd(argc, argv);
	if (strcmp(argv[0], "list") == 0 && argc == 1)
		return user_list();
	return tool_usage(&cmd_user, true);
}

const struct cmd cmd_user = {
	"user", "add, delete and list users, change passwords",
	"usage: mailtree user add [-p PASSWORD] [-S SCHEME] NAME\n"
	"       mailtree user del [-r] NAME\n"
	"       mailtree user passwd [-p PASSWORD] [-S SCHEME] NAME\n"
	"       mailtree user list\n"
	"Without -p the password is read from standard input (no echo on a\n"
	"terminal).  SCHEME is SHA512-CRYPT (default), SHA256-CRYPT, BLF-CRYPT\n"
	"or PLAIN.  add also creates the mailbox with Drafts, Sent, Trash, Junk\n"
	"and Archive.  del -r removes the user's mail too.\n",
	run,
};
