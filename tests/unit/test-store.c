/*
 * The Maildir store: file names, dovecot-uidlist, dovecot-keywords, saving,
 * syncing, flags, expunge, copy, move, the index and folder names, on real
 * directories under $MAILTREE_TMP.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "folder-int.h"
#include "index.h"
#include "mailbox.h"
#include "maildir-name.h"
#include "save.h"
#include "uidlist.h"
#include "util.h"
#include "../tap.h"
#include "files-test.h"

static char *tmpdir;

static void make_tmpdir(void)
{
	tmpdir = tap_tmpdir("test-store");
}

static uint32_t save_msg(struct folder *f, const char *text, uint32_t flags)
{
	struct save *s;
	uint32_t uid = 0;

	if (save_begin(f, &s) < 0)
		return 0;
	if (save_write(s, text, strlen(text)) < 0) {
		save_abort(&s);
		return 0;
	}
	if (save_finish(&s, flags, 0, 1000000000, &uid) < 0)
		return 0;
	return uid;
}

static void read_whole(const char *path, struct buf *out)
{
	if (read_file_small(path, 1 << 20, out) < 0)
		buf_reset(out);
}

static void test_names(void)
{
	struct maildir_name mn;
	struct buf b = BUF_INIT;

	ok(maildir_name_parse("1234.M5P6Q7.host,S=100,W=104:2,FSab", &mn) == 0,
	   "parse a Dovecot file name");
	is_int(mn.base_len, strlen("1234.M5P6Q7.host,S=100,W=104"), "base length");
	is_int(mn.size, 100, "S= size");
	is_int(mn.vsize, 104, "W= virtual size");
	is_int(mn.flags, MFLAG_FLAGGED | MFLAG_SEEN, "flags F and S");
	is_int(mn.keywords, 3, "keywords a and b");
	ok(maildir_name_parse("x:2,S,extra", &mn) == 0 && mn.extra != NULL &&
	   strcmp(mn.extra, "extra") == 0, "info after ',' is kept aside");
	ok(maildir_name_parse(".hidden", &mn) < 0, "dot files are not messages");
	ok(maildir_name_parse("1.M1.h", &mn) == 0 && mn.size == UINT64_MAX,
	   "no S= means unknown size");
	maildir_name_info(&b, MFLAG_SEEN | MFLAG_DRAFT | MFLAG_ANSWERED |
			  MFLAG_DELETED | MFLAG_FLAGGED | MFLAG_PASSED, 1u << 25 | 1, NULL);
	is_str(b.data, ":2,DFPRSTaz", "flags are written in ASCII order");
	buf_release(&b);
}

static void test_uidlist(void)
{
	struct buf dir = BUF_INIT, path = BUF_INIT, data = BUF_INIT;
	struct uidlist ul;
	static const char dovecot[] =
		"3 V1275660208 N25 G3085f01b7f11094c501100008c4a11c1\n"
		"1 :1275660208.M1P1.host,S=10,W=12\n"
		"20 W1234 S1200 :1275660209.M2P1.host\n";

	buf_printf(&dir, "%s/uidlist", tmpdir);
	mkdir(dir.data, 0700);
	buf_printf(&path, "%s/" UIDLIST_NAME, dir.data);
	write_file_atomic(path.data, dovecot, sizeof(dovecot) - 1, 0600);

	uidlist_init(&ul, dir.data);
	is_int(uidlist_refresh(&ul), 1, "read a Dovecot uidlist");
	is_int(ul.uidvalidity, 1275660208, "UIDVALIDITY from V");
	is_int(ul.next_uid, 25, "next UID from N");
	is_str(ul.guid, "3085f01b7f11094c501100008c4a11c1", "mailbox GUID");
	is_int(ul.count, 2, "two records");
	ok(uidlist_find_uid(&ul, 20) != NULL &&
	   strcmp(uidlist_find_uid(&ul, 20)->base, "1275660209.M2P1.host") == 0,
	   "record 20 maps to its base name");
	ok(uidlist_find_base(&ul, "1275660208.M1P1.host,S=10,W=12",
			     strlen("1275660208.M1P1.host,S=10,W=12"))->uid == 1,
	   "lookup by base name");
	is_int(uidlist_add(&ul, "new.msg", 7), 25, "new UIDs start at N");
	ok(uidlist_write(&ul, false) == 0, "append a record");
	read_whole(path.data, &data);
	ok(strncmp(data.data, dovecot, sizeof(dovecot) - 1) == 0,
	   "appending leaves the existing bytes alone");
	is_str(data.data + sizeof(dovecot) - 1, "25 :new.msg\n",
	       "the appended line is in Dovecot's format");
	ok(uidlist_write(&ul, true) == 0, "rewrite the whole file");
	read_whole(path.data, &data);
	is_str(data.data,
	       "3 V1275660208 N26 G3085f01b7f11094c501100008c4a11c1\n"
	       "1 :1275660208.M1P1.host,S=10,W=12\n"
	       "20 W1234 S1200 :1275660209.M2P1.host\n"
	       "25 :new.msg\n", "rewritten file keeps UIDs, extensions, GUID");
	uidlist_release(&ul);

	/* A second reader sees appended lines incrementally. */
	struct uidlist ul2;
	uidlist_init(&ul2, dir.data);
	uidlist_refresh(&ul2);
	uidlist_init(&ul, dir.data);
	uidlist_refresh(&ul);
	uidlist_add(&ul, "another", 7);
	uidlist_write(&ul, false);
	is_int(uidlist_refresh(&ul2), 1, "a reader notices an append");
	is_int(ul2.count, 4, "and reads the new record");
	is_int(ul2.next_uid, 27, "next UID follows the last record");
	uidlist_release(&ul);
	uidlist_release(&ul2);

	/* A file that grows one byte at a time (a writer appending while we
	 * read) gives the same records as reading it whole. */
	static const char grown[] = "3 V99 N1 G0123456789abcdef0123456789abcdef\n"
				    "1 :one\n" "2 W7 :two\n" "5 :five\n";
	int gfd = open(path.data, O_WRONLY | O_TRUNC | O_CREAT, 0600);
	uidlist_init(&ul, dir.data);
	size_t gi;
	bool stayed_sane = true;
	for (gi = 0; gi < sizeof(grown) - 1; gi++) {
		if (write(gfd, grown + gi, 1) != 1)
			break;
		uidlist_refresh(&ul);
		if (ul.count > 3)
			stayed_sane = false;
	}
	close(gfd);
	uidlist_refresh(&ul);
	ok(stayed_sane && ul.count == 3 && ul.uidvalidity == 99 &&
	   ul.next_uid == 6 && !ul.broken &&
	   strcmp(uidlist_find_uid(&ul, 2)->base, "two") == 0,
	   "reading a uidlist as it grows byte by byte gives the whole file");
	uidlist_release(&ul);

	/* Damage: a broken line is skipped and flagged, never fatal. */
	static const char broken[] = "3 V7 N3 G00000000000000000000000000000000\n"
				     "1 :a\n" "garbage\n" "2 :b\n";
	write_file_atomic(path.data, broken, sizeof(broken) - 1, 0600);
	uidlist_init(&ul, dir.data);
	uidlist_refresh(&ul);
	ok(ul.broken && ul.count == 2, "a broken line is skipped and reported");
	uidlist_release(&ul);
	buf_release(&dir);
	buf_release(&path);
	buf_release(&data);
}

