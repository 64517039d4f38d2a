/*
 * Exporting (fs/export.h): the Return-Path of a message as mbox sender,
 * the exact mboxrd bytes of a folder, and a Maildir export with the same
 * file names, dates, keywords, UIDVALIDITY, UIDs and next UID, read back
 * by the import side.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "export.h"
#include "folder.h"
#include "mailbox.h"
#include "maildir-name.h"
#include "mbox.h"
#include "save.h"
#include "uidlist.h"
#include "util.h"
#include "../tap.h"

static char *tmpdir;

static void make_tmpdir(void)
{
	tmpdir = tap_tmpdir("test-export");
}

static char *path_of(const char *a, const char *b)
{
	struct buf p = BUF_INIT;

	buf_printf(&p, "%s/%s", a, b);
	return buf_detach(&p);
}

/* export_return_path() of a message given as text. */
static const char *sender_of(const char *text, struct buf *out)
{
	char *path = path_of(tmpdir, "msg");
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);

	buf_reset(out);
	if (fd < 0 || write_full(fd, text, strlen(text)) < 0)
		fatal("write");
	lseek(fd, 0, SEEK_SET);
	if (export_return_path(fd, out) < 0)
		buf_set(out, "(error)");
	close(fd);
	free(path);
	return out->data;
}

static void test_return_path(void)
{
	struct buf s = BUF_INIT, big = BUF_INIT;
	size_t i;

	is_str(sender_of("Return-Path: <a@example.org>\nSubject: x\n\n", &s),
	       "a@example.org", "angle brackets");
	is_str(sender_of("Subject: x\nreturn-path:  <b@example.org> (c)\n\n", &s),
	       "b@example.org", "any case, any place, comment after");
	is_str(sender_of("Return-Path: <>\n\n", &s), "", "null sender");
	is_str(sender_of("Return-Path: c@example.org junk\n\n", &s),
	       "c@example.org", "bare address");
	is_str(sender_of("Return-Path: <d@example.org>\nReturn-Path: <e@x>\n\n", &s),
	       "d@example.org", "the first one counts");
	is_str(sender_of("Subject: x\n\nReturn-Path: <body@x>\n", &s), "",
	       "not in the body");
	is_str(sender_of("Return-Path:\r\n <f@example.org>\r\n\r\n", &s),
	       "f@example.org", "folded, CRLF");
	is_str(sender_of("", &s), "", "empty message");
	buf_puts(&big, "Return-Path: <");
	for (i = 0; i < MBOX_SENDER_MAX + 1; i++)
		buf_putc(&big, 'a');
	buf_puts(&big, ">\n\n");
	is_str(sender_of(big.data, &s), "", "too long: none");
	/* A header past the first read chunk. */
	buf_reset(&big);
	for (i = 0; i < 10000; i++)
		buf_puts(&big, "X-Pad: 0123456789\n");
	buf_puts(&big, "Return-Path: <late@example.org>\n\n");
	is_str(sender_of(big.data, &s), "late@example.org", "found after 64 KiB");
	buf_release(&s);
	buf_release(&big);
}

static uint32_t save_text(struct folder *f, const char *text, uint32_t flags,
			  uint32_t kw, time_t date)
{
	struct save *s;
	uint32_t uid = 0;

	if (save_begin(f, &s) < 0)
		return 0;
	if (save_write(s, text, strlen(text)) < 0) {
		save_abort(&s);
		return 0;
	}
	if (save_finish(&s, flags, kw, date, &uid) < 0)
		return 0;
	return uid;
}

static void test_mbox(void)
{
	char *dir = path_of(tmpdir, "box");
	struct folder *f = NULL;
	struct mbox_writer w;
	struct import_progress p;
	struct buf out = BUF_INIT;

	folder_create_dirs(dir, false);
	folder_open(dir, &f);
	save_text(f, "Return-Path: <a@example.org>\nSubject: 1\n\nFrom here\n",
		  0, 0, 1420070400);
	save_text(f, "Subject: 2\n\n>From there", MFLAG_SEEN, 0, 1706933106);
	folder_sync(f);
	import_progress_init(&p, NULL, NULL);
	mbox_writer_init_buf(&w, &out);
	ok(export_folder_mbox(f, &w, &p) == 0, "folder written as mbox");
	mbox_writer_flush(&w);
	mbox_writer_release(&w);
	is_str(out.data,
	       "From a@example.org Thu Jan  1 00:00:00 2015\n"
	       "Return-Path: <a@example.org>\nSubject: 1\n\n>From here\n\n"
	       "From MAILER-DAEMON Sat Feb  3 04:05:06 2024\n"
	       "Subject: 2\n\n>>From there\n\n",
	       "exact mboxrd bytes");
	is_int(p.messages, 2, "two messages counted");
	import_progress_release(&p);
	buf_release(&out);
	folder_free(&f);
	free(dir);
}

