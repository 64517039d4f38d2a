/*
 * Importing (fs/import.h): reading another Maildir without touching it,
 * folder listing of a Maildir++ tree, keeping UIDVALIDITY and UIDs into an
 * empty folder, new UIDs into a non-empty one, keyword translation,
 * messages renamed or expunged while an import runs, mbox and single
 * message imports, on real directories under $MAILTREE_TMP.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "folder.h"
#include "import.h"
#include "maildir-name.h"
#include "uidlist.h"
#include "util.h"
#include "../tap.h"

static char *tmpdir;

static void make_tmpdir(void)
{
	tmpdir = tap_tmpdir("test-import");
}

/* Writes dir/name with the given text (and mtime when not 0). */
static void put(const char *dir, const char *name, const char *text,
		time_t mtime)
{
	struct buf p = BUF_INIT;
	struct timespec ts[2];
	int fd;

	buf_printf(&p, "%s/%s", dir, name);
	fd = open(p.data, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write_full(fd, text, strlen(text)) < 0)
		fatal("cannot write %s", p.data);
	if (mtime != 0) {
		ts[0].tv_sec = ts[1].tv_sec = mtime;
		ts[0].tv_nsec = ts[1].tv_nsec = 0;
		futimens(fd, ts);
	}
	close(fd);
	buf_release(&p);
}

static char *path_of(const char *a, const char *b)
{
	struct buf p = BUF_INIT;

	buf_printf(&p, "%s/%s", a, b);
	return buf_detach(&p);
}

/* The bytes of message uid in f. */
static void msg_bytes(struct folder *f, uint32_t uid, struct buf *out)
{
	char chunk[4096];
	ssize_t n;
	int fd;

	buf_reset(out);
	if (folder_msg_open(f, uid, &fd) < 0)
		return;
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		buf_append(out, chunk, (size_t)n);
	close(fd);
}

static struct folder *new_folder(const char *name)
{
	char *dir = path_of(tmpdir, name);
	struct folder *f = NULL;

	if (folder_create_dirs(dir, false) < 0 || folder_open(dir, &f) < 0)
		fatal("cannot make folder %s", dir);
	free(dir);
	return f;
}

/* A source Maildir as Dovecot leaves one. */
static char *make_source(const char *name, const char *uidlist)
{
	char *dir = path_of(tmpdir, name);

	if (folder_create_dirs(dir, false) < 0)
		fatal("mkdir");
	put(dir, "cur/1000.A.h:2,S", "Subject: a\n\nA\n", 1500000000);
	put(dir, "cur/1001.B.h:2,FSab", "Subject: b\n\nB\n", 1500000001);
	put(dir, "new/1002.C.h", "Subject: c\r\n\r\nC\r\n", 1500000002);
	put(dir, "new/0999.N.h", "Subject: n\n\nN\n", 1500000003);
	put(dir, "cur/.hidden", "not mail", 0);
	if (uidlist != NULL)
		put(dir, "dovecot-uidlist", uidlist, 0);
	put(dir, "dovecot-keywords", "0 $Junk\n1 work\n", 0);
	return dir;
}

static void test_source(void)
{
	char *dir = make_source("src1", "3 V777 N50\n5 :1000.A.h\n9 :1001.B.h\n"
				"42 :1002.C.h\n");
	struct maildir_source *src = NULL;

	ok(maildir_source_open(dir, &src) == 0, "source opens");
	is_int(src->count, 4, "four messages, the dot file is not one");
	is_int(src->uidlist.uidvalidity, 777, "UIDVALIDITY read");
	is_int(src->uidlist.next_uid, 50, "next UID read");
	is_int(src->msgs[0].uid, 5, "UIDs first, in order");
	is_int(src->msgs[1].uid, 9, "UID 9");
	is_int(src->msgs[2].uid, 42, "UID 42");
	is_int(src->msgs[3].uid, 0, "then the message without a UID");
	is_str(src->msgs[3].name, "0999.N.h", "... by name");
	is_int(src->msgs[1].flags, MFLAG_FLAGGED | MFLAG_SEEN, "flags from the name");
	is_int(src->msgs[1].keywords, 3, "keyword letters a and b");
	ok(src->msgs[2].in_new && !src->msgs[0].in_new, "new/ and cur/ told apart");
	is_str(src->keywords.names[1], "work", "source keywords read");
	maildir_source_free(&src);
	ok(src == NULL, "free clears the pointer");

	/* A damaged uidlist: the messages are imported with new UIDs. */
	put(dir, "dovecot-uidlist", "garbage\n", 0);
	ok(maildir_source_open(dir, &src) == 0, "damaged uidlist: still opens");
	ok(!src->uidlist.exists, "... without its UIDs");
	maildir_source_free(&src);
	free(dir);

	dir = path_of(tmpdir, "plain");
	ok(maildir_source_open(dir, &src) == -ENOENT, "no cur/: -ENOENT");
	free(dir);
}

