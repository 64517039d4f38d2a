/*
 * The streaming mbox reader; see mbox.h for the rules it follows.
 *
 * Input is cut into lines.  A line is kept in a buffer of MBOX_LINE_MAX
 * bytes until it is complete, so that it can be classified (separator,
 * empty line, header, escaped "From "); a longer line is classified from
 * its first bytes and the rest passes straight through.  Message bytes
 * collect in an output buffer handed to data() in pieces of at most
 * OUT_CHUNK bytes.
 *
 * An empty line is not emitted until the next line shows it is not the
 * blank line in front of a separator.
 *
 * Content-Length: when a separator-like line turns up inside the length a
 * header announced, we cannot know yet whether the length is right.  From
 * that line on, input is copied raw into `hold` and only scanned ("dry")
 * until the announced end shows whether the length is trusted.  Then the
 * held bytes are replayed through the ordinary path with the answer fixed,
 * followed by any input not yet consumed.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "buf.h"
#include "mbox.h"
#include "util.h"

#define OUT_CHUNK	65536
/* Larger lengths are not believed (and offsets cannot overflow). */
#define CL_MAX		(UINT64_C(1) << 48)

enum state { ST_START, ST_HEADER, ST_BODY };
enum line_kind {
	LINE_FULL,	/* ends in "\n" */
	LINE_PREFIX,	/* the first MBOX_LINE_MAX bytes of a longer line */
	LINE_LAST,	/* the end of input cut it short */
};
enum cl_state {
	CL_NONE,	/* no usable Content-Length */
	CL_PENDING,	/* announced, not yet checked */
	CL_TRUSTED,	/* checked by a hold: its end is the separator */
};
enum cl_verdict { CL_BELOW, CL_SEP, CL_DEFER, CL_BAD };

struct mbox_reader {
	enum mbox_format format;
	struct mbox_callbacks cb;
	void *ctx;
	int err;
	char errmsg[160];
	enum state state;
	int stop;		/* a hold was resolved; return to feed() */

	/* The line being read. */
	uint64_t offset;	/* input bytes consumed */
	uint64_t line_start;
	struct buf line;
	int overlong;		/* passing through the rest of a long line */
	int overlong_cr;	/* the last byte passed was '\r' */
	uint64_t prev_content_end, prev_line_end;

	/* The current message. */
	uint64_t count;
	struct mbox_envelope env;
	struct buf sender, from_line, scratch;
	uint64_t size, raw_end;
	char held[2];		/* an empty line not yet emitted */
	size_t held_len;
	uint64_t held_end;
	struct buf out;
	int quote_active;	/* see emit_long() */
	uint64_t quote_gt;
	size_t quote_from;

	/* Content-Length. */
	int have_cl;
	uint64_t cl_value, cl_end;
	enum cl_state cl_state;
	int holding;
	struct buf hold;
	size_t hold_max;
	uint64_t hold_start, snap_content_end, snap_line_end;
	struct buf replay;
	size_t replay_pos;
};

static __attribute__((format(printf, 3, 4)))
int fail(struct mbox_reader *r, int err, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (r->err < 0)
		return r->err;
	va_start(ap, fmt);
	n = vsnprintf(r->errmsg, sizeof(r->errmsg), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(r->errmsg))
		r->errmsg[sizeof(r->errmsg) - 1] = '\0';
	r->err = err;
	return err;
}

static int flush_out(struct mbox_reader *r)
{
	int rc;

	if (r->out.len == 0)
		return 0;
	rc = r->cb.data != NULL ? r->cb.data(r->ctx, r->out.data, r->out.len)
				: 0;
	buf_reset(&r->out);
	if (rc < 0)
		return fail(r, rc, "message %" PRIu64 ": data callback failed",
			    r->count);
	return 0;
}

static int emit(struct mbox_reader *r, const char *p, size_t n)
{
	while (n > 0) {
		size_t take = OUT_CHUNK - r->out.len;
		int rc;

		if (take > n)
			take = n;
		buf_append(&r->out, p, take);
		r->size += take;
		p += take;
		n -= take;
		if (r->out.len == OUT_CHUNK && (rc = flush_out(r)) < 0)
			return rc;
	}
	return 0;
}

