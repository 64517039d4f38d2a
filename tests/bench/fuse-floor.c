/*
 * fuse-floor: what the least FUSE file system costs on this machine, the
 * floor under the FUSE rows of `make bench`.
 *
 * It shows the files named on standard input, one path a line, as
 * 1/message.eml, 2/message.eml, ... (the layout of a mailtree-fs folder)
 * and does nothing but answer the kernel: names are numbers, attributes
 * come from one stat() at start, reads go to the backing files.  So the
 * time `cat` takes through it is the kernel's FUSE round trips and no
 * work of mailtree's.
 *
 * Without options it is a file system as libfuse's examples build one:
 * libfuse's request loop, a READ request for every file read.  With
 * -o fast it does what mailtree-fs does to cut round trips: its request
 * loop (fs/view/loop.c) and the page cache filled at open.
 *
 * usage: fuse-floor [-o fast] MOUNTPOINT < LIST
 */

#define FUSE_USE_VERSION 34

#include <errno.h>
#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "util.h"

int view_loop(struct fuse_session *se);

/* Inodes: 1 the root, 2..n+1 the directories, n+2..2n+1 the files. */
struct floor {
	char **paths;
	off_t *sizes;
	time_t *mtimes;
	size_t n, cap;
	bool fast;
	struct fuse_session *se;
};

static struct floor fl;

#define PREFILL_MAX (128u * 1024)
/* Nothing here changes: the kernel may keep it all, as mailtree-fs lets
 * it keep what never changes for a UID. */
#define TIMEOUT 86400.0

static void fill_stat(fuse_ino_t ino, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	if (ino <= fl.n + 1) {
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
	} else {
		st->st_mode = S_IFREG | 0444;
		st->st_nlink = 1;
		st->st_size = fl.sizes[ino - fl.n - 2];
		st->st_mtime = fl.mtimes[ino - fl.n - 2];
	}
}

static bool valid(fuse_ino_t ino)
{
	return ino >= 1 && ino <= 2 * fl.n + 1;
}

static void reply_entry(fuse_req_t req, fuse_ino_t ino)
{
	struct fuse_entry_param e;

	memset(&e, 0, sizeof(e));
	e.ino = ino;
	e.attr_timeout = e.entry_timeout = TIMEOUT;
	fill_stat(ino, &e.attr);
	fuse_reply_entry(req, &e);
}

static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	uint64_t i;

	if (parent == 1 && parse_u64(name, &i) == 0 && i >= 1 && i <= fl.n)
		reply_entry(req, 1 + i);
	else if (parent >= 2 && parent <= fl.n + 1 &&
		 strcmp(name, "message.eml") == 0)
		reply_entry(req, parent + fl.n);
	else
		fuse_reply_err(req, ENOENT);
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	struct stat st;

	(void)fi;
	if (!valid(ino)) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	fill_stat(ino, &st);
	fuse_reply_attr(req, &st, TIMEOUT);
}

static void op_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size,
			   off_t off, struct fuse_file_info *fi)
{
	size_t count = ino == 1 ? fl.n : 1, used = 0;
	char *out = xmalloc(size), name[32];
	struct fuse_entry_param e;
	size_t i;

	(void)fi;
	for (i = (size_t)off; i < count; i++) {
		size_t len;

		memset(&e, 0, sizeof(e));
		e.ino = ino == 1 ? 2 + i : ino + fl.n;
		e.attr_timeout = e.entry_timeout = TIMEOUT;
		fill_stat(e.ino, &e.attr);
		if (ino == 1)
			snprintf(name, sizeof(name), "%zu", i + 1);
		else
			snprintf(name, sizeof(name), "message.eml");
		len = fuse_add_direntry_plus(req, out + used, size - used,
					     name, &e, (off_t)i + 1);
		if (len > size - used)
			break;
		used += len;
	}
	fuse_reply_buf(req, out, used);
	free(out);
}