static void test_folders(void)
{
	struct maildir_source_folder *fl = NULL;
	static const char *const subs[] = {
		".Sent", ".A.B", ".Gr&APYA3w-e", ".bad&-x&", "..trash.1",
		".nocur",
	};
	char *root = path_of(tmpdir, "tree");
	size_t i, n = 0;

	folder_create_dirs(root, false);
	for (i = 0; i < ARRAY_SIZE(subs); i++) {
		char *d = path_of(root, subs[i]);

		if (strcmp(subs[i], ".nocur") == 0)
			mkdir(d, 0700);
		else
			folder_create_dirs(d, true);
		free(d);
	}
	ok(maildir_source_folders(root, &fl, &n) == 0, "tree listed");
	is_int(n, 4, "INBOX, Sent, A/B, Größe; bad names and work dirs left out");
	if (n == 4) {
		is_str(fl[0].name, "INBOX", "INBOX first");
		is_str(fl[0].dir, root, "... the root itself");
		is_str(fl[1].name, "A/B", "levels decoded");
		is_str(fl[2].name, "Größe", "modified UTF-7 decoded");
		is_str(fl[3].name, "Sent", "sorted");
	}
	maildir_source_folders_free(fl, n);
	free(root);
}

static void test_keep_uids(void)
{
	char *dir = make_source("src2", "3 V777 N50\n5 :1000.A.h\n9 :1001.B.h\n"
				"42 :1002.C.h\n");
	struct maildir_source *src = NULL;
	struct folder *f = new_folder("dst2");
	struct import_progress p;
	struct buf b = BUF_INIT;
	bool kept = false;
	struct message *m;

	import_progress_init(&p, NULL, NULL);
	/* Some other keyword holds letter a in the target. */
	ok(folder_keyword_index(f, "$Label1", true) == 0, "target letter a taken");
	maildir_source_open(dir, &src);
	ok(import_maildir_folder(src, f, &p, &kept) == 0, "import into an empty folder");
	ok(kept, "UIDs kept");
	is_int(p.messages, 4, "four messages counted");
	is_int(p.bytes, 14 + 14 + 17 + 14, "their bytes counted");
	folder_sync(f);
	is_int(f->count, 4, "four messages in the folder");
	is_int(folder_uidvalidity(f), 777, "UIDVALIDITY of the source");
	if (f->count == 4) {
		is_int(f->msgs[0].uid, 5, "UID 5");
		is_int(f->msgs[1].uid, 9, "UID 9");
		is_int(f->msgs[2].uid, 42, "UID 42");
		is_int(f->msgs[3].uid, 50, "the UID-less message after the source's next UID");
		is_int(f->msgs[1].keywords, 6, "$Junk and work became letters b and c");
		is_str(folder_keyword_name(f, 1), "$Junk", "letter b is $Junk");
		is_int(f->msgs[1].flags, MFLAG_FLAGGED | MFLAG_SEEN, "flags kept");
		is_int(f->msgs[1].internal_date, 1500000001, "mtime is the internal date");
		ok(f->msgs[2].in_new, "flagless message stays in new/");
	}
	is_int(folder_uidnext(f), 51, "next UID");
	struct folder *again = NULL;
	ok(folder_open(f->dir, &again) == 0 && again->count == 4,
	   "a fresh open (from the index) sees the four messages");
	folder_free(&again);
	msg_bytes(f, 42, &b);
	is_str(b.data, "Subject: c\r\n\r\nC\r\n", "bytes unchanged");

	/* A second import finds the folder in use: new UIDs. */
	ok(import_maildir_folder(src, f, &p, &kept) == 0, "import again");
	ok(!kept, "UIDs not kept this time");
	folder_sync(f);
	is_int(f->count, 8, "eight messages");
	if (f->count == 8)
		is_int(f->msgs[4].uid, 51, "new UIDs follow");
	is_int(folder_uidvalidity(f), 777, "UIDVALIDITY unchanged");
	maildir_source_free(&src);

	/* The file was renamed (flags changed) after the scan: found again.
	 * Another was expunged: counted, not an error. */
	struct folder *g = new_folder("dst3");
	char *from = path_of(dir, "cur/1000.A.h:2,S");
	char *to = path_of(dir, "cur/1000.A.h:2,RS");
	char *gone = path_of(dir, "new/0999.N.h");

	maildir_source_open(dir, &src);
	rename(from, to);
	unlink(gone);
	p.vanished = 0;
	ok(import_maildir_folder(src, g, &p, &kept) == 0, "import with changes under it");
	is_int(p.vanished, 1, "the expunged message is counted");
	folder_sync(g);
	m = folder_find_uid(g, 5);
	ok(m != NULL && m->flags == (MFLAG_ANSWERED | MFLAG_SEEN),
	   "the renamed message has its new flags");
	is_int(g->count, 3, "three messages");
	maildir_source_free(&src);
	folder_free(&g);
	free(from);
	free(to);
	free(gone);

	buf_release(&b);
	import_progress_release(&p);
	folder_free(&f);
	free(dir);
}