static int strips(const struct mbox_reader *r, uint64_t gt)
{
	switch (r->format) {
	case MBOX_FORMAT_MBOXRD:
		return gt >= 1;
	case MBOX_FORMAT_MBOXO:
		return gt == 1;
	default:
		return 0;
	}
}

/* How many '>' to strip from a complete line. */
static size_t unquote_len(const struct mbox_reader *r, const char *p, size_t n)
{
	size_t k = 0;

	while (k < n && p[k] == '>')
		k++;
	if (n - k < 5 || memcmp(p + k, "From ", 5) != 0)
		return 0;
	return (size_t)strips(r, k);
}

static int emit_gts(struct mbox_reader *r, uint64_t n)
{
	static const char gts[64] =
		">>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>"
		">>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>";
	int rc;

	while (n > 0) {
		size_t take = n > sizeof(gts) ? sizeof(gts) : (size_t)n;

		if ((rc = emit(r, gts, take)) < 0)
			return rc;
		n -= take;
	}
	return 0;
}

/* Writes what the quote matcher withheld, as it was. */
static int quote_flush(struct mbox_reader *r)
{
	int rc;

	r->quote_active = 0;
	if ((rc = emit_gts(r, r->quote_gt)) < 0)
		return rc;
	return emit(r, "From ", r->quote_from);
}

/*
 * Emits bytes of a long line, un-escaping its start.  The start of such a
 * line may be any number of '>' and then "From ", which does not fit the
 * line buffer; so the matcher only counts them until it knows.
 */
static int emit_long(struct mbox_reader *r, const char *p, size_t n)
{
	size_t i = 0;
	int rc;

	while (i < n && r->quote_active) {
		char c = p[i];

		if (r->quote_from == 0 && c == '>') {
			r->quote_gt++;
			i++;
		} else if (c == "From "[r->quote_from]) {
			i++;
			if (++r->quote_from == 5) {
				r->quote_gt -= (uint64_t)strips(r, r->quote_gt);
				if ((rc = quote_flush(r)) < 0)
					return rc;
			}
		} else if ((rc = quote_flush(r)) < 0) {
			return rc;
		}
	}
	return emit(r, p + i, n - i);
}

static int emit_held(struct mbox_reader *r)
{
	int rc = 0;

	if (r->held_len > 0) {
		rc = emit(r, r->held, r->held_len);
		r->raw_end = r->held_end;
		r->held_len = 0;
	}
	return rc;
}

static int end_message(struct mbox_reader *r)
{
	struct mbox_message_end e;
	int rc;

	/* A held empty line is the blank line before the separator. */
	r->held_len = 0;
	if ((rc = flush_out(r)) < 0)
		return rc;
	e.index = r->env.index;
	e.size = r->size;
	e.end_offset = r->raw_end;
	if (r->cb.end != NULL && (rc = r->cb.end(r->ctx, &e)) < 0)
		return fail(r, rc, "message %" PRIu64 ": end callback failed",
			    e.index + 1);
	return 0;
}

static int begin_message(struct mbox_reader *r, const char *p, size_t len,
			 uint64_t from_offset, uint64_t msg_offset)
{
	int rc;

	buf_reset(&r->from_line);
	buf_append(&r->from_line, p, len);
	mbox_parse_from_line(p, len, &r->sender, &r->env.date,
			     &r->env.has_date);
	r->env.line = r->from_line.data;
	r->env.sender = r->sender.data;
	r->env.index = r->count++;
	r->env.offset = from_offset;
	r->env.msg_offset = msg_offset;
	r->state = ST_HEADER;
	r->size = 0;
	r->raw_end = msg_offset;
	r->held_len = 0;
	r->have_cl = 0;
	r->cl_state = CL_NONE;
	if (r->cb.begin != NULL && (rc = r->cb.begin(r->ctx, &r->env)) < 0)
		return fail(r, rc, "message %" PRIu64 ": begin callback failed",
			    r->env.index + 1);
	return 0;
}

static int is_blank(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n')
			return 0;
	return 1;
}

static int starts_from(const char *p, size_t n)
{
	return n >= 5 && memcmp(p, "From ", 5) == 0;
}

