/*
 * The repair module: canonical file names, the forgiving uidlist reader
 * (whole and one byte at a time), stale locks, and repairs of real
 * folders under $MAILTREE_TMP: a check changes nothing, UIDs and
 * UIDVALIDITY survive, MODSEQs do not go back when the index is rebuilt.
 */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "folder.h"
#include "index.h"
#include "mailbox.h"
#include "maildir-name.h"
#include "repair.h"
#include "save.h"
#include "util.h"
#include "../tap.h"

static char *tmpdir;
static struct buf notes = BUF_INIT;

static void collect(void *ctx, const char *folder, enum repair_note kind,
		    const char *msg)
{
	(void)ctx;
	buf_printf(&notes, "%s%s%s\n", kind == REPAIR_FIXED ? "fixed: " :
		   kind == REPAIR_NOTE ? "note: " : "", folder ? "" : "-", msg);
}

static bool noted(const char *text)
{
	return strstr(notes.data, text) != NULL;
}

static void test_canonical(void)
{
	static const struct {
		const char *name;
		uint32_t named;
		const char *want;
		int ret;
	} cases[] = {
		{ "b", 0, "b", 0 },
		{ "b:2,", 0, "b:2,", 0 },
		{ "b:2,FS", 0, "b:2,FS", 0 },
		{ "b:2,SF", 0, "b:2,FS", 1 },
		{ "b:2,SS", 0, "b:2,S", 1 },
		{ "b:2,Sz", 0, "b:2,S", 1 },
		{ "b:2,Sz", 1u << 25, "b:2,Sz", 0 },
		{ "b:2,zaS", (1u << 25) | 1, "b:2,Saz", 1 },
		{ "b:2,XYZ", 0, "b:2,", 1 },
		{ "b:2,S9!", 0, "b:2,S", 1 },
		{ "b:2,TS,x=1,y", 0, "b:2,ST,x=1,y", 1 },
		{ "b:2,S,", 0, "b:2,S,", 0 },
		{ "b:1,abc", 0, "b:2,", 1 },
		{ "b:garbage", 0, "b:2,", 1 },
		{ "1.M2P3.host,S=10,W=11:2,RS", 0, "1.M2P3.host,S=10,W=11:2,RS", 0 },
	};
	struct buf out = BUF_INIT;
	const char *why;
	size_t i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		ret = repair_canonical_name(cases[i].name, cases[i].named,
					    &out, &why);
		is_int(ret, cases[i].ret, "canonical %s: %s", cases[i].name,
		       ret ? "changes" : "stays");
		is_str(out.data, cases[i].want, "canonical %s -> %s",
		       cases[i].name, cases[i].want);
		ok((ret == 1) == (why != NULL), "canonical %s: reason given "
		   "exactly when it changes", cases[i].name);
	}
	buf_release(&out);
}

/* The reader's summary, to compare whole and piecewise reads. */
static void summary(const struct repair_uidlist *ru, struct buf *out)
{
	size_t i;

	buf_reset(out);
	buf_printf(out, "hdr=%d V=%u N=%u broken=%u ooo=%u dupb=%u dupu=%u "
		   "max=%u|", ru->header_ok, ru->hdr.uidvalidity,
		   ru->hdr.next_uid, ru->broken_lines, ru->out_of_order,
		   ru->dup_bases, ru->dup_uids, ru->max_uid);
	for (i = 0; i < ru->count; i++)
		buf_printf(out, "%u%s:%s%s%s|", ru->recs[i].uid,
			   ru->recs[i].dropped ? "x" : "", ru->recs[i].base,
			   ru->recs[i].ext ? "/" : "",
			   ru->recs[i].ext ? ru->recs[i].ext : "");
}

static void read_both(const char *data, struct buf *whole, struct buf *bytes)
{
	struct repair_uidlist ru;
	size_t i, len = strlen(data);

	repair_uidlist_init(&ru);
	repair_uidlist_feed(&ru, data, len);
	repair_uidlist_finish(&ru);
	summary(&ru, whole);
	repair_uidlist_release(&ru);
	repair_uidlist_init(&ru);
	for (i = 0; i < len; i++)
		repair_uidlist_feed(&ru, data + i, 1);
	repair_uidlist_finish(&ru);
	summary(&ru, bytes);
	repair_uidlist_release(&ru);
}

