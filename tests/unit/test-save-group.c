/*
 * Group commit: save_prepare()/save_commit() of several saves at once, and
 * save_group_finish() from many threads into one folder (every save gets
 * its own UID, all of them are on disk and in dovecot-uidlist), on real
 * directories under $MAILTREE_TMP.
 */

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "folder.h"
#include "maildir-name.h"
#include "save-group.h"
#include "save.h"
#include "uidlist.h"
#include "util.h"
#include "../tap.h"
#include "files-test.h"

#define THREADS 8
#define PER_THREAD 40

static size_t count_in(const char *dir, const char *sub)
{
	struct buf p = BUF_INIT;
	size_t n;

	buf_printf(&p, "%s/%s", dir, sub);
	n = count_files(p.data);
	buf_release(&p);
	return n;
}

static struct save *begin(struct folder *f, const char *text)
{
	struct save *s = NULL;

	if (save_begin(f, &s) < 0)
		return NULL;
	if (save_write(s, text, strlen(text)) < 0) {
		save_abort(&s);
		return NULL;
	}
	return s;
}

static void test_commit_batch(const char *dir)
{
	struct folder *f = NULL, *g = NULL;
	struct save *saves[3];
	uint32_t uids[3] = { 9, 9, 9 };
	int rets[3] = { 1, 1, 1 };
	struct buf text = BUF_INIT;

	ok(folder_open_lazy(dir, &f) == 0, "open the folder");
	saves[0] = begin(f, "Subject: one\n\n1\n");
	saves[1] = begin(f, "Subject: two\n\n2\n");
	saves[2] = begin(f, "Subject: three\n\n3\n");
	ok(saves[0] && saves[1] && saves[2], "three saves begun");
	is_int(save_prepare(saves[0], 0, 0, 0), 0, "prepare, no flags (new/)");
	is_int(save_prepare(saves[1], MFLAG_SEEN, 0, 0), 0,
	       "prepare, \\Seen (cur/)");
	is_int(save_prepare(saves[2], 0, 0, 1000000000), 0,
	       "prepare with an internal date");
	is_int(count_in(dir, "tmp"), 3, "all three still in tmp/");
	save_commit(f, saves, 3, rets, uids);
	ok(rets[0] == 0 && rets[1] == 0 && rets[2] == 0, "all three committed");
	ok(saves[0] == NULL && saves[1] == NULL && saves[2] == NULL,
	   "and freed");
	ok(uids[0] == 1 && uids[1] == 2 && uids[2] == 3,
	   "UIDs 1, 2, 3 in order (got %u %u %u)", uids[0], uids[1], uids[2]);
	is_int(count_in(dir, "tmp"), 0, "tmp/ is empty");
	is_int(count_in(dir, "new"), 2, "two in new/");
	is_int(count_in(dir, "cur"), 1, "one in cur/");

	/* What another process sees: the uidlist and the bytes. */
	ok(folder_open(dir, &g) == 0, "a fresh open of the folder");
	if (g != NULL) {
		is_int(g->count, 3, "sees three messages");
		ok(g->count == 3 && g->msgs[1].uid == 2 &&
		   (g->msgs[1].flags & MFLAG_SEEN), "UID 2 is \\Seen");
		ok(g->count == 3 && g->msgs[2].internal_date == 1000000000,
		   "UID 3 has its internal date");
		if (g->count == 3) {
			struct buf path = BUF_INIT;
			folder_msg_path(g, &g->msgs[2], &path);
			ok(read_file_small(path.data, 4096, &text) == 0,
			   "read UID 3");
			is_str(text.data, "Subject: three\n\n3\n",
			       "UID 3's bytes");
			buf_release(&path);
		}
	}
	folder_free(&g);
	folder_free(&f);
	buf_release(&text);
}

struct worker {
	const char *dir;
	uint32_t uids[PER_THREAD], uidvalidity[PER_THREAD];
	int failures;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct folder *f = NULL;
	char text[64];
	int i;

	/* Each thread has its own struct folder, as LMTP sessions do. */
	if (folder_open_lazy(w->dir, &f) < 0) {
		w->failures = PER_THREAD;
		return NULL;
	}
	for (i = 0; i < PER_THREAD; i++) {
		struct save *s;

		snprintf(text, sizeof(text), "Subject: m\n\n%d\n", i);
		s = begin(f, text);
		/* Every other one \Seen, as an IMAP APPEND with flags. */
		if (s == NULL ||
		    save_group_finish(&s, i % 2 ? MFLAG_SEEN : 0, 0,
				      1000000000 + i, &w->uids[i],
				      &w->uidvalidity[i]) < 0 ||
		    s != NULL)
			w->failures++;
	}
	folder_free(&f);
	return NULL;
}