/* Remembers "Content-Length: N" from a complete header line. */
static void header_line(struct mbox_reader *r, const char *p, size_t n)
{
	static const char name[] = "content-length:";
	size_t i = sizeof(name) - 1;
	uint64_t v = 0;
	int digits = 0;

	if (r->have_cl || n < i || strncasecmp(p, name, i) != 0)
		return;
	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	for (; i < n && p[i] >= '0' && p[i] <= '9'; i++, digits++) {
		v = v * 10 + (uint64_t)(p[i] - '0');
		if (v > CL_MAX)
			return;
	}
	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	if (digits == 0 || i != n)
		return;
	r->have_cl = 1;
	r->cl_value = v;
}

/*
 * Where does a line stand against the announced end?  The separator must
 * start at the end, or right after one line end that starts there.
 */
static enum cl_verdict cl_check(const struct mbox_reader *r, const char *p,
				size_t n, size_t content_len,
				enum line_kind kind)
{
	int from = kind != LINE_PREFIX && starts_from(p, n);

	if (r->line_start < r->cl_end)
		return CL_BELOW;
	if (r->line_start == r->cl_end) {
		if (from)
			return CL_SEP;
		if (kind == LINE_FULL && content_len == 0)
			return CL_DEFER;
		return CL_BAD;
	}
	if (from && r->prev_content_end == r->cl_end &&
	    r->prev_line_end == r->line_start)
		return CL_SEP;
	return CL_BAD;
}

/* Ends a hold: the held bytes will be replayed with the verdict fixed. */
static void resolve_hold(struct mbox_reader *r, enum cl_state verdict)
{
	r->cl_state = verdict;
	r->holding = 0;
	r->offset = r->hold_start;
	r->line_start = r->hold_start;
	r->prev_content_end = r->snap_content_end;
	r->prev_line_end = r->snap_line_end;
	buf_reset(&r->line);
	r->overlong = 0;
	r->quote_active = 0;
	r->stop = 1;
}

static void start_hold(struct mbox_reader *r, const char *p, size_t n)
{
	r->holding = 1;
	r->hold_start = r->line_start;
	r->snap_content_end = r->prev_content_end;
	r->snap_line_end = r->prev_line_end;
	buf_reset(&r->hold);
	buf_append(&r->hold, p, n);
}

static int looks_like_separator(struct mbox_reader *r, const char *p,
				size_t content_len)
{
	int64_t date;
	int has_date;

	return mbox_parse_from_line(p, content_len, &r->scratch, &date,
				    &has_date);
}

static int start_line(struct mbox_reader *r, const char *p, size_t n,
		      size_t content_len, enum line_kind kind)
{
	uint64_t start = r->line_start, end = start + n;

	if (start == 0 && n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
		p += 3;
		n -= 3;
		content_len -= 3;
		start += 3;
	}
	if (kind != LINE_PREFIX && is_blank(p, n))
		return 0;
	if (!starts_from(p, n))
		return fail(r, -EINVAL, "not an mbox: the first line (offset "
			    "%" PRIu64 ") does not start with \"From \"",
			    start);
	if (kind == LINE_PREFIX)
		return fail(r, -EINVAL, "the first From_ line is longer than "
			    "%d bytes", MBOX_LINE_MAX);
	return begin_message(r, p, content_len, start, end);
}

/*
 * Handles one line (or the first bytes of a long one).  Returns 1 when a
 * hold was resolved and the caller must stop consuming input.
 */
static int handle_line(struct mbox_reader *r, const char *p, size_t n,
		       enum line_kind kind)
{
	size_t content_len = n;
	uint64_t end = r->line_start + n;
	int sep, rc = 0;

	if (kind == LINE_FULL) {
		content_len--;
		if (content_len > 0 && p[content_len - 1] == '\r')
			content_len--;
	}
	if (r->holding) {
		enum cl_verdict v = cl_check(r, p, n, content_len, kind);

		if (v == CL_SEP || v == CL_BAD) {
			resolve_hold(r, v == CL_SEP ? CL_TRUSTED : CL_NONE);
			return 1;
		}
		goto next;
	}
	if (r->state == ST_START) {
		rc = start_line(r, p, n, content_len, kind);
		goto next;
	}

	sep = kind != LINE_PREFIX && starts_from(p, n) &&
	      looks_like_separator(r, p, content_len);
	if (r->state == ST_BODY && r->cl_state != CL_NONE) {
		switch (cl_check(r, p, n, content_len, kind)) {
		case CL_BELOW:
			if (sep && kind == LINE_FULL &&
			    r->cl_state == CL_PENDING) {
				start_hold(r, p, n);
				goto next;
			}
			sep = 0;
			break;
		case CL_SEP:
			sep = 1;
			break;
		case CL_DEFER:
			sep = 0;
			break;
		case CL_BAD:
			r->cl_state = CL_NONE;
			break;
		}
	}

