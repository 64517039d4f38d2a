/* The mboxrd writer; see mbox.h. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "mbox.h"
#include "util.h"

#define WRITE_CHUNK	65536

void mbox_writer_init(struct mbox_writer *w, int fd)
{
	memset(w, 0, sizeof(*w));
	w->fd = fd;
	buf_init(&w->out);
}

void mbox_writer_init_buf(struct mbox_writer *w, struct buf *sink)
{
	mbox_writer_init(w, -1);
	w->sink = sink;
}

void mbox_writer_release(struct mbox_writer *w)
{
	buf_release(&w->out);
}

int mbox_writer_flush(struct mbox_writer *w)
{
	int rc = 0;

	if (w->out.len == 0)
		return 0;
	if (w->sink != NULL)
		buf_append(w->sink, w->out.data, w->out.len);
	else
		rc = write_full(w->fd, w->out.data, w->out.len);
	buf_reset(&w->out);
	return rc;
}

static int put(struct mbox_writer *w, const void *p, size_t n)
{
	buf_append(&w->out, p, n);
	return w->out.len >= WRITE_CHUNK ? mbox_writer_flush(w) : 0;
}

static int put_gts(struct mbox_writer *w, uint64_t n)
{
	static const char gts[64] =
		">>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>"
		">>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>";
	int rc;

	while (n > 0) {
		size_t take = n > sizeof(gts) ? sizeof(gts) : (size_t)n;

		if ((rc = put(w, gts, take)) < 0)
			return rc;
		n -= take;
	}
	return 0;
}

/* Writes a withheld line start; `escape` adds the mboxrd '>'. */
static int quote_flush(struct mbox_writer *w, int escape)
{
	int rc;

	w->quote_active = 0;
	if ((rc = put_gts(w, w->quote_gt + (escape ? 1 : 0))) < 0)
		return rc;
	return put(w, "From ", w->quote_from);
}

int mbox_writer_begin(struct mbox_writer *w, const char *sender, int64_t date)
{
	struct buf line = BUF_INIT;
	int rc;

	if (w->in_message)
		return -EINVAL;
	if ((rc = mbox_format_from_line(&line, sender, date)) == 0)
		rc = put(w, line.data, line.len);
	buf_release(&line);
	if (rc < 0)
		return rc;
	w->in_message = 1;
	w->at_line_start = 1;
	w->quote_active = 0;
	w->last = '\n';
	w->size = 0;
	return 0;
}

/*
 * Every line matching /^>*From / gets one more '>'.  The '>' run may be of
 * any length and split across calls, so the start of a line is counted,
 * not stored, until the first byte that decides.
 */
int mbox_writer_data(struct mbox_writer *w, const void *data, size_t len)
{
	const char *p = data;
	size_t i = 0;
	int rc;

	if (!w->in_message)
		return -EINVAL;
	while (i < len) {
		const char *nl;
		size_t seg;

		if (w->at_line_start) {
			w->at_line_start = 0;
			w->quote_active = 1;
			w->quote_gt = 0;
			w->quote_from = 0;
		}
		if (w->quote_active) {
			char c = p[i];

			if (w->quote_from == 0 && c == '>') {
				w->quote_gt++;
				i++;
				continue;
			}
			if (c == "From "[w->quote_from]) {
				i++;
				if (++w->quote_from == 5 &&
				    (rc = quote_flush(w, 1)) < 0)
					return rc;
				continue;
			}
			if ((rc = quote_flush(w, 0)) < 0)
				return rc;
		}
		nl = memchr(p + i, '\n', len - i);
		seg = nl != NULL ? (size_t)(nl - (p + i)) + 1 : len - i;
		if ((rc = put(w, p + i, seg)) < 0)
			return rc;
		i += seg;
		if (nl != NULL)
			w->at_line_start = 1;
	}
	if (len > 0)
		w->last = p[len - 1];
	w->size += len;
	return 0;
}

int mbox_writer_end(struct mbox_writer *w)
{
	int rc;

	if (!w->in_message)
		return -EINVAL;
	w->in_message = 0;
	if (w->quote_active && (rc = quote_flush(w, 0)) < 0)
		return rc;
	/* mboxrd cannot keep a missing final newline; see mbox.h. */
	if (w->last != '\n' && (rc = put(w, "\n", 1)) < 0)
		return rc;
	if ((rc = put(w, "\n", 1)) < 0)
		return rc;
	return mbox_writer_flush(w);
}

int mbox_writer_copy_fd(struct mbox_writer *w, const char *sender,
			int64_t date, int in_fd)
{
	char *chunk;
	int rc;

	if ((rc = mbox_writer_begin(w, sender, date)) < 0)
		return rc;
	chunk = xmalloc(WRITE_CHUNK);
	for (;;) {
		ssize_t n = read(in_fd, chunk, WRITE_CHUNK);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			break;
		}
		if (n == 0) {
			rc = mbox_writer_end(w);
			break;
		}
		if ((rc = mbox_writer_data(w, chunk, (size_t)n)) < 0)
			break;
	}
	free(chunk);
	if (rc < 0)
		w->in_message = 0;
	return rc;
}
