/*
 * Filling the kernel's page cache at open, so that reading a small file
 * costs no READ request.
 *
 * Reading a file through FUSE costs a lookup, an open and a read, each a
 * round trip to this daemon; for the small files of this tree (a message
 * is a few KB, a property a line) the round trips are most of the time
 * `cat` takes.  The files read through the page cache (FOPEN_KEEP_CACHE)
 * never change for an inode, so open pushes their first PREFILL_MAX
 * bytes into the kernel's cache (fuse_lowlevel_notify_store) before it
 * replies, and the read that follows is served by the kernel.
 *
 * The store locks the pages it fills.  A READ the kernel sent earlier
 * for the same file holds its pages locked until this single-threaded
 * daemon answers it, so storing then would wait for ever.  A READ only
 * comes from an open file, and the kernel sends RELEASE only once the
 * file's reads (readahead included) are answered; so open stores only
 * when no other open file of that inode is known here.  The open files
 * are counted per inode in a sorted array (a handful in practice).
 */

#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "fs.h"
#include "write.h"

/* The readahead window: past it, reads stream by READ requests. */
#define PREFILL_MAX (128u * 1024)

struct openino {
	fuse_ino_t ino;
	unsigned int count;
};

static size_t find(const struct view *v, fuse_ino_t ino)
{
	size_t lo = 0, hi = v->n_opens;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (v->opens[mid].ino < ino)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

bool prefill_opened(struct view *v, fuse_ino_t ino)
{
	size_t i = find(v, ino);

	if (i < v->n_opens && v->opens[i].ino == ino) {
		v->opens[i].count++;
		return false;
	}
	v->opens = xgrow(v->opens, &v->cap_opens, v->n_opens + 1,
			 sizeof(*v->opens));
	memmove(&v->opens[i + 1], &v->opens[i],
		(v->n_opens - i) * sizeof(*v->opens));
	v->opens[i].ino = ino;
	v->opens[i].count = 1;
	v->n_opens++;
	return true;
}

void prefill_closed(struct view *v, fuse_ino_t ino)
{
	size_t i = find(v, ino);

	if (i >= v->n_opens || v->opens[i].ino != ino)
		return;
	if (--v->opens[i].count > 0)
		return;
	memmove(&v->opens[i], &v->opens[i + 1],
		(v->n_opens - i - 1) * sizeof(*v->opens));
	v->n_opens--;
}

void prefill_release(struct view *v)
{
	free(v->opens);
	v->opens = NULL;
	v->n_opens = v->cap_opens = 0;
}

void prefill_store(struct view *v, fuse_ino_t ino, const struct ofile *o)
{
	size_t size;
	struct fuse_bufvec bv;

	if (o->fd >= 0) {
		size = o->limit < PREFILL_MAX ? (size_t)o->limit : PREFILL_MAX;
		bv = (struct fuse_bufvec)FUSE_BUFVEC_INIT(size);
		bv.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
		bv.buf[0].fd = o->fd;
		bv.buf[0].pos = (off_t)o->base;
	} else {
		size = o->content.len < PREFILL_MAX ? o->content.len :
		       PREFILL_MAX;
		bv = (struct fuse_bufvec)FUSE_BUFVEC_INIT(size);
		bv.buf[0].mem = o->content.data;
	}
	if (size == 0)
		return;
	/* A failure leaves the pages to READ as before. */
	fuse_lowlevel_notify_store(v->se, ino, 0, &bv, 0);
}
