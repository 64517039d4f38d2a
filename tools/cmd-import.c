/*
 * mailtree import: bring mail into a user's mailbox from an mbox, from a
 * directory of message files (or single files), or from another Maildir
 * or Maildir++ tree with its flags, keywords, dates and UIDs.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "cmd.h"
#include "folder.h"
#include "import.h"
#include "mailbox.h"
#include "progress.h"
#include "util.h"

enum source_type { SOURCE_AUTO, SOURCE_MBOX, SOURCE_MAILDIR, SOURCE_FILES };

static const char *const type_names[] = { "auto", "mbox", "maildir", "files" };

struct source {
	const char *path;
	enum source_type type;
	bool is_dir;
};

struct import_run {
	struct mailbox *mbox;
	const char *target;	/* -m FOLDER, or NULL */
	bool strip_from;	/* -F */
	enum mbox_format format;
	struct import_progress p;
	struct progress pr;
	char **folders;		/* the folders written to, for the summary */
	size_t nfolders, folders_cap;
};

/* Skips a UTF-8 BOM and empty lines, as the mbox reader does, and says
 * whether a "From " line comes next. */
static bool looks_like_mbox(const char *path)
{
	char head[4096];
	size_t got = 0, i = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	if (read_full(fd, head, sizeof(head), &got) < 0)
		got = 0;
	close(fd);
	if (got >= 3 && memcmp(head, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < got && (head[i] == '\n' ||
			   (head[i] == '\r' && i + 1 < got && head[i + 1] == '\n')))
		i += head[i] == '\r' ? 2 : 1;
	/* An empty file is an mbox with no message (an export of an empty
	 * folder), not one empty message. */
	return i == got || (got - i >= 5 && memcmp(head + i, "From ", 5) == 0);
}

static bool has_cur(const char *dir)
{
	struct buf p = BUF_INIT;
	struct stat st;
	bool ok;

	buf_printf(&p, "%s/cur", dir);
	ok = stat(p.data, &st) == 0 && S_ISDIR(st.st_mode);
	buf_release(&p);
	return ok;
}

/* Works out (or checks) the type of a source before anything is
 * imported, so that a mistyped argument changes nothing. */
static int check_source(struct source *src, enum source_type forced)
{
	struct stat st;

	if (stat(src->path, &st) < 0) {
		int err = errno;

		log_error("%s: %s", src->path, strerror(err));
		return err == ENOENT || err == ENOTDIR ? EX_NOINPUT
						       : tool_exit_code(-err);
	}
	src->is_dir = S_ISDIR(st.st_mode);
	if (!src->is_dir && !S_ISREG(st.st_mode)) {
		log_error("%s: not a file or directory", src->path);
		return EX_NOINPUT;
	}
	if (forced == SOURCE_AUTO) {
		if (src->is_dir)
			src->type = has_cur(src->path) ? SOURCE_MAILDIR
						       : SOURCE_FILES;
		else
			src->type = looks_like_mbox(src->path) ? SOURCE_MBOX
							       : SOURCE_FILES;
		return EX_OK;
	}
	src->type = forced;
	if (forced == SOURCE_MBOX && src->is_dir) {
		log_error("%s: is a directory, not an mbox", src->path);
		return EX_DATAERR;
	}
	if (forced == SOURCE_MAILDIR && (!src->is_dir || !has_cur(src->path))) {
		log_error("%s: not a Maildir (it has no cur/ directory)",
			  src->path);
		return EX_DATAERR;
	}
	return EX_OK;
}

static void note_folder(struct import_run *run, const char *name)
{
	size_t i;

	for (i = 0; i < run->nfolders; i++)
		if (strcasecmp(run->folders[i], name) == 0)
			return;
	run->folders = xgrow(run->folders, &run->folders_cap,
			     run->nfolders + 1, sizeof(*run->folders));
	run->folders[run->nfolders++] = xstrdup(name);
}

/* Opens the target folder, creating (and subscribing) it when missing. */
static int open_target(struct import_run *run, const char *name,
		       struct folder **f_r)
{
	const char *why;
	int ret;

	if (mailbox_name_check(name, &why) < 0) {
		log_error("folder \"%s\": %s", name, why);
		return EX_DATAERR;
	}
	if (!mailbox_folder_exists(run->mbox, name)) {
		ret = mailbox_folder_create(run->mbox, name);
		if (ret == 0)
			ret = mailbox_subscribe(run->mbox, name, true);
		if (ret < 0 && ret != -EEXIST)
			return tool_fail(ret, "cannot create folder \"%s\"", name);
	}
	note_folder(run, name);
	return tool_open_folder(run->mbox, name, f_r);
}

/* Reports a failed import: what failed, where, and what is in already. */
static int import_failed(struct import_run *run, int err, const char *what)
{
	progress_clear(&run->pr);
	if (run->p.where.len > 0)
		log_error("%s: %s: %s", what, run->p.where.data, strerror(-err));
	else
		log_error("%s: %s", what, strerror(-err));
	log_error("%llu messages were imported before this and stay in the mailbox",
		  (unsigned long long)run->p.messages);
	return tool_exit_code(err);
}

static int import_mbox_source(struct import_run *run, const struct source *src)
{
	struct folder *f = NULL;
	int code, fd, ret;

	if ((code = open_target(run, run->target ? run->target : "INBOX",
				&f)) != EX_OK)
		return code;
	fd = open(src->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		folder_free(&f);
		return tool_fail(-errno, "%s", src->path);
	}
	ret = import_mbox(f, fd, run->format, &run->p);
	close(fd);
	folder_free(&f);
	if (ret == -EINVAL && run->p.messages == 0 &&
	    strncmp(run->p.where.data, "not an mbox", 11) == 0) {
		progress_clear(&run->pr);
		log_error("%s: %s", src->path, run->p.where.data);
		return EX_DATAERR;
	}
	if (ret < 0)
		return import_failed(run, ret, src->path);
	return EX_OK;
}

static int import_one_file(struct import_run *run, struct folder *f,
			   const char *path)
{
	struct stat st;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return tool_fail(-errno, "%s", path);
	ret = fstat(fd, &st) < 0 ? -errno : 0;
	if (ret == 0)
		ret = import_message_fd(f, fd, run->strip_from,
					st.st_mtim.tv_sec, &run->p);
	close(fd);
	if (ret < 0) {
		buf_reset(&run->p.where);
		return import_failed(run, ret, path);
	}
	return EX_OK;
}

static int import_files_source(struct import_run *run, const struct source *src)
{
	struct dirent **list = NULL;
	struct buf path = BUF_INIT;
	struct folder *f = NULL;
	int code, i, n = 0;

	if ((code = open_target(run, run->target ? run->target : "INBOX",
				&f)) != EX_OK)
		return code;
	if (!src->is_dir) {
		code = import_one_file(run, f, src->path);
		folder_free(&f);
		return code;
	}
	/* In name order, so UIDs follow the names (numbered files, or
	 * Maildir-style names that start with the delivery time). */
	n = scandir(src->path, &list, NULL, alphasort);
	if (n < 0) {
		folder_free(&f);
		return tool_fail(-errno, "%s", src->path);
	}
	for (i = 0; i < n && code == EX_OK; i++) {
		struct stat st;

		if (list[i]->d_name[0] == '.')
			continue;	/* ".", "..", and hidden files */
		buf_reset(&path);
		buf_printf(&path, "%s/%s", src->path, list[i]->d_name);
		if (stat(path.data, &st) < 0) {
			code = tool_fail(-errno, "%s", path.data);
		} else if (!S_ISREG(st.st_mode)) {
			progress_clear(&run->pr);
			log_warn("%s: not a regular file; skipped", path.data);
		} else {
			code = import_one_file(run, f, path.data);
		}
	}
	for (i = 0; i < n; i++)
		free(list[i]);
	free(list);
	buf_release(&path);
	folder_free(&f);
	return code;
}

/* The target name of a source folder: the same name, or below -m. */
static void target_name(const struct import_run *run, const char *name,
			struct buf *out)
{
	buf_reset(out);
	if (run->target == NULL)
		buf_puts(out, name);
	else if (strcasecmp(name, "INBOX") == 0)
		buf_puts(out, run->target);
	else
		buf_printf(out, "%s/%s", run->target, name);
}

/* Subscribes the target folders of the source's subscribed folders. */
static void import_subscriptions(struct import_run *run, const char *root)
{
	struct mailbox src = { .root = (char *)root };
	struct buf name = BUF_INIT;
	char **names;
	size_t i, count;

	if (mailbox_subscriptions(&src, &names, &count) < 0)
		return;
	for (i = 0; i < count; i++) {
		target_name(run, names[i], &name);
		if (mailbox_folder_exists(run->mbox, name.data))
			mailbox_subscribe(run->mbox, name.data, true);
	}
	mailbox_list_free(names, count);
	buf_release(&name);
}

static int import_maildir_source(struct import_run *run,
				 const struct source *src)
{
	struct maildir_source_folder *folders;
	struct buf name = BUF_INIT;
	size_t i, count;
	int code = EX_OK, ret;

	ret = maildir_source_folders(src->path, &folders, &count);
	if (ret < 0)
		return tool_fail(ret, "%s", src->path);
	for (i = 0; i < count && code == EX_OK; i++) {
		struct maildir_source *ms = NULL;
		struct folder *f = NULL;
		bool kept;

		target_name(run, folders[i].name, &name);
		if ((code = open_target(run, name.data, &f)) != EX_OK)
			break;
		ret = maildir_source_open(folders[i].dir, &ms);
		if (ret == 0)
			ret = import_maildir_folder(ms, f, &run->p, &kept);
		if (ret < 0) {
			struct buf what = BUF_INIT;

			buf_printf(&what, "%s (folder %s)", folders[i].dir,
				   folders[i].name);
			code = import_failed(run, ret, what.data);
			buf_release(&what);
		} else if (!kept && ms->uidlist.exists && ms->count > 0) {
			progress_clear(&run->pr);
			log_info("%s was not empty: its new messages got new "
				 "UIDs", name.data);
		}
		maildir_source_free(&ms);
		folder_free(&f);
	}
	if (code == EX_OK)
		import_subscriptions(run, src->path);
	maildir_source_folders_free(folders, count);
	buf_release(&name);
	return code;
}

static int parse_type(const char *s, enum source_type *type_r)
{
	size_t i;

	for (i = SOURCE_MBOX; i < ARRAY_SIZE(type_names); i++) {
		if (strcmp(s, type_names[i]) == 0) {
			*type_r = (enum source_type)i;
			return EX_OK;
		}
	}
	log_error("unknown source type \"%s\" (mbox, maildir or files)", s);
	return EX_USAGE;
}

static int run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "mboxo", no_argument, NULL, 'o' },
		{ "files", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	struct import_run run = { .format = MBOX_FORMAT_MBOXRD };
	enum source_type forced = SOURCE_AUTO;
	struct source *srcs = NULL;
	int c, i, nsrc, code = EX_OK;

	while ((c = getopt_long(argc, argv, "Fm:t:", longopts, NULL)) != -1) {
		switch (c) {
		case 'F': run.strip_from = true; break;
		case 'm': run.target = optarg; break;
		case 'o': run.format = MBOX_FORMAT_MBOXO; break;
		case 'f': forced = SOURCE_FILES; break;
		case 't':
			if ((code = parse_type(optarg, &forced)) != EX_OK)
				return code;
			break;
		default: return tool_usage(&cmd_import, true);
		}
	}
	if (argc - optind < 2)
		return tool_usage(&cmd_import, true);
	if ((code = tool_need_store()) != EX_OK)
		return code;
	nsrc = argc - optind - 1;
	srcs = xcalloc((size_t)nsrc, sizeof(*srcs));
	for (i = 0; i < nsrc && code == EX_OK; i++) {
		srcs[i].path = argv[optind + 1 + i];
		code = check_source(&srcs[i], forced);
	}
	if (code == EX_OK)
		code = tool_open_user(argv[optind], &run.mbox);
	if (code != EX_OK) {
		free(srcs);
		return code;
	}
	progress_init(&run.pr, "importing");
	import_progress_init(&run.p, progress_update, &run.pr);
	for (i = 0; i < nsrc && code == EX_OK; i++) {
		switch (srcs[i].type) {
		case SOURCE_MBOX:
			code = import_mbox_source(&run, &srcs[i]);
			break;
		case SOURCE_MAILDIR:
			code = import_maildir_source(&run, &srcs[i]);
			break;
		default:
			code = import_files_source(&run, &srcs[i]);
			break;
		}
	}
	progress_clear(&run.pr);
	if (code == EX_OK) {
		printf("imported %llu messages (%llu bytes) into %zu folder%s\n",
		       (unsigned long long)run.p.messages,
		       (unsigned long long)run.p.bytes,
		       run.nfolders, run.nfolders == 1 ? "" : "s");
		if (run.p.vanished > 0)
			log_warn("%llu messages were expunged from the source "
				 "while importing",
				 (unsigned long long)run.p.vanished);
	}
	for (size_t j = 0; j < run.nfolders; j++)
		free(run.folders[j]);
	free(run.folders);
	free(srcs);
	import_progress_release(&run.p);
	mailbox_free(&run.mbox);
	return code;
}