static void test_uidlist_reader(void)
{
	struct buf whole = BUF_INIT, bytes = BUF_INIT, big = BUF_INIT;

	read_both("3 V42 N10 Gaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n"
		  "1 :a\n2 W10 :b\n", &whole, &bytes);
	is_str(whole.data, "hdr=1 V=42 N=10 broken=0 ooo=0 dupb=0 dupu=0 "
	       "max=2|1:a|2:b/W10|", "clean file");
	is_str(bytes.data, whole.data, "clean file, one byte at a time");

	read_both("3 V42 N3\n1 :a\n5 :c\ngarbage\n3 :b\n5 :d\n1 :e\n"
		  "7 :c\n9 :f", &whole, &bytes);
	is_str(whole.data, "hdr=1 V=42 N=3 broken=2 ooo=3 dupb=1 dupu=1 "
	       "max=7|1:a|1x:e|3:b|5x:c|5:d|7:c|", "damage: garbage, order, "
	       "duplicate base (later wins), duplicate UID (earlier wins), "
	       "partial last line");
	is_str(bytes.data, whole.data, "damage, one byte at a time");

	read_both("3 V4", &whole, &bytes);
	is_str(whole.data, "hdr=0 V=0 N=1 broken=0 ooo=0 dupb=0 dupu=0 max=0|",
	       "a header cut before its newline is unreadable");
	is_str(bytes.data, whole.data, "cut header, one byte at a time");

	read_both("junk header\n1 :a\n", &whole, &bytes);
	is_str(whole.data, "hdr=0 V=0 N=1 broken=0 ooo=0 dupb=0 dupu=0 "
	       "max=1|1:a|", "records after an unreadable header are kept");

	read_both("1 17 30\n4 b:2,S\n", &whole, &bytes);
	is_str(whole.data, "hdr=1 V=17 N=30 broken=0 ooo=0 dupb=0 dupu=0 "
	       "max=4|4:b|", "Courier's version 1");

	buf_puts(&big, "3 V1 N1\n1 :");
	while (big.len < UIDLIST_MAX_LINE + 100)
		buf_putc(&big, 'x');
	buf_puts(&big, "\n2 :ok\n4294967295 :huge\n0 :zero\n");
	read_both(big.data, &whole, &bytes);
	is_str(whole.data, "hdr=1 V=1 N=1 broken=3 ooo=0 dupb=0 dupu=0 "
	       "max=2|2:ok|", "over-long line, UID 2^32-1 and 0 are broken");
	is_str(bytes.data, whole.data, "over-long line, one byte at a time");
	buf_release(&whole);
	buf_release(&bytes);
	buf_release(&big);
}

static void write_str(const char *path, const char *s)
{
	if (write_file_atomic(path, s, strlen(s), 0600) < 0)
		fatal("cannot write %s", path);
}