static void test_folder(void)
{
	struct buf dir = BUF_INIT, p = BUF_INIT, data = BUF_INIT, other = BUF_INIT;
	struct folder *f = NULL, *g = NULL, *h = NULL;
	struct message *m;
	uint32_t u1, u2, u3, nu;
	uint64_t ms;
	int idx;

	buf_printf(&dir, "%s/box", tmpdir);
	ok(folder_create_dirs(dir.data, false) == 0, "create a Maildir");
	ok(folder_open(dir.data, &f) == 0, "open it");
	is_int(f->count, 0, "empty");
	ok(folder_uidvalidity(f) != 0, "a new folder gets a UIDVALIDITY");

	u1 = save_msg(f, "Subject: one\n\nbody\n", 0);
	u2 = save_msg(f, "Subject: two\r\n\r\nbody\r\n", MFLAG_SEEN);
	u3 = save_msg(f, "Subject: three\n\nx\n", 0);
	ok(u1 == 1 && u2 == 2 && u3 == 3, "saves get UIDs 1, 2, 3");
	buf_printf(&p, "%s/new", dir.data);
	is_int(count_files(p.data), 2, "messages without flags are in new/");
	buf_reset(&p);
	buf_printf(&p, "%s/tmp", dir.data);
	is_int(count_files(p.data), 0, "nothing is left in tmp/");

	ok(folder_sync(f) == 1, "sync sees the new messages");
	is_int(f->count, 3, "three messages");
	m = folder_find_uid(f, 2);
	ok(m != NULL && m->flags == MFLAG_SEEN, "flags given at save are kept");
	ok(m != NULL && m->size == strlen("Subject: two\r\n\r\nbody\r\n") &&
	   m->vsize == m->size, "CRLF message: vsize = size");
	m = folder_find_uid(f, 1);
	ok(m != NULL && m->vsize == m->size + 3, "LF message: vsize counts CRs");
	ok(m != NULL && m->internal_date == 1000000000, "internal date = mtime");
	index_header(m, "subject", &data);
	is_str(data.data, "one", "the index caches Subject");
	ok(strstr(m->name, ",S=19,W=22") != NULL, "file name carries S= and W=");

	ms = f->highest_modseq;
	ok(folder_set_flags(f, 1, MFLAG_FLAGGED, 0) == 0, "set \\Flagged");
	m = folder_find_uid(f, 1);
	ok(m->modseq > ms, "a flag change raises the MODSEQ");
	ok(!m->in_new && strstr(m->name, ":2,F") != NULL, "renamed into cur/ with F");

	idx = folder_keyword_index(f, "$Junk", true);
	is_int(idx, 0, "first keyword gets letter a");
	ok(folder_set_flags(f, 1, MFLAG_FLAGGED, 1u << idx) == 0, "set a keyword");
	buf_reset(&p);
	buf_printf(&p, "%s/dovecot-keywords", dir.data);
	read_whole(p.data, &data);
	is_str(data.data, "0 $Junk\n", "dovecot-keywords maps a to $Junk");
	ok(strstr(folder_find_uid(f, 1)->name, ":2,Fa") != NULL, "letter a in the name");

	/* A second view of the same folder sees the change. */
	ok(folder_open(dir.data, &g) == 0, "a second process opens the folder");
	m = folder_find_uid(g, 1);
	ok(m != NULL && m->flags == MFLAG_FLAGGED && m->keywords == 1,
	   "and sees the flags");
	is_int(g->highest_modseq, f->highest_modseq, "and the same MODSEQ");

	ok(folder_expunge(f, 2) == 0, "expunge UID 2");
	ok(folder_find_uid(f, 2) == NULL, "gone from the view");
	is_int(folder_expunge(f, 2), -ENOENT, "expunging again says ENOENT");
	ok(folder_sync(g) == 1 && folder_find_uid(g, 2) == NULL,
	   "the other view sees the expunge");

	buf_printf(&other, "%s/box2", tmpdir);
	folder_create_dirs(other.data, true);
	folder_open(other.data, &h);
	ok(folder_copy(f, 1, h, &nu) == 0 && nu == 1, "copy gets UID 1 there");
	folder_sync(h);
	m = folder_find_uid(h, 1);
	ok(m != NULL && m->flags == MFLAG_FLAGGED &&
	   folder_keyword_name(h, 0) != NULL &&
	   strcmp(folder_keyword_name(h, 0), "$Junk") == 0 && m->keywords == 1,
	   "copy keeps flags and keywords");
	ok(m != NULL && m->internal_date == 1000000000, "copy keeps the internal date");
	ok(folder_move(f, 3, h, &nu) == 0 && nu == 2, "move gets the next UID");
	folder_sync(f);
	ok(folder_find_uid(f, 3) == NULL, "moved message left the source");
	is_int(save_msg(f, "Subject: four\n\n", 0), 4, "UIDs are never reused");

	/* Two processes on one folder agree on MODSEQs: a change made by
	 * one gets one MODSEQ, which the other adopts rather than giving
	 * the same change a MODSEQ of its own. */
	struct folder *pa = NULL, *pb = NULL;
	folder_open(dir.data, &pa);
	folder_open(dir.data, &pb);
	ok(folder_set_flags(pa, 1, MFLAG_SEEN, 0) == 0, "A changes flags of 1");
	uint64_t ma = folder_find_uid(pa, 1)->modseq;
	folder_sync(pb);
	ok(folder_find_uid(pb, 1) != NULL && folder_find_uid(pb, 1)->modseq == ma &&
	   pb->highest_modseq == pa->highest_modseq,
	   "B sees A's change with A's MODSEQ");
	ok(folder_set_flags(pb, 4, MFLAG_FLAGGED, 0) == 0, "B changes flags of 4");
	uint64_t mb = folder_find_uid(pb, 4)->modseq;
	ok(mb > ma, "B's change gets a higher MODSEQ");
	folder_sync(pa);
	ok(folder_find_uid(pa, 4)->modseq == mb && pa->highest_modseq == mb,
	   "A adopts B's MODSEQ");
	buf_reset(&p);
	buf_printf(&p, "%s/" CHANGES_NAME, dir.data);
	read_whole(p.data, &data);
	char want_a[64], want_b[64];
	snprintf(want_a, sizeof(want_a), "%llu 1 F\n", (unsigned long long)ma);
	snprintf(want_b, sizeof(want_b), "%llu 4 F\n", (unsigned long long)mb);
	char *first = strstr(data.data, want_a);
	ok(first != NULL && strstr(first + strlen(want_a), " 1 F\n") == NULL &&
	   strstr(data.data, want_b) != NULL,
	   "the change log has each change once");
	folder_free(&pa);
	folder_free(&pb);

	/* Flag changes and expunges rewrite one record in place. */
	struct stat ist1, ist2;
	struct folder *q = NULL;
	buf_reset(&p);
	buf_printf(&p, "%s/" INDEX_NAME, dir.data);
	folder_open(dir.data, &q);
	stat(p.data, &ist1);
	ok(folder_set_flags(q, 4, MFLAG_ANSWERED, 0) == 0, "flag 4 \\Answered");
	stat(p.data, &ist2);
	ok(ist1.st_ino == ist2.st_ino, "the index was updated in place");
	uint64_t m4 = folder_find_uid(q, 4)->modseq;
	folder_free(&q);
	folder_open(dir.data, &q);
	ok(folder_find_uid(q, 4) != NULL &&
	   folder_find_uid(q, 4)->flags == MFLAG_ANSWERED &&
	   folder_find_uid(q, 4)->modseq == m4 && q->highest_modseq >= m4,
	   "a fresh open reads the updated record");
	folder_free(&q);
	/* A damaged record is noticed and the index rebuilt from the files. */
	int ifd = open(p.data, O_RDWR);
	char junk = 'x';
	if (ifd >= 0) {
		pwrite(ifd, &junk, 1, (off_t)(ist2.st_size - 1 - 40));
		close(ifd);
	}
	folder_open(dir.data, &q);
	ok(q != NULL && folder_find_uid(q, 4) != NULL &&
	   folder_find_uid(q, 4)->flags == MFLAG_ANSWERED &&
	   q->highest_modseq >= m4, "a damaged index is rebuilt, MODSEQs kept above");
	folder_free(&q);

	/* With cur/ unchanged since the last sync, a delivery into new/ is
	 * found without listing cur/, and the messages in cur/ stay. */
	struct timespec old_times[2] = { { 1600000000, 0 }, { 1600000000, 0 } };
	buf_reset(&p);
	buf_printf(&p, "%s/cur", dir.data);
	utimensat(AT_FDCWD, p.data, old_times, 0);
	folder_open(dir.data, &q);
	size_t before = q->count;
	ok(q->cur_mtime.tv_sec == 1600000000, "a settled cur/ mtime is recorded");
	uint32_t nu2 = save_msg(q, "Subject: five\n\n", 0);
	ok(folder_sync(q) == 1 && q->count == before + 1 &&
	   folder_find_uid(q, nu2) != NULL && folder_find_uid(q, 1) != NULL,
	   "new mail seen, messages in cur/ kept, without listing cur/");
	folder_free(&q);

	/* The index is derived: deleting it loses nothing. */
	folder_free(&g);
	buf_reset(&p);
	buf_printf(&p, "%s/" INDEX_NAME, dir.data);
	unlink(p.data);
	ok(folder_open(dir.data, &g) == 0 && g->count == 3 && folder_find_uid(g, nu2) != NULL &&
	   folder_find_uid(g, 1) != NULL && folder_find_uid(g, 4) != NULL,
	   "index deleted: rebuilt with the same UIDs");
	ok(g->highest_modseq >= f->highest_modseq,
	   "and MODSEQs do not go backwards");
	folder_free(&f);
	folder_free(&g);
	folder_free(&h);
	buf_release(&dir);
	buf_release(&p);
	buf_release(&data);
	buf_release(&other);
}

