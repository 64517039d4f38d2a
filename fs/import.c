/* Importing mbox files and message files, and the progress both kinds of
 * import report; see import.h.  Maildir trees are in import-maildir.c. */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "folder.h"
#include "import-int.h"
#include "mailbox.h"
#include "maildir-name.h"
#include "save.h"
#include "util.h"

void import_progress_init(struct import_progress *p,
			  void (*update)(const struct import_progress *, void *),
			  void *ctx)
{
	memset(p, 0, sizeof(*p));
	p->update = update;
	p->ctx = ctx;
	buf_init(&p->where);
}

void import_progress_release(struct import_progress *p)
{
	buf_release(&p->where);
}

void import_progress_chunk(struct import_progress *p, size_t len)
{
	p->current += len;
	if (p->update != NULL)
		p->update(p, p->ctx);
}

void import_progress_message(struct import_progress *p, uint64_t size)
{
	p->messages++;
	p->bytes += size;
	p->current = 0;
	if (p->update != NULL)
		p->update(p, p->ctx);
}

struct save_progress {
	struct save *save;
	struct import_progress *p;
};

static int save_with_progress(void *ctx, const void *data, size_t len)
{
	struct save_progress *sp = ctx;
	int ret = save_write(sp->save, data, len);

	if (ret == 0)
		import_progress_chunk(sp->p, len);
	return ret;
}

/* Streams fd to its end into the save. */
int import_copy_fd(int fd, struct save *s, struct import_progress *p)
{
	struct save_progress sp = { s, p };

	return fd_copy(fd, save_with_progress, &sp);
}

/* mbox */

struct mbox_import {
	struct folder *folder;
	struct import_progress *p;
	struct save *save;
	time_t date;
	uint64_t index;
	uint64_t offset;
	int err;	/* what a callback failed with */
};

static int mbox_begin(void *ctx, const struct mbox_envelope *env)
{
	struct mbox_import *mi = ctx;
	int ret;

	mi->index = env->index;
	mi->offset = env->offset;
	mi->date = env->has_date ? (time_t)env->date : 0;
	ret = save_begin(mi->folder, &mi->save);
	if (ret < 0)
		mi->err = ret;
	return ret;
}

static int mbox_data(void *ctx, const void *data, size_t len)
{
	struct mbox_import *mi = ctx;
	int ret = save_write(mi->save, data, len);

	if (ret < 0)
		mi->err = ret;
	else
		import_progress_chunk(mi->p, len);
	return ret;
}

static int mbox_end(void *ctx, const struct mbox_message_end *end)
{
	struct mbox_import *mi = ctx;
	int ret;

	ret = save_finish(&mi->save, 0, 0, mi->date, NULL);
	if (ret < 0) {
		mi->err = ret;
		return ret;
	}
	import_progress_message(mi->p, end->size);
	return 0;
}

int import_mbox(struct folder *f, int fd, enum mbox_format format,
		struct import_progress *p)
{
	static const struct mbox_callbacks cb = {
		mbox_begin, mbox_data, mbox_end,
	};
	struct mbox_import mi = { .folder = f, .p = p };
	struct mbox_reader *r;
	int ret;

	r = mbox_reader_new(format, &cb, &mi);
	ret = mbox_reader_read_fd(r, fd);
	if (mi.save != NULL)
		save_abort(&mi.save);
	buf_reset(&p->where);
	if (ret < 0 && mi.err < 0)
		buf_printf(&p->where, "message %" PRIu64 " (From_ line at byte "
			   "%" PRIu64 ")", mi.index + 1, mi.offset);
	else if (ret < 0)
		buf_puts(&p->where, mbox_reader_error(r));
	mbox_reader_free(&r);
	return ret;
}

/* single messages */

int import_message_fd(struct folder *f, int fd, bool strip_from, time_t date,
		      struct import_progress *p)
{
	char *head = xmalloc(COPY_CHUNK);
	struct buf sender = BUF_INIT;
	struct save *s = NULL;
	size_t got = 0, skip = 0;
	int ret;

	/* One chunk decides whether there is a From_ line. */
	ret = read_full(fd, head, COPY_CHUNK, &got);
	if (ret == 0 && strip_from && got >= 5 && memcmp(head, "From ", 5) == 0) {
		char *nl = memchr(head, '\n', got);

		if (nl != NULL) {
			size_t len = (size_t)(nl - head);
			int64_t t;
			int has_date;

			skip = len + 1;
			if (len > 0 && head[len - 1] == '\r')
				len--;
			mbox_parse_from_line(head, len, &sender, &t, &has_date);
			if (has_date)
				date = (time_t)t;
		}
	}
	if (ret == 0)
		ret = save_begin(f, &s);
	if (ret == 0) {
		ret = save_write(s, head + skip, got - skip);
		import_progress_chunk(p, got - skip);
	}
	if (ret == 0 && got == COPY_CHUNK)
		ret = import_copy_fd(fd, s, p);
	if (ret == 0) {
		uint64_t size = save_size(s);

		ret = save_finish(&s, 0, 0, date, NULL);
		if (ret == 0)
			import_progress_message(p, size);
	}
	if (s != NULL)
		save_abort(&s);
	free(head);
	buf_release(&sender);
	return ret;
}
