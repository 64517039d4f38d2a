/* mailtree message: list, show, flag, expunge, copy and move messages. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "cmd.h"
#include "folder.h"
#include "index.h"
#include "mailbox.h"
#include "maildir-name.h"
#include "util.h"

static void print_flags(const struct folder *f, const struct message *m)
{
	struct buf names = BUF_INIT;

	folder_flag_names(f, m, &names);
	fputs(names.data, stdout);
	buf_release(&names);
}

static int list(struct folder *f)
{
	struct buf subject = BUF_INIT;
	char date[32];
	size_t i;

	for (i = 0; i < f->count; i++) {
		const struct message *m = &f->msgs[i];
		struct tm tm;

		gmtime_r(&m->internal_date, &tm);
		strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", &tm);
		index_header(m, "Subject", &subject);
		printf("%u\t%llu\t%s\t(", m->uid, (unsigned long long)m->size, date);
		print_flags(f, m);
		printf(")\t%s\n", subject.data);
	}
	buf_release(&subject);
	return EX_OK;
}

static int parse_uid(const char *s, uint32_t *uid_r)
{
	if (parse_u32(s, uid_r) < 0 || *uid_r == 0) {
		log_error("\"%s\" is not a UID", s);
		return EX_USAGE;
	}
	return EX_OK;
}

/* "+\Seen", "-$Junk", or "\Seen" (= add). */
static int apply_flag(struct folder *f, const char *spec, uint32_t *flags,
		      uint32_t *kw)
{
	bool add = spec[0] != '-';
	const char *name = spec[0] == '+' || spec[0] == '-' ? spec + 1 : spec;
	size_t i;
	int idx;

	for (i = 0; i < ARRAY_SIZE(folder_system_flags); i++) {
		if (strcasecmp(name, folder_system_flags[i].name) == 0) {
			if (add)
				*flags |= folder_system_flags[i].bit;
			else
				*flags &= ~folder_system_flags[i].bit;
			return EX_OK;
		}
	}
	if (!add && strcasecmp(name, FOLDER_FORWARDED) == 0)
		*flags &= ~(uint32_t)MFLAG_PASSED;
	if (name[0] == '\\' || !keyword_name_valid(name)) {
		log_error("\"%s\" is not a flag or keyword", name);
		return EX_USAGE;
	}
	idx = folder_keyword_index(f, name, add);
	if (idx == -ENOENT && !add)
		return EX_OK;
	if (idx < 0)
		return tool_fail(idx, "keyword %s", name);
	if (add)
		*kw |= 1u << idx;
	else
		*kw &= ~(1u << idx);
	return EX_OK;
}

static int write_stdout(void *ctx, const void *data, size_t len)
{
	(void)ctx;
	return write_full(1, data, len);
}

static int cat(struct folder *f, uint32_t uid)
{
	int fd, ret;

	ret = folder_msg_open(f, uid, &fd);
	if (ret == 0) {
		ret = fd_copy(fd, write_stdout, NULL);
		close(fd);
	}
	if (ret < 0)
		return tool_fail(ret, "message %u", uid);
	return EX_OK;
}

static int run(int argc, char **argv)
{
	struct mailbox *mbox = NULL;
	struct folder *f = NULL, *dst = NULL;
	const char *verb;
	uint32_t uid, new_uid;
	int code, ret = 0, i;

	if ((code = tool_need_store()) != EX_OK)
		return code;
	if (argc < 4)
		return tool_usage(&cmd_message, true);
	verb = argv[1];
	if ((code = tool_open_user(argv[2], &mbox)) != EX_OK)
		return code;
	if ((code = tool_open_folder(mbox, argv[3], &f)) != EX_OK)
		goto out;
	if (strcmp(verb, "list") == 0 && argc == 4) {
		code = list(f);
	} else if (strcmp(verb, "cat") == 0 && argc == 5) {
		if ((code = parse_uid(argv[4], &uid)) == EX_OK)
			code = cat(f, uid);
	} else if (strcmp(verb, "flag") == 0 && argc >= 6) {
		struct message *m;
		uint32_t flags, kw;

		if ((code = parse_uid(argv[4], &uid)) != EX_OK)
			goto out;
		if ((m = folder_find_uid(f, uid)) == NULL) {
			log_error("no message with UID %u", uid);
			code = EX_DATAERR;
			goto out;
		}
		flags = m->flags;
		kw = m->keywords;
		for (i = 5; i < argc && code == EX_OK; i++)
			code = apply_flag(f, argv[i], &flags, &kw);
		if (code == EX_OK)
			ret = folder_set_flags(f, uid, flags, kw);
	} else if (strcmp(verb, "expunge") == 0 && argc >= 5) {
		for (i = 4; i < argc && code == EX_OK && ret == 0; i++) {
			if ((code = parse_uid(argv[i], &uid)) == EX_OK)
				ret = folder_expunge(f, uid);
		}
	} else if ((strcmp(verb, "copy") == 0 || strcmp(verb, "move") == 0) &&
		   argc == 6) {
		if ((code = parse_uid(argv[4], &uid)) != EX_OK ||
		    (code = tool_open_folder(mbox, argv[5], &dst)) != EX_OK)
			goto out;
		ret = verb[0] == 'c' ? folder_copy(f, uid, dst, &new_uid)
				     : folder_move(f, uid, dst, &new_uid);
		if (ret == 0)
			printf("%u\n", new_uid);
	} else {
		code = tool_usage(&cmd_message, true);
	}
	if (ret == -ENOENT) {
		log_error("no such message");
		code = EX_DATAERR;
	} else if (ret < 0) {
		code = tool_fail(ret, "message %s", verb);
	}
out:
	folder_free(&f);
	folder_free(&dst);
	mailbox_free(&mbox);
	return code;
}

const struct cmd cmd_message = {
	"message", "list, show, flag, expunge, copy and move messages",
	"usage: mailtree message list USER FOLDER\n"
	"       mailtree message cat USER FOLDER UID\n"
	"       mailtree message flag USER FOLDER UID [+|-]FLAG...\n"
	"       mailtree message expunge USER FOLDER UID...\n"
	"       mailtree message copy|move USER FOLDER UID DEST-FOLDER\n"
	"list prints UID, size, internal date, flags and subject, one message\n"
	"a line.  FLAG is \\Seen, \\Answered, \\Flagged, \\Deleted, \\Draft\n"
	"or a keyword such as $Forwarded or $Junk; + (default) sets it, - clears\n"
	"it.  copy and move print the new UID.\n",
	run,
};