static void test_mailbox(void)
{
	struct buf root = BUF_INIT, d = BUF_INIT;
	struct mailbox *mbox;
	const char *why;
	char **names;
	size_t n;

	buf_printf(&root, "%s/mb", tmpdir);
	ok(mailbox_create(root.data, mailbox_default_folders) == 0,
	   "create a mailbox with the default folders");
	ok(mailbox_open(root.data, &mbox) == 0, "open it");
	ok(mailbox_folder_create(mbox, "Archive/2024") == 0, "create Archive/2024");
	mailbox_folder_dir(mbox, "Archive/2024", &d);
	ok(strstr(d.data, "/.Archive.2024") != NULL, "stored as .Archive.2024");
	ok(mailbox_folder_create(mbox, "Entwürfe") == 0, "create a non-ASCII folder");
	mailbox_folder_dir(mbox, "Entwürfe", &d);
	ok(strstr(d.data, "/.Entw&APw-rfe") != NULL, "stored in modified UTF-7");
	is_int(mailbox_folder_create(mbox, "Archive/2024"), -EEXIST, "no duplicates");
	is_int(mailbox_name_check("../etc", &why), -EINVAL, "'..' refused");
	is_int(mailbox_name_check("/abs", &why), -EINVAL, "leading '/' refused");
	is_int(mailbox_name_check("a\001b", &why), -EINVAL, "control bytes refused");
	is_int(mailbox_name_check("a//b", &why), -EINVAL, "empty level refused");
	is_int(mailbox_name_check("", &why), -EINVAL, "empty name refused");
	ok(mailbox_list(mbox, &names, &n) == 0 && n == 8 &&
	   strcmp(names[0], "INBOX") == 0, "INBOX first, then the folders");
	mailbox_list_free(names, n);
	ok(mailbox_folder_rename(mbox, "Archive", "Old") == 0, "rename with children");
	ok(mailbox_folder_exists(mbox, "Old/2024") && !mailbox_folder_exists(mbox, "Archive/2024"),
	   "the child moved along");
	ok(mailbox_folder_rename(mbox, "Entwürfe", "Neu/Entwürfe") == 0 &&
	   mailbox_folder_exists(mbox, "Neu"), "rename creates missing parents");
	ok(mailbox_folder_delete(mbox, "Old", true) == 0 &&
	   !mailbox_folder_exists(mbox, "Old/2024"), "delete with children");
	is_int(mailbox_folder_delete(mbox, "INBOX", false), -EPERM, "INBOX stays");
	ok(mailbox_subscriptions(mbox, &names, &n) == 0 && n == 4,
	   "subscriptions follow rename and delete");
	mailbox_list_free(names, n);
	buf_reset(&d);
	buf_printf(&d, "%s/subscriptions", root.data);
	struct buf data = BUF_INIT;
	read_whole(d.data, &data);
	ok(strncmp(data.data, "V\t2\n\n", 5) == 0, "subscriptions in Dovecot's v2 format");
	buf_release(&data);
	mailbox_free(&mbox);
	buf_release(&root);
	buf_release(&d);
}

