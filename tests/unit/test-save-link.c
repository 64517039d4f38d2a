/* save_link(): one message for several folders, hard-linked where they
 * share a file system and copied where they do not. */

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "folder.h"
#include "save.h"
#include "util.h"
#include "../tap.h"

static struct folder *make_folder(const char *root, const char *name)
{
	static const char *const sub[] = { "", "/cur", "/new", "/tmp" };
	struct folder *f = NULL;
	char path[4096];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sub); i++) {
		xsnprintf(path, sizeof(path), "%s/%s%s", root, name, sub[i]);
		mkdir(path, 0700);
	}
	xsnprintf(path, sizeof(path), "%s/%s", root, name);
	if (folder_open_lazy(path, &f) < 0)
		return NULL;
	return f;
}

/* The one file in DIR/SUB, its path into out; the count of files. */
static int only_file(const char *dir, const char *sub, struct buf *out)
{
	char path[4096];
	struct dirent *de;
	DIR *d;
	int n = 0;

	xsnprintf(path, sizeof(path), "%s/%s", dir, sub);
	d = opendir(path);
	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		buf_reset(out);
		buf_printf(out, "%s/%s", path, de->d_name);
		n++;
	}
	closedir(d);
	return n;
}

static int buf_sink(void *ctx, const void *data, size_t len)
{
	buf_append(ctx, data, len);
	return 0;
}

static const char msg[] = "Return-Path: <a@example.org>\nSubject: x\n\nbody\n";

/* Saves msg into a and links it into b; checks what came out. */
static void link_into(struct folder *a, struct folder *b, bool same_fs)
{
	struct save *s = NULL, *l = NULL;
	struct buf pa = BUF_INIT, pb = BUF_INIT, data = BUF_INIT;
	struct stat sa, sb;
	uint32_t ua = 0, ub = 0;
	int fd;

	ok(save_begin(a, &s) == 0 && save_write(s, msg, 20) == 0 &&
	   save_write(s, msg + 20, strlen(msg) - 20) == 0, "save into a");
	is_int(save_link(s, b, &l), 0, "save_link into b");
	fd = save_open_read(s);
	ok(fd >= 0, "save_open_read");
	is_int(save_finish(&s, 0, 0, 0, &ua), 0, "a's save finished");
	is_int(save_finish(&l, 0, 0, 0, &ub), 0, "b's save finished");
	is_int(ua, 1, "a's UID 1");
	is_int(ub, 1, "b's UID 1");
	is_int(only_file(a->dir, "new", &pa), 1, "one file in a/new");
	is_int(only_file(b->dir, "new", &pb), 1, "one file in b/new");
	is_int(only_file(a->dir, "tmp", &data), 0, "nothing left in a/tmp");
	is_int(only_file(b->dir, "tmp", &data), 0, "nothing left in b/tmp");
	stat(pa.data, &sa);
	stat(pb.data, &sb);
	if (same_fs) {
		ok(sa.st_ino == sb.st_ino && sa.st_nlink == 2,
		   "one inode, two links");
	} else {
		ok(sa.st_ino != sb.st_ino || sa.st_dev != sb.st_dev,
		   "two files across file systems");
	}
	ok(strstr(pb.data, ",S=46,W=50") != NULL,
	   "b's name carries the sizes (S=46, W=50)");
	buf_reset(&data);
	ok(read_file_small(pb.data, 4096, &data) == 0 &&
	   strcmp(data.data, msg) == 0, "b's bytes are the message's");
	buf_reset(&data);
	ok(fd >= 0 && fd_copy(fd, buf_sink, &data) == 0 &&
	   strcmp(data.data, msg) == 0,
	   "the descriptor of save_open_read() still reads the message");
	if (fd >= 0)
		close(fd);
	buf_release(&pa);
	buf_release(&pb);
	buf_release(&data);
}

int main(void)
{
	char *tmp = tap_tmpdir("test-save-link"), shm[] = "/dev/shm/mt-link.XXXXXX";
	struct folder *a = make_folder(tmp, "a"), *b = make_folder(tmp, "b");
	struct folder *c = NULL;
	struct save *s = NULL, *l = NULL;
	struct buf p = BUF_INIT;
	struct stat st1, st2;

	ok(a != NULL && b != NULL, "two maildirs");
	link_into(a, b, true);

	/* An aborted link leaves the source alone. */
	ok(save_begin(a, &s) == 0 && save_write(s, msg, strlen(msg)) == 0 &&
	   save_link(s, b, &l) == 0, "another save and link");
	save_abort(&l);
	ok(l == NULL, "save_abort() of the link");
	is_int(only_file(b->dir, "tmp", &p), 0, "b/tmp is empty again");
	is_int(only_file(a->dir, "tmp", &p), 1, "a's file is still there");
	save_abort(&s);

	if (stat(tmp, &st1) == 0 && mkdtemp(shm) != NULL &&
	    stat(shm, &st2) == 0 && st1.st_dev != st2.st_dev &&
	    (c = make_folder(shm, "c")) != NULL) {
		folder_free(&a);
		a = make_folder(tmp, "a2");
		link_into(a, c, false);
	} else {
		skip("no second file system at /dev/shm");
	}
	folder_free(&a);
	folder_free(&b);
	folder_free(&c);
	buf_release(&p);
	if (c != NULL || access(shm, F_OK) == 0) {
		/* Only what this test made: c/ and the directory. */
		char cmd[128];

		xsnprintf(cmd, sizeof(cmd), "rm -rf '%s'", shm);
		if (system(cmd) != 0)
			diag("could not remove %s", shm);
	}
	free(tmp);
	return done_testing();
}