static void test_locks(void)
{
	struct buf p = BUF_INIT, content = BUF_INIT;
	struct timespec old[2] = { { time(NULL) - 3600, 0 },
				   { time(NULL) - 3600, 0 } };
	struct repair r;
	char host[256];
	pid_t dead;

	gethostname(host, sizeof(host));
	host[sizeof(host) - 1] = '\0';
	dead = fork();
	if (dead == 0)
		_exit(0);
	waitpid(dead, NULL, 0);
	buf_printf(&p, "%s/x.lock", tmpdir);

	buf_printf(&content, "%ld:%s", (long)dead, host);
	write_str(p.data, content.data);
	repair_init(&r, false, collect, NULL);
	buf_reset(&notes);
	repair_lock(&r, "F", p.data, 120);
	is_int(r.problems, 0, "a dead owner's young lock is not stale yet");
	utimensat(AT_FDCWD, p.data, old, 0);
	repair_lock(&r, "F", p.data, 120);
	is_int(r.problems, 1, "a dead owner's old lock is stale");
	ok(access(p.data, F_OK) == 0, "a check leaves it");
	repair_init(&r, true, collect, NULL);
	repair_lock(&r, "F", p.data, 120);
	ok(access(p.data, F_OK) < 0 && r.fixed == 1, "a repair removes it");

	buf_reset(&content);
	buf_printf(&content, "%ld:%s", (long)getpid(), host);
	write_str(p.data, content.data);
	utimensat(AT_FDCWD, p.data, old, 0);
	buf_reset(&notes);
	repair_lock(&r, "F", p.data, 120);
	ok(access(p.data, F_OK) == 0 && r.fixed == 1 && noted("note: "),
	   "a live owner's old lock is kept, and noted");

	write_str(p.data, "123:some.other.host");
	utimensat(AT_FDCWD, p.data, old, 0);
	repair_lock(&r, "F", p.data, 120);
	ok(access(p.data, F_OK) < 0,
	   "another host's lock untouched past its timeout is stale");
	buf_release(&p);
	buf_release(&content);
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

/* Everything a check must leave alone: names and sizes of every file. */
static void snapshot(const char *dir, struct buf *out)
{
	struct buf cmd = BUF_INIT;
	FILE *fp;
	char line[1024];

	buf_reset(out);
	buf_printf(&cmd, "cd '%s' && find . -type f -printf '%%p %%s %%T@\\n' "
		   "| sort", dir);
	fp = popen(cmd.data, "r");
	while (fp != NULL && fgets(line, sizeof(line), fp) != NULL)
		buf_puts(out, line);
	if (fp != NULL)
		pclose(fp);
	buf_release(&cmd);
}

static void test_folder(void)
{
	struct buf dir = BUF_INIT, p = BUF_INIT, ul = BUF_INIT;
	struct buf before = BUF_INIT, after = BUF_INIT;
	struct folder *f;
	struct repair r;
	uint64_t old_modseq;
	uint32_t uidv, uid[4];
	size_t i;
	int ret;

	buf_printf(&dir, "%s/folder", tmpdir);
	ok(folder_create_dirs(dir.data, false) == 0, "folder made");
	ret = folder_open(dir.data, &f);
	ok(ret == 0, "folder opens");
	if (ret < 0)
		return;
	uid[0] = save_msg(f, "Subject: one\n\n1\n", 0);
	uid[1] = save_msg(f, "Subject: two\n\n2\n", MFLAG_SEEN);
	uid[2] = save_msg(f, "Subject: three\n\n3\n", 0);
	uid[3] = save_msg(f, "Subject: four\n\n4\n", 0);
	folder_sync(f);
	folder_set_flags(f, uid[0], MFLAG_FLAGGED, 0);
	folder_set_flags(f, uid[2], MFLAG_SEEN, 0);
	old_modseq = f->highest_modseq;
	uidv = folder_uidvalidity(f);
	folder_free(&f);

	/* A clean folder: nothing to say, and a check changes nothing. */
	repair_init(&r, false, collect, NULL);
	buf_reset(&notes);
	ok(repair_folder(&r, dir.data, "F", false) == 0 && r.problems == 0,
	   "a clean folder has no problems");
	is_str(notes.data, "", "and nothing is said");

	/* Damage: a header cut off, an index with a bad byte, a copy of a
	 * message in new/, a bad flag. */
	buf_printf(&p, "%s/" UIDLIST_NAME, dir.data);
	read_file_small(p.data, 1 << 20, &ul);
	write_str(p.data, strchr(ul.data, '\n') + 1);
	snapshot(dir.data, &before);
	repair_init(&r, false, collect, NULL);
	buf_reset(&notes);
	repair_folder(&r, dir.data, "F", false);
	snapshot(dir.data, &after);
	ok(r.problems > 0 && noted("unreadable header; its UIDVALIDITY can "
				   "be recovered"),
	   "a lost header is reported as recoverable");
	is_str(after.data, before.data, "a check changes no file");

	repair_init(&r, true, collect, NULL);
	buf_reset(&notes);
	ok(repair_folder(&r, dir.data, "F", false) == 0, "repair runs");
	/* The first record was taken for the header line: its file gets
	 * its UID back from the index. */
	ok(noted("3 UIDs kept, 1 restored from " INDEX_NAME),
	   "the lost record restored from the index");
	ret = folder_open(dir.data, &f);
	ok(ret == 0, "the folder opens again");
	if (ret < 0)
		return;
	is_int(folder_uidvalidity(f), uidv, "UIDVALIDITY recovered");
	is_int(folder_uidnext(f), uid[3] + 1, "next UID recovered");
	is_int(f->count, 4, "four messages");
	for (i = 0; i < 4 && i < f->count; i++)
		is_int(f->msgs[i].uid, uid[i], "message %zu keeps UID %u", i,
		       uid[i]);
	folder_free(&f);

	/* A damaged index: rebuilt, and MODSEQs stay above the old ones. */
	buf_reset(&p);
	buf_printf(&p, "%s/" INDEX_NAME, dir.data);
	{
		int fd = open(p.data, O_WRONLY);
		ok(fd >= 0 && pwrite(fd, "XXXX", 4, 120) == 4,
		   "index damaged");
		if (fd >= 0)
			close(fd);
	}
	repair_init(&r, true, collect, NULL);
	buf_reset(&notes);
	repair_folder(&r, dir.data, "F", false);
	ok(noted(INDEX_NAME " is damaged") && noted("fixed: deleted "
						    INDEX_NAME),
	   "damaged index reported and deleted");
	ret = folder_open(dir.data, &f);
	ok(ret == 0, "the folder opens after the rebuild");
	if (ret < 0)
		return;
	ok(f->highest_modseq > old_modseq, "highest MODSEQ went up (%llu > %llu)",
	   (unsigned long long)f->highest_modseq,
	   (unsigned long long)old_modseq);
	for (i = 0; i < f->count; i++)
		ok(f->msgs[i].modseq > old_modseq,
		   "message %u's MODSEQ is above every old one", f->msgs[i].uid);
	is_int(f->count, 4, "still four messages");
	is_int(f->msgs[0].flags, MFLAG_FLAGGED, "flags read from the names");
	folder_free(&f);

	/* Extension fields and unknown header fields survive a rewrite. */
	buf_reset(&p);
	buf_printf(&p, "%s/" UIDLIST_NAME, dir.data);
	read_file_small(p.data, 1 << 20, &ul);
	buf_reset(&before);
	buf_printf(&before, "3 V%u N%u G0123456789abcdef0123456789abcdef "
		   "Zfuture\n", uidv, uid[3] + 5);
	{
		const char *line = strchr(ul.data, '\n') + 1;
		const char *colon = strchr(line, ':');

		buf_append(&before, line, (size_t)(colon - line));
		buf_puts(&before, "W99 ");
		buf_puts(&before, colon);
		buf_puts(&before, "garbage\n");
	}
	write_str(p.data, before.data);
	repair_init(&r, true, collect, NULL);
	buf_reset(&notes);
	repair_folder(&r, dir.data, "F", false);
	read_file_small(p.data, 1 << 20, &after);
	buf_reset(&before);
	buf_printf(&before, "3 V%u N%u G0123456789abcdef0123456789abcdef "
		   "Zfuture\n%u W99 :", uidv, uid[3] + 5, uid[0]);
	ok(strncmp(after.data, before.data, before.len) == 0,
	   "rewrite keeps GUID, N, unknown header fields and extensions");
	ok(strstr(after.data, "garbage") == NULL, "and drops the garbage");

	buf_release(&dir);
	buf_release(&p);
	buf_release(&ul);
	buf_release(&before);
	buf_release(&after);
}

int main(void)
{
	tmpdir = tap_tmpdir("test-repair");
	log_set_quiet(1);
	test_canonical();
	test_uidlist_reader();
	test_locks();
	test_folder();
	remove_tree(tmpdir);
	free(tmpdir);
	buf_release(&notes);
	return done_testing();
}