/* A long-lived process leaves new mail out of the index for a while
 * (folder_defer_index_rewrites()); the file stays valid meanwhile. */
static size_t index_count(const char *dir)
{
	struct index_summary sum;
	size_t n = 0;

	if (index_read_summary(dir, &sum) == 0)
		n = sum.count;
	index_summary_release(&sum);
	return n;
}

static void test_deferred_index(void)
{
	struct buf dir = BUF_INIT;
	struct folder *f = NULL, *g = NULL;
	uint32_t nu, more[4];
	size_t i;

	buf_printf(&dir, "%s/deferred", tmpdir);
	ok(folder_create_dirs(dir.data, false) == 0 &&
	   folder_open(dir.data, &f) == 0, "a folder for deferred rewrites");
	for (i = 0; i < 12; i++)
		save_msg(f, "Subject: m\n\nx\n", 0);
	folder_sync(f);
	is_int(index_count(dir.data), 12, "twelve messages in the index");

	folder_defer_index_rewrites(true);
	nu = save_msg(f, "Subject: new\n\nx\n", 0);
	ok(folder_sync(f) == 1 && folder_find_uid(f, nu) != NULL,
	   "the view has a new message at once");
	is_int(index_count(dir.data), 12, "its index record waits");
	ok(folder_open(dir.data, &g) == 0 && g->count == 13 &&
	   folder_find_uid(g, nu) != NULL, "another view finds it meanwhile, "
	   "with the same UID");
	ok(g->highest_modseq >= f->highest_modseq,
	   "and MODSEQs that do not go backwards");
	folder_free(&g);

	for (i = 0; i < 4; i++)
		more[i] = save_msg(f, "Subject: more\n\nx\n", 0);
	ok(folder_sync(f) == 1 && folder_find_uid(f, more[3]) != NULL,
	   "four more");
	is_int(index_count(dir.data), 17,
	   "more than a quarter missing: the index is written at once");
	nu = save_msg(f, "Subject: last\n\nx\n", 0);
	folder_sync(f);
	is_int(index_count(dir.data), 17, "one more waits again");
	folder_free(&f);
	is_int(index_count(dir.data), 18, "and is written when the view is freed");
	folder_defer_index_rewrites(false);
	buf_release(&dir);
}