static void test_threads(const char *dir)
{
	static struct worker w[THREADS];
	pthread_t t[THREADS];
	static unsigned char seen[THREADS * PER_THREAD + 1];
	struct folder *f = NULL;
	int i, j, failures = 0, dup = 0, out_of_range = 0, other_validity = 0;
	int wrong_flags = 0;

	memset(w, 0, sizeof(w));
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < THREADS; i++) {
		w[i].dir = dir;
		pthread_create(&t[i], NULL, worker_main, &w[i]);
	}
	for (i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	for (i = 0; i < THREADS; i++) {
		failures += w[i].failures;
		for (j = 0; j < PER_THREAD; j++) {
			uint32_t uid = w[i].uids[j];
			if (uid == 0 || uid > THREADS * PER_THREAD)
				out_of_range++;
			else if (seen[uid]++)
				dup++;
		}
	}
	is_int(failures, 0, "%d threads x %d saves: every one succeeded",
	       THREADS, PER_THREAD);
	is_int(out_of_range, 0, "every UID is in 1..%d", THREADS * PER_THREAD);
	is_int(dup, 0, "no UID was given twice");
	is_int(count_in(dir, "new"), THREADS * PER_THREAD / 2,
	       "those without flags are in new/");
	is_int(count_in(dir, "cur"), THREADS * PER_THREAD / 2,
	       "those with \\Seen in cur/");
	/* The commit folders go (with a kept lock inode, if any). */
	save_group_cleanup();
	is_int(count_in(dir, "tmp"), 0, "nothing left in tmp/");
	ok(folder_open(dir, &f) == 0, "open the folder afresh");
	if (f != NULL) {
		is_int(f->count, THREADS * PER_THREAD,
		       "the folder lists every message");
		ok(f->count > 0 && f->msgs[f->count - 1].uid ==
		   THREADS * PER_THREAD, "the last UID is %d",
		   THREADS * PER_THREAD);
		is_int(f->uidlist.count, THREADS * PER_THREAD,
		       "dovecot-uidlist has a line for each");
		for (i = 0; i < THREADS; i++) {
			for (j = 0; j < PER_THREAD; j++) {
				struct message *m =
					folder_find_uid(f, w[i].uids[j]);
				if (w[i].uidvalidity[j] !=
				    folder_uidvalidity(f))
					other_validity++;
				if (m == NULL ||
				    m->flags != (j % 2 ? MFLAG_SEEN : 0u) ||
				    m->internal_date != 1000000000 + j)
					wrong_flags++;
			}
		}
		is_int(other_validity, 0,
		       "each save was told the folder's UIDVALIDITY");
		is_int(wrong_flags, 0,
		       "each message has its flags and internal date");
	}
	folder_free(&f);
}

/* Removes one file from dir/tmp, so that its save cannot be renamed. */
static bool remove_one_tmp(const char *dir)
{
	struct buf p = BUF_INIT;
	struct dirent *de;
	bool done = false;
	DIR *d;

	buf_printf(&p, "%s/tmp", dir);
	d = opendir(p.data);
	while (d != NULL && !done && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		buf_reset(&p);
		buf_printf(&p, "%s/tmp/%s", dir, de->d_name);
		done = unlink(p.data) == 0;
	}
	if (d != NULL)
		closedir(d);
	buf_release(&p);
	return done;
}

/* save_commit_all(): MULTIAPPEND's all or nothing. */
static void test_commit_all(const char *dir)
{
	struct folder *f = NULL;
	struct save *saves[3];
	uint32_t uids[3], next;
	int rets[3], i, prepared = 0;

	ok(folder_open(dir, &f) == 0, "a folder for all-or-nothing commits");
	if (f == NULL)
		return;
	next = folder_uidnext(f);
	for (i = 0; i < 3; i++) {
		saves[i] = begin(f, "Subject: all\n\nx\n");
		if (saves[i] != NULL &&
		    save_prepare(saves[i], i == 1 ? MFLAG_SEEN : 0, 0, 0) == 0)
			prepared++;
	}
	ok(prepared == 3 && remove_one_tmp(dir),
	   "three saves prepared, one of their files lost");
	save_commit_all(f, saves, 3, rets, uids);
	ok(rets[0] < 0 && rets[1] == rets[0] && rets[2] == rets[0] &&
	   uids[0] == 0 && uids[1] == 0 && uids[2] == 0,
	   "all three fail, with the same error and no UID");
	is_int(count_in(dir, "new") + count_in(dir, "cur"), 0,
	   "none of them is in the folder");
	is_int(count_in(dir, "tmp"), 0, "nor left in tmp/");
	folder_sync(f);
	ok(f->count == 0 && folder_uidnext(f) == next,
	   "the folder is as before, its next UID too");

	for (i = 0; i < 3; i++) {
		saves[i] = begin(f, "Subject: all\n\ny\n");
		if (saves[i] != NULL)
			save_prepare(saves[i], i == 1 ? MFLAG_SEEN : 0, 0, 0);
	}
	save_commit_all(f, saves, 3, rets, uids);
	ok(rets[0] == 0 && rets[1] == 0 && rets[2] == 0 &&
	   uids[0] == next && uids[1] == next + 1 && uids[2] == next + 2,
	   "three saves without trouble get three UIDs in order");
	is_int(count_in(dir, "new"), 2, "two in new/");
	is_int(count_in(dir, "cur"), 1, "the \\Seen one in cur/");
	folder_free(&f);
}

int main(void)
{
	char *tmp = tap_tmpdir("test-save-group");
	struct buf a = BUF_INIT, b = BUF_INIT, c = BUF_INIT, d = BUF_INIT;

	buf_printf(&a, "%s/a", tmp);
	buf_printf(&b, "%s/b", tmp);
	buf_printf(&c, "%s/c", tmp);
	buf_printf(&d, "%s/d", tmp);
	if (folder_create_dirs(a.data, false) < 0 ||
	    folder_create_dirs(d.data, false) < 0 ||
	    folder_create_dirs(b.data, false) < 0 ||
	    folder_create_dirs(c.data, false) < 0) {
		diag("cannot create folders under %s", tmp);
		return 1;
	}
	test_commit_batch(a.data);
	test_commit_all(d.data);
	test_threads(b.data);
	/* Again as mailtreed saves: each folder keeps its lock's inode. */
	folder_keep_lock_inodes(true);
	test_threads(c.data);
	folder_keep_lock_inodes(false);
	save_group_cleanup();
	buf_release(&a);
	buf_release(&b);
	buf_release(&c);
	buf_release(&d);
	free(tmp);
	return done_testing();
}