static void test_maildir(void)
{
	char *dir = path_of(tmpdir, "store");
	char *dest = path_of(tmpdir, "exported");
	struct folder *f = NULL;
	struct maildir_source *src = NULL;
	struct import_progress p;
	struct buf data = BUF_INIT;
	char *path;
	int kw;

	folder_create_dirs(dir, false);
	folder_open(dir, &f);
	kw = folder_keyword_index(f, "$Junk", true);
	save_text(f, "Subject: 1\n\n", 0, 0, 1000000000);
	save_text(f, "Subject: 2\n\n", MFLAG_FLAGGED, 1u << kw, 1000000001);
	save_text(f, "Subject: 3\n\n", MFLAG_SEEN, 0, 1000000002);
	folder_sync(f);
	folder_expunge(f, 1);
	folder_sync(f);

	import_progress_init(&p, NULL, NULL);
	ok(export_folder_maildir(f, dest, true, &p) == 0, "folder written as Maildir");
	is_int(p.messages, 2, "two messages");
	path = path_of(dest, "maildirfolder");
	ok(access(path, F_OK) == 0, "maildirfolder made");
	free(path);
	path = path_of(dest, "dovecot-keywords");
	read_file_small(path, 4096, &data);
	is_str(data.data, "0 $Junk\n", "keywords written");
	free(path);

	ok(maildir_source_open(dest, &src) == 0, "the export reads as a Maildir");
	if (src != NULL && src->count == 2 && f->count == 2) {
		is_int(src->uidlist.uidvalidity, folder_uidvalidity(f), "same UIDVALIDITY");
		is_int(src->uidlist.next_uid, 4, "same next UID, above the expunged one");
		is_str(src->uidlist.guid, f->uidlist.guid, "same mailbox GUID");
		is_int(src->msgs[0].uid, 2, "UID 2");
		is_int(src->msgs[1].uid, 3, "UID 3");
		is_str(src->msgs[0].name, f->msgs[0].name, "same file name");
		is_int(src->msgs[0].keywords, 1u << kw, "same keyword letter");
		is_int(src->msgs[1].flags, MFLAG_SEEN, "same flags");
		path = path_of(dest, "cur");
		struct buf p2 = BUF_INIT;
		struct stat st;

		buf_printf(&p2, "%s/%s", path, src->msgs[1].name);
		ok(stat(p2.data, &st) == 0 && st.st_mtime == 1000000002,
		   "mtime is the internal date");
		buf_release(&p2);
		free(path);
	} else {
		ok(0, "two messages exported");
	}
	struct folder *t = NULL;
	ok(folder_open(dest, &t) == 0 && t->count == 2, "the export opens as a folder");
	folder_free(&t);
	maildir_source_free(&src);

	/* The whole mailbox. */
	char *root = path_of(tmpdir, "mbox-root");
	char *tree = path_of(tmpdir, "tree");
	struct mailbox *mb = NULL;
	struct folder *g = NULL;
	unsigned int n = 0;

	static const char *const folders[] = { "Sent", "A/Größe", NULL };
	mailbox_create(root, folders);
	mailbox_open(root, &mb);
	mailbox_folder_open(mb, "A/Größe", &g);
	save_text(g, "Subject: g\n\n", 0, 0, 0);
	folder_free(&g);
	ok(export_mailbox_maildir(mb, tree, &p, &n) == 0, "mailbox written as a tree");
	is_int(n, 4, "INBOX, A, A/Größe, Sent");
	path = path_of(tree, ".A.Gr&APYA3w-e/dovecot-uidlist");
	ok(access(path, F_OK) == 0, "sub-folder in modified UTF-7");
	free(path);
	path = path_of(tree, "subscriptions");
	ok(access(path, F_OK) == 0, "subscriptions copied");
	free(path);
	mailbox_free(&mb);
	free(root);
	free(tree);

	import_progress_release(&p);
	buf_release(&data);
	folder_free(&f);
	free(dir);
	free(dest);
}

int main(void)
{
	make_tmpdir();
	test_return_path();
	test_mbox();
	test_maildir();
	remove_tree(tmpdir);
	free(tmpdir);
	return done_testing();
}