/* A listing that catches a rename from new/ to cur/ half done sees the
 * message in both: it is one message, with the cur/ name and flags. */
static void test_new_and_cur(void)
{
	struct buf dir = BUF_INIT, from = BUF_INIT, to = BUF_INIT;
	struct folder *f = NULL, *g = NULL;
	struct message *m;
	uint32_t uid;

	buf_printf(&dir, "%s/both", tmpdir);
	ok(folder_create_dirs(dir.data, false) == 0 &&
	   folder_open(dir.data, &f) == 0, "a folder for a half-done rename");
	uid = save_msg(f, "Subject: both\n\nx\n", 0);
	folder_sync(f);
	m = folder_find_uid(f, uid);
	ok(m != NULL && m->in_new, "the message is in new/");
	if (m != NULL) {
		buf_printf(&from, "%s/new/%s", dir.data, m->name);
		buf_printf(&to, "%s/cur/%s:2,S", dir.data, m->name);
	}
	ok(m != NULL && link(from.data, to.data) == 0,
	   "and, linked, in cur/ with S too");
	ok(folder_open(dir.data, &g) == 0, "another view lists both");
	m = g != NULL ? folder_find_uid(g, uid) : NULL;
	ok(g != NULL && g->count == 1 && m != NULL && !m->in_new &&
	   m->flags == MFLAG_SEEN, "one message, the cur/ one, \\Seen");
	folder_free(&g);
	folder_free(&f);
	buf_release(&dir);
	buf_release(&from);
	buf_release(&to);
}

/* A flag change made through a view that has not seen another
 * program's change since keeps that change. */
