/*
 * mailtree.changes, the folder's change log (index.h): appending under
 * the folder lock, reading from a MODSEQ on, and cutting it back when it
 * has grown long.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "folder-int.h"
#include "index.h"
#include "util.h"

/* The log is cut back to its newest CHANGES_KEEP_SIZE bytes when it grows
 * past CHANGES_MAX_SIZE (changes_trim()): about 16,000 and 65,000
 * changes. */
#define CHANGES_MAX_SIZE (1024 * 1024)
#define CHANGES_KEEP_SIZE (256 * 1024)

/*
 * Replaces a change log grown past CHANGES_MAX_SIZE by its newest
 * CHANGES_KEEP_SIZE bytes, from the first whole line on: the log is then
 * complete back to that line's MODSEQ, and a client that has seen nothing
 * since is told to compare everything (QRESYNC's full resync).  Under the
 * folder lock, like every append; readers take no lock and see the old
 * file or the new one.
 */
static void changes_trim(struct folder *f, int fd, off_t size)
{
	struct buf path = BUF_INIT;
	char *tail = xmalloc(CHANGES_KEEP_SIZE);
	ssize_t got;
	char *start;

	got = pread_full(fd, tail, CHANGES_KEEP_SIZE,
			 (uint64_t)(size - CHANGES_KEEP_SIZE));
	start = got > 0 ? memchr(tail, '\n', (size_t)got) : NULL;
	if (start != NULL) {
		start++;
		buf_printf(&path, "%s/" CHANGES_NAME, f->dir);
		if (write_file_atomic(path.data, start,
				      (size_t)(tail + got - start), 0600) < 0)
			log_warn("%s: cannot shorten %s", f->dir, CHANGES_NAME);
		buf_release(&path);
	}
	free(tail);
}

static int changes_open(const struct folder *f)
{
	struct buf path = BUF_INIT;
	int fd;

	buf_printf(&path, "%s/" CHANGES_NAME, f->dir);
	fd = open(path.data, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	buf_release(&path);
	return fd < 0 ? -errno : fd;
}

/*
 * The log to append to: the one the folder keeps open (folder_keep_files())
 * while it is still the file at its name (another process replacing it
 * leaves it unlinked, which fstat() shows), else the file opened anew;
 * cut back first when it has grown too long.  *close_r says whether the
 * caller closes it (it is not kept).
 */
static int changes_fd_current(struct folder *f, bool *close_r)
{
	struct stat st;
	int fd = f->changes_fd;

	f->changes_fd = -1;
	if (fd >= 0 && (fstat(fd, &st) < 0 || st.st_nlink == 0)) {
		close(fd);
		fd = -1;
	}
	if (fd < 0) {
		fd = changes_open(f);
		if (fd < 0)
			return fd;
		if (fstat(fd, &st) < 0)
			st.st_size = 0;
	}
	if (st.st_size > CHANGES_MAX_SIZE) {
		changes_trim(f, fd, st.st_size);
		close(fd);
		fd = changes_open(f);
		if (fd < 0)
			return fd;
	}
	*close_r = !folder_files_slot(f);
	if (!*close_r)
		f->changes_fd = fd;
	return fd;
}

int changes_append(struct folder *f, uint64_t modseq, uint32_t uid,
		   enum change_kind kind)
{
	char line[64];
	bool owned;
	int fd, ret;

	ret = xsnprintf(line, sizeof(line), "%llu %u %c\n",
			(unsigned long long)modseq, uid, (char)kind);
	if (ret < 0)
		return ret;
	fd = changes_fd_current(f, &owned);
	if (fd < 0)
		return fd;
	ret = write_full(fd, line, strlen(line));
	if (owned)
		close(fd);
	return ret;
}

int changes_since(struct folder *f, uint64_t since,
		  void (*cb)(uint64_t modseq, uint32_t uid,
			     enum change_kind kind, void *ctx), void *ctx)
{
	struct buf path = BUF_INIT;
	char line[128];
	uint64_t first = 0;
	FILE *fp;

	buf_printf(&path, "%s/" CHANGES_NAME, f->dir);
	fp = fopen(path.data, "re");
	buf_release(&path);
	if (fp == NULL)
		return errno == ENOENT ? (since >= f->highest_modseq) : -errno;
	while (fgets(line, sizeof(line), fp) != NULL) {
		unsigned long long ms;
		unsigned int uid;
		char kind;

		if (sscanf(line, "%llu %u %c", &ms, &uid, &kind) != 3)
			continue;
		if (first == 0)
			first = ms;
		if (ms > since && (kind == 'A' || kind == 'F' || kind == 'E'))
			cb(ms, uid, (enum change_kind)kind, ctx);
	}
	fclose(fp);
	/* Complete if the log starts at or before the first change after
	 * `since`. */
	return first != 0 && first <= since + 1 ? 1 : 0;
}