const struct cmd cmd_import = {
	"import", "import mail from mbox files, message files or a Maildir",
	"usage: mailtree import [-F] [-m FOLDER] [-t mbox|maildir|files]\n"
	"                       [--mboxo] [--files] USER SOURCE...\n"
	"Imports each SOURCE into USER's mailbox.  A directory with a cur/\n"
	"directory is a Maildir or Maildir++ tree: every folder is imported with\n"
	"its flags, keywords and dates, and an empty target folder also takes its\n"
	"UIDVALIDITY and UIDs.  A file starting with a \"From \" line, or empty,\n"
	"is an mbox (mboxrd; --mboxo for mboxo).  Any other file, and every file\n"
	"of any other directory, is one message, stored byte for byte.\n"
	"  -F        drop a leading \"From \" line of message files, and use its\n"
	"            date as the internal date\n"
	"  -m FOLDER import into FOLDER (created if missing) instead of INBOX;\n"
	"            the folders of a Maildir go below it\n"
	"  -t TYPE   the type of every SOURCE: mbox, maildir or files\n"
	"  --files   the same as -t files\n"
	"  --mboxo   read mboxes as mboxo: only \">From \" loses its '>'\n"
	"Exit codes (sysexits): 0 imported, 64 usage, 65 bad data, 66 no such\n"
	"source, 67 no such user, 75 temporary failure.\n",
	run,
};