	if (sep) {
		if ((rc = end_message(r)) < 0)
			return rc;
		rc = begin_message(r, p, content_len, r->line_start, end);
	} else if (kind == LINE_FULL && content_len == 0) {
		if (r->state == ST_HEADER) {
			r->state = ST_BODY;
			if (r->have_cl) {
				r->cl_end = end + r->cl_value;
				r->cl_state = CL_PENDING;
			}
		}
		if ((rc = emit_held(r)) < 0)
			return rc;
		memcpy(r->held, p, n);
		r->held_len = n;
		r->held_end = end;
	} else {
		if ((rc = emit_held(r)) < 0)
			return rc;
		if (kind == LINE_PREFIX) {
			r->quote_active = r->format != MBOX_FORMAT_RAW;
			r->quote_gt = 0;
			r->quote_from = 0;
			rc = emit_long(r, p, n);
		} else {
			size_t q = unquote_len(r, p, n);

			if (r->state == ST_HEADER)
				header_line(r, p, content_len);
			rc = emit(r, p + q, n - q);
		}
		r->raw_end = end;
	}
next:
	if (rc < 0)
		return rc;
	if (kind != LINE_PREFIX) {
		r->prev_content_end = r->line_start + content_len;
		r->prev_line_end = end;
		r->line_start = end;
	}
	return 0;
}

/* Passes through the rest of a long line, up to and including "\n". */
static int pass_long(struct mbox_reader *r, const char *p, size_t n, int nl)
{
	int rc;

	if (!r->holding && r->state != ST_START) {
		if ((rc = emit_long(r, p, n)) < 0)
			return rc;
		r->raw_end = r->offset + n;
	}
	if (nl) {
		int cr = n >= 2 ? p[n - 2] == '\r' : r->overlong_cr;

		r->prev_line_end = r->offset + n;
		r->prev_content_end = r->prev_line_end - 1 - (cr ? 1 : 0);
		r->line_start = r->prev_line_end;
		r->overlong = 0;
	}
	r->overlong_cr = p[n - 1] == '\r';
	return 0;
}

/* Consumes input until it ends, an error, or a resolved hold. */
static size_t process(struct mbox_reader *r, const char *p, size_t n)
{
	size_t i = 0;

	while (i < n && r->err == 0 && !r->stop) {
		const char *nl = memchr(p + i, '\n', n - i);
		size_t seg = nl != NULL ? (size_t)(nl - (p + i)) + 1 : n - i;
		int rc = 0, handled = 1;

		if (!r->overlong) {
			size_t room = MBOX_LINE_MAX - r->line.len;

			if (seg > room) {
				seg = room;
				nl = NULL;
			}
		} else if (r->holding && r->hold.len < r->hold_max &&
			   seg > r->hold_max - r->hold.len + 1) {
			/* However large the caller's chunk, the hold stays
			 * bounded. */
			seg = r->hold_max - r->hold.len + 1;
			nl = NULL;
		}
		if (r->holding)
			buf_append(&r->hold, p + i, seg);
		if (r->overlong) {
			rc = pass_long(r, p + i, seg, nl != NULL);
		} else if (nl != NULL && r->line.len == 0) {
			rc = handle_line(r, p + i, seg, LINE_FULL);
		} else {
			buf_append(&r->line, p + i, seg);
			if (nl != NULL || r->line.len == MBOX_LINE_MAX) {
				enum line_kind k = nl != NULL ? LINE_FULL
							      : LINE_PREFIX;

				if (k == LINE_PREFIX) {
					r->overlong = 1;
					r->overlong_cr =
						r->line.data[r->line.len - 1] ==
						'\r';
				}
				rc = handle_line(r, r->line.data, r->line.len,
						 k);
				buf_reset(&r->line);
			} else {
				handled = 0;
			}
		}
		if (r->stop)
			return i + seg;
		r->offset += seg;
		i += seg;
		if (rc < 0)
			break;
		/* Checked only once a line was classified, so that the
		 * outcome does not depend on how the input was chunked. */
		if (handled && r->holding && r->hold.len > r->hold_max) {
			resolve_hold(r, CL_NONE);
			return i;
		}
	}
	return i;
}

