/*
 * mailtree deliver: the local delivery agent.  An MTA runs it with the
 * message on standard input (Postfix mailbox_command, or procmail style);
 * the exit code tells the MTA what happened, as with dovecot-lda:
 * 0 delivered and on disk, 67 no such user, 75 try again later.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "cmd.h"
#include "deliver.h"
#include "folder.h"
#include "mailbox.h"
#include "save.h"
#include "util.h"

/* A leading mbox "From " line longer than this is not one. */
#define FROM_LINE_MAX 4096

/* Streams stdin into the save, dropping a leading "From " line and taking
 * the envelope sender from it when -f was not given. */
static int copy_input(struct save *s, struct buf *sender, bool have_sender,
		      const char *recipient)
{
	char chunk[65536];
	struct buf head = BUF_INIT;
	size_t skip = 0;
	ssize_t n;
	int ret = 0;

	/* Read enough to see whether the message starts with "From ". */
	while (head.len < FROM_LINE_MAX && memchr(head.data, '\n', head.len) == NULL) {
		n = read(0, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			goto out;
		}
		if (n == 0)
			break;
		buf_append(&head, chunk, (size_t)n);
	}
	if (head.len >= 5 && memcmp(head.data, "From ", 5) == 0) {
		char *nl = memchr(head.data, '\n', head.len);
		if (nl != NULL && (size_t)(nl - head.data) < FROM_LINE_MAX) {
			skip = (size_t)(nl - head.data) + 1;
			if (!have_sender) {
				size_t l = strcspn(head.data + 5, " \t\r\n");
				buf_reset(sender);
				buf_append(sender, head.data + 5, l);
			}
		}
	}
	/* The trace fields Dovecot adds, in the line ending the message uses. */
	const char *eol = "\n";
	char *first_nl = memchr(head.data + skip, '\n', head.len - skip);
	if (first_nl != NULL && first_nl > head.data + skip && first_nl[-1] == '\r')
		eol = "\r\n";
	struct buf trace = BUF_INIT;
	deliver_trace_headers(&trace, sender->len > 0 || have_sender ?
				      sender->data : NULL, recipient, eol);
	ret = save_write(s, trace.data, trace.len);
	buf_release(&trace);
	if (ret == 0)
		ret = save_write(s, head.data + skip, head.len - skip);
	if (ret == 0)
		ret = fd_copy(0, save_sink, s);
out:
	buf_release(&head);
	return ret;
}

static int run(int argc, char **argv)
{
	const char *folder_name = "INBOX", *orig_rcpt = NULL, *user;
	struct buf sender = BUF_INIT;
	struct mailbox *mbox = NULL;
	struct folder *f = NULL;
	struct buf dir = BUF_INIT;
	struct save *s;
	bool have_sender = false;
	uint32_t uid = 0;
	int c, ret, code;

	while ((c = getopt(argc, argv, "f:m:a:")) != -1) {
		switch (c) {
		case 'f':
			if (!deliver_address_ok(optarg)) {
				log_error("invalid sender address \"%s\"", optarg);
				return EX_USAGE;
			}
			buf_set(&sender, optarg);
			have_sender = true;
			break;
		case 'm': folder_name = optarg; break;
		case 'a': orig_rcpt = optarg; break;
		default: return tool_usage(&cmd_deliver, true);
		}
	}
	if (optind != argc - 1)
		return tool_usage(&cmd_deliver, true);
	user = argv[optind];
	if (orig_rcpt != NULL && !deliver_address_ok(orig_rcpt)) {
		log_error("invalid recipient address \"%s\"", orig_rcpt);
		return EX_USAGE;
	}
	if ((code = tool_need_store()) != EX_OK)
		goto out;
	if ((code = tool_open_user(user, &mbox)) != EX_OK)
		goto out;
	/* As dovecot-lda does: a folder that does not exist (or a name that
	 * cannot be one) means INBOX, so mail is never bounced for it. */
	if (mailbox_folder_dir(mbox, folder_name, &dir) < 0 ||
	    !mailbox_folder_exists(mbox, folder_name)) {
		if (strcmp(folder_name, "INBOX") != 0)
			log_warn("folder \"%s\" does not exist; delivering to INBOX",
				 folder_name);
		folder_name = "INBOX";
		mailbox_folder_dir(mbox, folder_name, &dir);
	}
	ret = folder_open_lazy(dir.data, &f);
	if (ret == 0)
		ret = save_begin(f, &s);
	if (ret < 0) {
		code = tool_fail(ret, "cannot deliver to %s", user);
		goto out;
	}
	ret = copy_input(s, &sender, have_sender, orig_rcpt ? orig_rcpt : user);
	if (ret < 0) {
		save_abort(&s);
		code = tool_fail(ret, "cannot deliver to %s", user);
		goto out;
	}
	ret = save_finish(&s, 0, 0, 0, &uid);
	if (ret < 0) {
		code = tool_fail(ret, "cannot deliver to %s", user);
		goto out;
	}
	log_info("delivered to %s/%s uid %u from <%s>", user, folder_name, uid,
		 sender.data);
	code = EX_OK;
out:
	folder_free(&f);
	mailbox_free(&mbox);
	buf_release(&sender);
	buf_release(&dir);
	return code;
}

const struct cmd cmd_deliver = {
	"deliver", "deliver a message from standard input (for an MTA)",
	"usage: mailtree deliver [-f SENDER] [-m FOLDER] [-a ADDRESS] USER < message\n"
	"Stores the message in USER's INBOX (or FOLDER, falling back to INBOX\n"
	"when it does not exist), adding Return-Path (from -f, or from a leading\n"
	"mbox \"From \" line, which is removed) and Delivered-To (ADDRESS, or\n"
	"USER).  The message is on disk before it exits 0.\n"
	"Exit codes (sysexits): 0 delivered, 64 usage, 65 bad data, 67 no such\n"
	"user, 75 temporary failure (disk full, lock timeout: retry later).\n",
	run,
};