static void count_updates(const struct import_progress *p, void *ctx)
{
	(void)p;
	(*(int *)ctx)++;
}

static int fd_of(const char *text)
{
	char *path = path_of(tmpdir, "input");
	int fd;

	put(tmpdir, "input", text, 0);
	fd = open(path, O_RDONLY);
	free(path);
	return fd;
}

static void test_mbox(void)
{
	struct folder *f = new_folder("mbox");
	struct import_progress p;
	struct buf b = BUF_INIT;
	int updates = 0, fd;

	import_progress_init(&p, count_updates, &updates);
	fd = fd_of("From a@b Thu Jan  1 00:00:00 2015\nSubject: 1\n\n>From x\n\n"
		   "From - \nSubject: 2\n\nbody\n");
	ok(import_mbox(f, fd, MBOX_FORMAT_MBOXRD, &p) == 0, "mbox imported");
	close(fd);
	is_int(p.messages, 2, "two messages");
	ok(updates >= 2, "progress reported");
	folder_sync(f);
	msg_bytes(f, 1, &b);
	is_str(b.data, "Subject: 1\n\nFrom x\n", "un-quoted, From_ line and blank line gone");
	is_int(f->count > 0 ? f->msgs[0].internal_date : 0, 1420070400,
	       "internal date from the From_ line");
	ok(f->count > 1 && f->msgs[1].internal_date > 1420070400,
	   "no date: the time of the import");

	fd = fd_of("Subject: not an mbox\n\n");
	ok(import_mbox(f, fd, MBOX_FORMAT_MBOXRD, &p) == -EINVAL, "not an mbox: -EINVAL");
	close(fd);
	ok(strncmp(p.where.data, "not an mbox", 11) == 0, "... with the reader's reason");

	/* A save that fails names the message. */
	char *tmp = path_of(f->dir, "tmp");
	remove_tree(tmp);
	put(f->dir, "tmp", "", 0);
	fd = fd_of("From a@b\nx\n\nFrom c@d\ny\n");
	ok(import_mbox(f, fd, MBOX_FORMAT_MBOXRD, &p) == -ENOTDIR, "save failure returned");
	close(fd);
	is_str(p.where.data, "message 1 (From_ line at byte 0)", "... naming the message");
	free(tmp);

	buf_release(&b);
	import_progress_release(&p);
	folder_free(&f);
}

static void test_message(void)
{
	struct folder *f = new_folder("files");
	struct import_progress p;
	struct buf b = BUF_INIT, big = BUF_INIT;
	size_t i;
	int fd;

	import_progress_init(&p, NULL, NULL);
	fd = fd_of("From x@y Mon Mar  4 05:06:07 2019\r\nSubject: f\r\n\r\n");
	ok(import_message_fd(f, fd, true, 123, &p) == 0, "-F import");
	close(fd);
	fd = fd_of("From x@y Mon Mar  4 05:06:07 2019\r\nSubject: f\r\n\r\n");
	ok(import_message_fd(f, fd, false, 123, &p) == 0, "plain import");
	close(fd);
	/* Larger than one chunk, so the rest streams. */
	buf_puts(&big, "From nobody\nSubject: big\n\n");
	for (i = 0; i < 20000; i++)
		buf_puts(&big, "0123456789\n");
	fd = fd_of(big.data);
	ok(import_message_fd(f, fd, true, 0, &p) == 0, "big message");
	close(fd);
	folder_sync(f);
	msg_bytes(f, 1, &b);
	is_str(b.data, "Subject: f\r\n\r\n", "From_ line (CRLF) dropped");
	is_int(f->count > 0 ? f->msgs[0].internal_date : 0, 1551675967, "its date used");
	msg_bytes(f, 2, &b);
	is_str(b.data, "From x@y Mon Mar  4 05:06:07 2019\r\nSubject: f\r\n\r\n",
	       "without strip_from: unchanged");
	is_int(f->count > 1 ? f->msgs[1].internal_date : 0, 123, "given date used");
	msg_bytes(f, 3, &b);
	ok(b.len == big.len - 12 && memcmp(b.data, big.data + 12, b.len) == 0,
	   "big message streamed whole");
	is_int(p.messages, 3, "three counted");
	buf_release(&b);
	buf_release(&big);
	import_progress_release(&p);
	folder_free(&f);
}

int main(void)
{
	make_tmpdir();
	test_source();
	test_folders();
	test_keep_uids();
	test_mbox();
	test_message();
	remove_tree(tmpdir);
	free(tmpdir);
	return done_testing();
}