/* After a resolved hold: replay the held bytes, then what was left of the
 * previous replay. */
static void requeue(struct mbox_reader *r)
{
	struct buf nb = r->hold;

	buf_init(&r->hold);
	if (r->replay_pos < r->replay.len)
		buf_append(&nb, r->replay.data + r->replay_pos,
			   r->replay.len - r->replay_pos);
	buf_release(&r->replay);
	r->replay = nb;
	r->replay_pos = 0;
	r->stop = 0;
}

int mbox_reader_feed(struct mbox_reader *r, const void *data, size_t len)
{
	const char *p = data;

	while (r->err == 0) {
		if (r->replay_pos < r->replay.len) {
			size_t k = process(r, r->replay.data + r->replay_pos,
					   r->replay.len - r->replay_pos);

			if (r->stop) {
				r->replay_pos += k;
				requeue(r);
				continue;
			}
			r->replay_pos += k;
		} else if (len > 0) {
			size_t k;

			if (r->replay.cap > 0) {
				buf_release(&r->replay);
				r->replay_pos = 0;
			}
			k = process(r, p, len);
			p += k;
			len -= k;
			if (r->stop)
				requeue(r);
		} else {
			break;
		}
	}
	return r->err;
}

int mbox_reader_finish(struct mbox_reader *r)
{
	int rc;

	while (r->err == 0 && r->holding) {
		uint64_t eof = r->offset;
		int ok = eof == r->cl_end || (r->prev_line_end == eof &&
					      r->prev_content_end == r->cl_end);

		resolve_hold(r, ok ? CL_TRUSTED : CL_NONE);
		requeue(r);
		mbox_reader_feed(r, NULL, 0);
	}
	if (r->err < 0)
		return r->err;
	if (r->line.len > 0) {
		rc = handle_line(r, r->line.data, r->line.len, LINE_LAST);
		buf_reset(&r->line);
		if (rc < 0)
			return rc;
	}
	r->overlong = 0;
	if (r->quote_active && (rc = quote_flush(r)) < 0)
		return rc;
	if (r->state != ST_START) {
		if ((rc = end_message(r)) < 0)
			return rc;
		r->state = ST_START;
	}
	return r->err;
}

int mbox_reader_read_fd(struct mbox_reader *r, int fd)
{
	char *chunk = xmalloc(OUT_CHUNK);
	int rc = 0;

	for (;;) {
		ssize_t n = read(fd, chunk, OUT_CHUNK);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = fail(r, -errno, "read: %s", strerror(errno));
			break;
		}
		if (n == 0) {
			rc = mbox_reader_finish(r);
			break;
		}
		if ((rc = mbox_reader_feed(r, chunk, (size_t)n)) < 0)
			break;
	}
	free(chunk);
	return rc;
}

struct mbox_reader *mbox_reader_new(enum mbox_format format,
				    const struct mbox_callbacks *cb,
				    void *ctx)
{
	struct mbox_reader *r = xcalloc(1, sizeof(*r));

	r->format = format;
	if (cb != NULL)
		r->cb = *cb;
	r->ctx = ctx;
	r->state = ST_START;
	r->hold_max = MBOX_HOLD_MAX;
	buf_init(&r->line);
	buf_init(&r->sender);
	buf_init(&r->from_line);
	buf_init(&r->scratch);
	buf_init(&r->out);
	buf_init(&r->hold);
	buf_init(&r->replay);
	return r;
}

void mbox_reader_free(struct mbox_reader **rp)
{
	struct mbox_reader *r = *rp;

	if (r == NULL)
		return;
	buf_release(&r->line);
	buf_release(&r->sender);
	buf_release(&r->from_line);
	buf_release(&r->scratch);
	buf_release(&r->out);
	buf_release(&r->hold);
	buf_release(&r->replay);
	free(r);
	*rp = NULL;
}

void mbox_reader_set_hold_max(struct mbox_reader *r, size_t max)
{
	r->hold_max = max;
}

uint64_t mbox_reader_count(const struct mbox_reader *r)
{
	return r->count;
}

const char *mbox_reader_error(const struct mbox_reader *r)
{
	return r->err < 0 ? r->errmsg : "";
}