static void test_change_flags(void)
{
	struct buf dir = BUF_INIT;
	struct folder *f = NULL, *g = NULL;
	struct message *m;
	uint32_t uid;

	buf_printf(&dir, "%s/change", tmpdir);
	ok(folder_create_dirs(dir.data, false) == 0 &&
	   folder_open(dir.data, &f) == 0, "a folder for flag changes");
	uid = save_msg(f, "Subject: flags\n\nx\n", MFLAG_DRAFT);
	folder_sync(f);
	ok(folder_open(dir.data, &g) == 0 &&
	   folder_keyword_index(g, "one", true) == 0 &&
	   folder_keyword_index(g, "two", true) == 1 &&
	   folder_set_flags(g, uid, MFLAG_DRAFT | MFLAG_FLAGGED, 2) == 0,
	   "another program flags the message and sets keyword b");
	ok(folder_change_flags(f, uid, MFLAG_SEEN, MFLAG_DRAFT, 1, 0) == 0,
	   "a view that has not seen it adds \\Seen and a, removes \\Draft");
	m = folder_find_uid(f, uid);
	ok(m != NULL && m->flags == (MFLAG_SEEN | MFLAG_FLAGGED) &&
	   m->keywords == 3, "both changes are kept");
	folder_sync(g);
	m = folder_find_uid(g, uid);
	ok(m != NULL && m->flags == (MFLAG_SEEN | MFLAG_FLAGGED) &&
	   m->keywords == 3, "and seen by the other program");
	ok(folder_set_flags(f, uid, MFLAG_ANSWERED, 0) == 0 &&
	   (m = folder_find_uid(f, uid)) != NULL &&
	   m->flags == MFLAG_ANSWERED && m->keywords == 0,
	   "setting all flags replaces them");
	folder_free(&g);
	folder_free(&f);
	buf_release(&dir);
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* A long-lived process keeps the index and the change log open
 * (folder_keep_files()); another process replacing either must still be
 * noticed, and the number of descriptors kept stays bounded. */
static void test_kept_files(void)
{
	struct buf dir = BUF_INIT, path = BUF_INIT, log = BUF_INIT;
	struct folder *f = NULL, *g = NULL, *h = NULL, *many[8];
	struct message *m;
	struct rlimit old_rl, rl;
	uint32_t uid1, uid2, uidx;
	uint64_t ms;
	int base, i;

	getrlimit(RLIMIT_NOFILE, &old_rl);
	rl = old_rl;
	rl.rlim_cur = 64;		/* room for 4 folders' kept files */
	ok(setrlimit(RLIMIT_NOFILE, &rl) == 0, "descriptor limit lowered");
	folder_keep_files(true);
	buf_printf(&dir, "%s/kept", tmpdir);
	ok(folder_create_dirs(dir.data, false) == 0 &&
	   folder_open(dir.data, &f) == 0 && folder_open(dir.data, &g) == 0,
	   "two processes' views of one folder, both keeping files");
	uid1 = save_msg(f, "Subject: one\n\nx\n", 0);
	uidx = save_msg(f, "Subject: gone\n\nx\n", 0);
	folder_sync(f);
	folder_sync(g);
	/* g expunges one message and saves another: its unlock writes a
	 * whole new index, renamed over the file f keeps open.  A view that
	 * missed that would find both changes itself, in another order,
	 * with other MODSEQs. */
	folder_expunge(g, uidx);
	uid2 = save_msg(g, "Subject: two\n\ny\n", 0);
	folder_sync(g);
	m = folder_find_uid(g, uid2);
	ms = m != NULL ? m->modseq : 0;
	ok(uid2 > uid1 && ms > 0, "the other view saved and indexed one");
	folder_sync(f);
	m = folder_find_uid(f, uid2);
	ok(m != NULL && m->modseq == ms,
	   "the replaced index is noticed: the message has the same MODSEQ");
	ok(folder_change_flags(f, uid1, MFLAG_FLAGGED, 0, 0, 0) == 0 &&
	   (m = folder_find_uid(f, uid1)) != NULL, "a flag set by the first");
	ms = m->modseq;
	ok(folder_open(dir.data, &h) == 0 &&
	   (m = folder_find_uid(h, uid1)) != NULL &&
	   m->flags == MFLAG_FLAGGED && m->modseq == ms,
	   "a third view reads it, with its MODSEQ, from the index file");
	folder_free(&h);
	/* The change log replaced behind f's back (as after a MODSEQ reset
	 * by another process): f's next line goes into the new file. */
	buf_printf(&path, "%s/" CHANGES_NAME, dir.data);
	ok(write_file_atomic(path.data, "1 0 R\n", 6, 0600) == 0,
	   "the change log is replaced");
	ok(folder_change_flags(f, uid2, MFLAG_SEEN, 0, 0, 0) == 0,
	   "a flag set after that");
	read_whole(path.data, &log);
	m = folder_find_uid(f, uid2);
	buf_reset(&path);
	if (m != NULL)
		buf_printf(&path, "1 0 R\n%llu %u F\n",
			   (unsigned long long)m->modseq, uid2);
	ok(m != NULL && log.len == path.len &&
	   memcmp(log.data, path.data, log.len) == 0,
	   "its change line is in the file at the log's name");
	folder_free(&g);
	folder_free(&f);

	/* Eight folders, each changed: only four keep their files. */
	base = count_fds();
	for (i = 0; i < 8; i++) {
		buf_reset(&path);
		buf_printf(&path, "%s/kept%d", tmpdir, i);
		many[i] = NULL;
		if (folder_create_dirs(path.data, false) == 0 &&
		    folder_open(path.data, &many[i]) == 0)
			save_msg(many[i], "Subject: n\n\nz\n", 0);
		if (many[i] != NULL)
			folder_sync(many[i]);
	}
	ok(count_fds() - base == 12, "four folders keep their three files "
	   "(index, change log, mailtree.lock)");
	folder_close_files(many[0]);
	ok(count_fds() - base == 9, "a folder nobody uses gives them up");
	ok(folder_change_flags(many[7], 1, MFLAG_SEEN, 0, 0, 0) == 0 &&
	   count_fds() - base == 12, "and another folder takes its slot");
	for (i = 0; i < 8; i++)
		folder_free(&many[i]);
	ok(count_fds() == base, "nothing is left open");
	folder_keep_files(false);
	setrlimit(RLIMIT_NOFILE, &old_rl);
	buf_release(&dir);
	buf_release(&path);
	buf_release(&log);
}

static void count_change(uint64_t modseq, uint32_t uid,
			 enum change_kind kind, void *ctx)
{
	uint64_t *n = ctx;

	(void)modseq;
	(void)uid;
	(void)kind;
	(*n)++;
}

/* The change log is cut back once it is long, and says from where it is
 * complete; with kept files and without. */
static void test_changes_trim(void)
{
	struct buf dir = BUF_INIT, path = BUF_INIT, log = BUF_INIT;
	struct folder *f = NULL;
	uint64_t ms, n, first;
	struct stat st;
	int round, failed;

	for (round = 0; round < 2; round++) {
		folder_keep_files(round == 1);
		buf_reset(&dir);
		buf_printf(&dir, "%s/trim%d", tmpdir, round);
		ok(folder_create_dirs(dir.data, false) == 0 &&
		   folder_open(dir.data, &f) == 0, "a folder (%s files)",
		   round ? "kept" : "no kept");
		failed = 0;
		for (ms = 1; ms <= 150000; ms++)
			if (changes_append(f, ms, 7, CHANGE_FLAGS) < 0)
				failed++;
		is_int(failed, 0, "150,000 changes appended");
		buf_reset(&path);
		buf_printf(&path, "%s/" CHANGES_NAME, dir.data);
		if (stat(path.data, &st) < 0)
			st.st_size = -1;
		ok(st.st_size <= 1024 * 1024 && st.st_size >= 256 * 1024,
		   "the log was cut back (%lld bytes)", (long long)st.st_size);
		read_whole(path.data, &log);
		first = log.len > 0 ? strtoull(log.data, NULL, 10) : 0;
		ok(first > 1 && log.len > 20 &&
		   memcmp(log.data + log.len - 12, "\n150000 7 F\n", 12) == 0 &&
		   log.data[0] != '\n',
		   "it starts at a whole line (MODSEQ %llu) and ends with the "
		   "last change", (unsigned long long)first);
		n = 0;
		ok(changes_since(f, 0, count_change, &n) == 0,
		   "changes since 0: not complete any more");
		n = 0;
		ok(changes_since(f, 149990, count_change, &n) == 1 && n == 10,
		   "changes since 149990: complete, 10 of them");
		n = 0;
		ok(changes_since(f, first - 1, count_change, &n) == 1 &&
		   n == 150000 - first + 1,
		   "complete back to its first line");
		folder_free(&f);
	}
	folder_keep_files(false);
	buf_release(&dir);
	buf_release(&path);
	buf_release(&log);
}

/* Whether another open file description could take mailtree.lock now. */
static bool own_lock_free(const char *dir)
{
	struct buf path = BUF_INIT;
	struct flock fl;
	bool free_now;
	int fd;

	buf_printf(&path, "%s/mailtree.lock", dir);
	fd = open(path.data, O_RDWR | O_CLOEXEC);
	buf_release(&path);
	if (fd < 0)
		return false;
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	free_now = fcntl(fd, F_OFD_SETLK, &fl) == 0;
	close(fd);	/* releases it again */
	return free_now;
}

struct lock_waiter {
	struct folder *g;
	int ret;
	volatile bool done;
};

static void *lock_waiter_main(void *arg)
{
	struct lock_waiter *w = arg;

	w->ret = folder_lock_light(w->g);
	w->done = true;
	if (w->ret == 0)
		folder_unlock(w->g);
	return NULL;
}

/* mailtree.lock alone for flag changes and expunges; the uidlist's
 * dot-lock too where dovecot-uidlist is written. */
static void test_two_locks(void)
{
	struct buf dir = BUF_INIT, lock = BUF_INIT, path = BUF_INIT;
	struct folder *f = NULL, *g = NULL;
	struct message *m;
	char host[256], text[300];
	struct stat st;
	uint32_t uid;
	time_t t0;
	int fd;

	buf_printf(&dir, "%s/locks", tmpdir);
	buf_printf(&lock, "%s/dovecot-uidlist.lock", dir.data);
	ok(folder_create_dirs(dir.data, false) == 0 &&
	   folder_open(dir.data, &f) == 0, "a folder");
	uid = save_msg(f, "Subject: l\n\nx\n", 0);
	ok(uid > 0 && folder_lock_light(f) == 0, "a light lock");
	ok(!own_lock_free(dir.data), "mailtree.lock is held");
	ok(stat(lock.data, &st) < 0 && errno == ENOENT,
	   "and no dovecot-uidlist.lock made");
	ok(folder_change_flags(f, uid, MFLAG_FLAGGED, 0, 0, 0) == 0 &&
	   stat(lock.data, &st) < 0, "a flag change under it needs no more");
	folder_unlock(f);
	ok(own_lock_free(dir.data), "unlocked: mailtree.lock is free");

	/* A mailtree.lock removed by hand while a long-lived process keeps
	 * it open: that process then locks the file at the name, which
	 * everyone else opens, not the removed one. */
	{
		struct buf own = BUF_INIT;

		buf_printf(&own, "%s/mailtree.lock", dir.data);
		folder_keep_files(true);
		ok(folder_open(dir.data, &g) == 0 && folder_lock_light(g) == 0,
		   "a view that keeps its files locks");
		folder_unlock(g);
		ok(unlink(own.data) == 0, "mailtree.lock is removed");
		ok(folder_lock_light(g) == 0 && stat(own.data, &st) == 0 &&
		   !own_lock_free(dir.data),
		   "its next lock is on a new mailtree.lock at the name");
		folder_unlock(g);
		folder_free(&g);
		folder_keep_files(false);
		buf_release(&own);
	}

	/* Another view of the folder (another thread, as another worker)
	 * waits for the lock and gets it once it is released. */
	{
		struct lock_waiter w = { NULL, -1, false };
		pthread_t t;

		ok(folder_open(dir.data, &w.g) == 0 && folder_lock_light(f) == 0,
		   "one view holds the lock");
		pthread_create(&t, NULL, lock_waiter_main, &w);
		usleep(100000);
		ok(!w.done, "the other waits for it");
		folder_unlock(f);
		pthread_join(t, NULL);
		ok(w.done && w.ret == 0, "and has it once it is released");
		folder_free(&w.g);
	}

	/* A file another program delivered has no UID yet: the sync takes
	 * the uidlist's lock to give it one, and lets it go at the end. */
	buf_printf(&path, "%s/new/1000000000.M1P1.elsewhere", dir.data);
	fd = open(path.data, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ok(fd >= 0 && write(fd, "Subject: d\n\ny\n", 15) == 15,
	   "another program delivers into new/");
	if (fd >= 0)
		close(fd);
	ok(folder_lock_light(f) == 0 && folder_sync_locked(f, true) == 1 &&
	   stat(lock.data, &st) == 0, "a sync under a light lock takes the "
	   "uidlist's lock to give a UID");
	folder_unlock(f);
	m = f->count > 0 ? &f->msgs[f->count - 1] : NULL;
	ok(m != NULL && m->uid == uid + 1 && f->uidlist.count == 2 &&
	   stat(lock.data, &st) < 0 && own_lock_free(dir.data),
	   "the new file has the next UID, both locks are released");

	/* Dovecot holding its uidlist lock does not hold up a flag change
	 * or an expunge. */
	if (gethostname(host, sizeof(host)) < 0)
		snprintf(host, sizeof(host), "localhost");
	snprintf(text, sizeof(text), "%d:%s", (int)getpid(), host);
	ok(write_file_atomic(lock.data, text, strlen(text), 0600) == 0,
	   "a live process holds dovecot-uidlist.lock");
	t0 = time(NULL);
	ok(folder_change_flags(f, uid, MFLAG_SEEN, 0, 0, 0) == 0 &&
	   folder_expunge(f, uid) == 0 && time(NULL) - t0 < 2 &&
	   folder_find_uid(f, uid) == NULL,
	   "a flag change and an expunge go ahead meanwhile");
	ok(stat(lock.data, &st) == 0, "and leave its lock alone");
	unlink(lock.data);
	folder_free(&f);

	/* Root making mailtree.lock in a folder that belongs to someone
	 * else gives it to them: their daemon must open it. */
	buf_reset(&dir);
	buf_printf(&dir, "%s/locks-owned", tmpdir);
	buf_reset(&path);
	buf_printf(&path, "%s/mailtree.lock", dir.data);
	if (geteuid() != 0 || folder_create_dirs(dir.data, false) < 0 ||
	    chown(dir.data, 65534, 65534) < 0) {
		skip("not root: cannot test the owner of mailtree.lock");
	} else {
		ok(folder_open(dir.data, &f) == 0 && folder_lock_light(f) == 0,
		   "root locks a folder owned by uid 65534");
		folder_unlock(f);
		ok(stat(path.data, &st) == 0 && st.st_uid == 65534,
		   "mailtree.lock belongs to the folder's owner");
		folder_free(&f);
	}
	buf_release(&dir);
	buf_release(&lock);
	buf_release(&path);
}

int main(void)
{
	make_tmpdir();
	test_names();
	test_uidlist();
	test_folder();
	test_deferred_index();
	test_new_and_cur();
	test_change_flags();
	test_kept_files();
	test_changes_trim();
	test_two_locks();
	test_mailbox();
	remove_tree(tmpdir);
	free(tmpdir);
	return done_testing();
}