static void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	size_t k = ino - fl.n - 2;
	int fd;

	if (ino <= fl.n + 1 || !valid(ino)) {
		fuse_reply_err(req, EISDIR);
		return;
	}
	fd = open(fl.paths[k], O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fuse_reply_err(req, errno);
		return;
	}
	fi->fh = (uint64_t)fd;
	fi->keep_cache = 1;
	fi->noflush = 1;
	if (fl.fast) {
		size_t len = fl.sizes[k] < (off_t)PREFILL_MAX ?
			     (size_t)fl.sizes[k] : PREFILL_MAX;
		struct fuse_bufvec bv = FUSE_BUFVEC_INIT(len);

		bv.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
		bv.buf[0].fd = fd;
		bv.buf[0].pos = 0;
		if (len > 0)
			fuse_lowlevel_notify_store(fl.se, ino, 0, &bv, 0);
	}
	fuse_reply_open(req, fi);
}

static void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	struct fuse_bufvec bv = FUSE_BUFVEC_INIT(size);

	(void)ino;
	bv.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
	bv.buf[0].fd = (int)fi->fh;
	bv.buf[0].pos = off;
	fuse_reply_data(req, &bv, FUSE_BUF_SPLICE_MOVE);
}

static void op_release(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	(void)ino;
	close((int)fi->fh);
	fuse_reply_err(req, 0);
}

static void op_init(void *data, struct fuse_conn_info *conn)
{
	(void)data;
	if (conn->capable & FUSE_CAP_READDIRPLUS) {
		conn->want |= FUSE_CAP_READDIRPLUS;
		conn->want &= ~(unsigned)FUSE_CAP_READDIRPLUS_AUTO;
	}
	if (conn->capable & FUSE_CAP_NO_OPENDIR_SUPPORT)
		conn->want |= FUSE_CAP_NO_OPENDIR_SUPPORT;
}

static const struct fuse_lowlevel_ops ops = {
	.init = op_init,
	.lookup = op_lookup,
	.getattr = op_getattr,
	.readdirplus = op_readdirplus,
	.open = op_open,
	.read = op_read,
	.release = op_release,
};

static int read_list(void)
{
	char *line = NULL;
	size_t cap = 0, size_cap = 0, time_cap = 0;
	ssize_t len;
	struct stat st;
	char *full;

	while ((len = getline(&line, &cap, stdin)) > 0) {
		if (line[len - 1] == '\n')
			line[len - 1] = '\0';
		/* Absolute: the daemon's working directory becomes /. */
		full = realpath(line, NULL);
		if (full == NULL || stat(full, &st) < 0 || !S_ISREG(st.st_mode)) {
			fprintf(stderr, "fuse-floor: %s: not a file\n", line);
			free(full);
			free(line);
			return -1;
		}
		fl.paths = xgrow(fl.paths, &fl.cap, fl.n + 1, sizeof(*fl.paths));
		fl.sizes = xgrow(fl.sizes, &size_cap, fl.n + 1, sizeof(*fl.sizes));
		fl.mtimes = xgrow(fl.mtimes, &time_cap, fl.n + 1,
				  sizeof(*fl.mtimes));
		fl.paths[fl.n] = full;
		fl.sizes[fl.n] = st.st_size;
		fl.mtimes[fl.n] = st.st_mtime;
		fl.n++;
	}
	free(line);
	return 0;
}

int main(int argc, char **argv)
{
	struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
	const char *mnt;
	int ret = 1;

	fuse_opt_add_arg(&args, argv[0]);
	if (argc == 4 && strcmp(argv[1], "-o") == 0 &&
	    strcmp(argv[2], "fast") == 0) {
		fl.fast = true;
		mnt = argv[3];
	} else if (argc == 2) {
		mnt = argv[1];
	} else {
		fprintf(stderr, "usage: fuse-floor [-o fast] MOUNTPOINT < LIST\n");
		return 64;
	}
	if (read_list() < 0)
		return 1;
	fuse_opt_add_arg(&args, "-ofsname=fuse-floor");
	fl.se = fuse_session_new(&args, &ops, sizeof(ops), NULL);
	if (fl.se == NULL || fuse_session_mount(fl.se, mnt) != 0)
		return 1;
	if (fuse_daemonize(0) == 0)
		ret = fl.fast ? view_loop(fl.se) : fuse_session_loop(fl.se);
	fuse_session_unmount(fl.se);
	fuse_session_destroy(fl.se);
	fuse_opt_free_args(&args);
	return ret != 0;
}
