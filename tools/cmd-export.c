/*
 * mailtree export: write a folder out as an mbox, or the mailbox (or one
 * folder) as a Maildir++ tree that `mailtree import` and Dovecot read back
 * with the same UIDs, flags, keywords and dates.
 */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>

#include "buf.h"
#include "cmd.h"
#include "export.h"
#include "folder.h"
#include "mailbox.h"
#include "mbox.h"
#include "progress.h"
#include "util.h"

enum dest_type { DEST_AUTO, DEST_MBOX, DEST_MAILDIR };

static bool dir_is_empty(const char *path)
{
	struct dirent *de;
	bool empty = true;
	DIR *d = opendir(path);

	if (d == NULL)
		return false;
	while (empty && (de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			empty = false;
	closedir(d);
	return empty;
}

static int export_failed(struct import_progress *p, struct progress *pr,
			 int err, const char *what)
{
	progress_clear(pr);
	if (p->where.len > 0)
		log_error("%s: %s: %s", what, p->where.data, strerror(-err));
	else
		log_error("%s: %s", what, strerror(-err));
	return tool_exit_code(err);
}

/*
 * Writes the mbox into a temporary file beside dest and renames it into
 * place once it is complete and synced, so dest is either the old file or
 * the whole new one.  "-" writes to standard output.
 */
static int export_mbox(struct folder *f, const char *dest,
		       struct import_progress *p, struct progress *pr)
{
	struct mbox_writer w;
	struct buf tmp = BUF_INIT;
	char *copy, *dir;
	int fd, ret, code;

	if (strcmp(dest, "-") == 0) {
		mbox_writer_init(&w, STDOUT_FILENO);
		ret = export_folder_mbox(f, &w, p);
		if (ret == 0)
			ret = mbox_writer_flush(&w);
		mbox_writer_release(&w);
		return ret < 0 ? export_failed(p, pr, ret, "standard output")
			       : EX_OK;
	}
	copy = xstrdup(dest);
	dir = dirname(copy);
	buf_printf(&tmp, "%s/.mailtree-export.XXXXXX", dir);
	fd = mkstemp(tmp.data);
	if (fd < 0) {
		code = tool_fail(-errno, "cannot create a file in %s", dir);
		goto out;
	}
	mbox_writer_init(&w, fd);
	ret = export_folder_mbox(f, &w, p);
	if (ret == 0)
		ret = mbox_writer_flush(&w);
	mbox_writer_release(&w);
	if (ret == 0 && fsync(fd) < 0)
		ret = -errno;
	if (close(fd) < 0 && ret == 0)
		ret = -errno;
	if (ret == 0 && rename(tmp.data, dest) < 0)
		ret = -errno;
	if (ret == 0)
		ret = fsync_dir(dir);
	if (ret < 0) {
		unlink(tmp.data);
		code = export_failed(p, pr, ret, dest);
	} else {
		code = EX_OK;
	}
out:
	free(copy);
	buf_release(&tmp);
	return code;
}

/* Checks that dest may be written, before anything is. */
static int check_dest(const char *dest, enum dest_type type, bool force)
{
	struct stat st;

	if (strcmp(dest, "-") == 0) {
		if (type == DEST_MAILDIR) {
			log_error("a Maildir cannot be written to standard output");
			return EX_USAGE;
		}
		return EX_OK;
	}
	if (stat(dest, &st) < 0)
		return errno == ENOENT ? EX_OK : tool_fail(-errno, "%s", dest);
	if (type == DEST_MBOX) {
		if (S_ISDIR(st.st_mode)) {
			log_error("%s: is a directory; an mbox is a file", dest);
			return EX_CANTCREAT;
		}
		if (st.st_size > 0 && !force) {
			log_error("%s: exists; use --force to replace it", dest);
			return EX_CANTCREAT;
		}
		return EX_OK;
	}
	if (!S_ISDIR(st.st_mode) || !dir_is_empty(dest)) {
		log_error("%s: exists and is not an empty directory; a Maildir "
			  "is only exported into a new or empty one", dest);
		return EX_CANTCREAT;
	}
	return EX_OK;
}

static int run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	enum dest_type type = DEST_AUTO;
	const char *folder = NULL, *user, *dest;
	struct mailbox *mbox = NULL;
	struct folder *f = NULL;
	struct import_progress p;
	struct progress pr;
	unsigned int folders = 1;
	bool force = false;
	struct stat st;
	int c, ret, code;

	while ((c = getopt_long(argc, argv, "m:t:", longopts, NULL)) != -1) {
		switch (c) {
		case 'm': folder = optarg; break;
		case 'f': force = true; break;
		case 't':
			if (strcmp(optarg, "mbox") == 0) {
				type = DEST_MBOX;
			} else if (strcmp(optarg, "maildir") == 0) {
				type = DEST_MAILDIR;
			} else {
				log_error("unknown type \"%s\" (mbox or maildir)",
					  optarg);
				return EX_USAGE;
			}
			break;
		default: return tool_usage(&cmd_export, true);
		}
	}
	if (argc - optind != 2)
		return tool_usage(&cmd_export, true);
	user = argv[optind];
	dest = argv[optind + 1];
	if (type == DEST_AUTO) {
		size_t len = strlen(dest);
		bool is_dir = stat(dest, &st) == 0 && S_ISDIR(st.st_mode);

		type = is_dir || (len > 0 && dest[len - 1] == '/')
		       ? DEST_MAILDIR : DEST_MBOX;
	}
	if ((code = tool_need_store()) != EX_OK ||
	    (code = check_dest(dest, type, force)) != EX_OK ||
	    (code = tool_open_user(user, &mbox)) != EX_OK)
		goto out;
	if ((type == DEST_MBOX || folder != NULL) &&
	    (code = tool_open_folder(mbox, folder ? folder : "INBOX", &f)) != EX_OK)
		goto out;

	progress_init(&pr, "exporting");
	import_progress_init(&p, progress_update, &pr);
	if (type == DEST_MBOX) {
		code = export_mbox(f, dest, &p, &pr);
	} else {
		ret = f != NULL ? export_folder_maildir(f, dest, false, &p)
				: export_mailbox_maildir(mbox, dest, &p, &folders);
		code = ret < 0 ? export_failed(&p, &pr, ret, dest) : EX_OK;
	}
	progress_clear(&pr);
	if (code == EX_OK && strcmp(dest, "-") != 0)
		printf("exported %llu messages (%llu bytes) from %u folder%s\n",
		       (unsigned long long)p.messages,
		       (unsigned long long)p.bytes, folders,
		       folders == 1 ? "" : "s");
	import_progress_release(&p);
out:
	folder_free(&f);
	mailbox_free(&mbox);
	return code;
}

const struct cmd cmd_export = {
	"export", "export a folder as mbox, or folders as a Maildir++ tree",
	"usage: mailtree export [-m FOLDER] [-t mbox|maildir] [--force] USER DEST\n"
	"Writes USER's mail to DEST.  As an mbox (the default, unless DEST is a\n"
	"directory or ends in '/'): one folder, INBOX or FOLDER, as mboxrd, each\n"
	"message after a \"From \" line with its Return-Path and internal date;\n"
	"DEST \"-\" is standard output.  As a Maildir: every folder (or only\n"
	"FOLDER, as the tree's INBOX) in Maildir++ layout, keeping flags,\n"
	"keywords, internal dates, UIDVALIDITY and UIDs.\n"
	"  -m FOLDER  export this folder only\n"
	"  -t TYPE    mbox or maildir\n"
	"  --force    replace an existing mbox file\n"
	"An existing non-empty mbox is only replaced with --force; a Maildir is\n"
	"only written into a new or empty directory.\n"
	"Exit codes (sysexits): 0 exported, 64 usage, 65 bad data, 67 no such\n"
	"user, 73 DEST exists, 75 temporary failure.\n",
	run,
};
