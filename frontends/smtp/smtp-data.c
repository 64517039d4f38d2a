/*
 * DATA: the message streams from the client into a save per recipient
 * (Maildir tmp/ files), never held whole in memory.  Dot-unstuffing and
 * the end-of-data mark follow RFC 5321 4.5.2 strictly: only CRLF ends a
 * line there, so "\n.\n" is content, not an end (no SMTP smuggling).
 * CRLF is stored as LF, as Maildir files conventionally are; a bare CR or
 * LF is kept as it came.  The saves are finished (fsync of file and
 * directory) on the thread pool; only then does each recipient get 250.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "conn.h"
#include "deliver.h"
#include "folder.h"
#include "save-group.h"
#include "save.h"
#include "smtp-int.h"
#include "util.h"

/* Bytes gathered before they are written to the saves. */
#define DATA_CHUNK (64 * 1024)

static void write_chunk(struct smtp_session *s)
{
	size_t i;
	int ret;

	if (s->chunk.len == 0)
		return;
	for (i = 0; i < s->rcpt_count; i++) {
		struct smtp_rcpt *r = &s->rcpts[i];

		if (r->save == NULL)
			continue;
		ret = save_write(r->save, s->chunk.data, s->chunk.len);
		if (ret < 0) {
			r->err = ret;
			save_abort(&r->save);
		}
	}
	buf_reset(&s->chunk);
}

void smtp_data_begin(struct smtp_session *s)
{
	struct buf trace = BUF_INIT;
	size_t i;
	int ret;

	for (i = 0; i < s->rcpt_count; i++) {
		struct smtp_rcpt *r = &s->rcpts[i];

		r->err = 0;
		ret = save_begin(r->folder, &r->save);
		if (ret == 0) {
			buf_reset(&trace);
			deliver_trace_headers(&trace, s->sender, r->addr,
					      "\n");
			ret = save_write(r->save, trace.data, trace.len);
			if (ret < 0)
				save_abort(&r->save);
		}
		if (ret < 0) {
			r->err = ret;
			conn_log_warn(s->c, "rcpt=%s cannot save: %s", r->addr,
				      strerror(-ret));
		}
	}
	buf_release(&trace);
	s->state = SMTP_DATA;
	s->dstate = DATA_BOL;
	s->data_size = 0;
	s->too_big = false;
	buf_reset(&s->chunk);
	conn_puts(s->c, "354 Start mail input; end with <CRLF>.<CRLF>\r\n");
	conn_set_raw(s->c, true);
}

void smtp_data_abort(struct smtp_session *s)
{
	size_t i;

	for (i = 0; i < s->rcpt_count; i++)
		if (s->rcpts[i].save != NULL)
			save_abort(&s->rcpts[i].save);
}

/* Finishing runs on the thread pool: an fsync per file, and one per
 * directory for all the sessions finishing into it at once (save-group.h). */
static void finish_work(void *arg)
{
	struct smtp_session *s = arg;
	size_t i;

	for (i = 0; i < s->rcpt_count; i++) {
		struct smtp_rcpt *r = &s->rcpts[i];

		if (r->save != NULL)
			r->err = save_group_finish(&r->save, &r->uid);
	}
}

static void finish_done(struct conn *c, void *arg)
{
	struct smtp_session *s = arg;
	size_t i;

	for (i = 0; i < s->rcpt_count; i++) {
		struct smtp_rcpt *r = &s->rcpts[i];

		if (r->err == 0) {
			conn_log_info(c, "rcpt=%s from=<%s> saved uid=%u "
				      "size=%llu", r->addr, s->sender, r->uid,
				      (unsigned long long)s->data_size);
			conn_printf(c, "250 2.0.0 <%s> Saved as UID %u\r\n",
				    r->addr, r->uid);
		} else {
			conn_log_info(c, "rcpt=%s from=<%s> not saved: %s",
				      r->addr, s->sender, strerror(-r->err));
			smtp_reply_errno(s, r->err, r->addr);
		}
	}
	smtp_transaction_reset(s);
	smtp_after_transaction(s);
}

/* The end-of-data mark was read. */
static void data_end(struct smtp_session *s)
{
	size_t i;

	conn_set_raw(s->c, false);
	write_chunk(s);
	if (s->too_big) {
		for (i = 0; i < s->rcpt_count; i++) {
			struct smtp_rcpt *r = &s->rcpts[i];

			if (r->save != NULL)
				save_abort(&r->save);
			r->err = -EFBIG;
		}
	}
	/* Replies come from finish_done, in recipient order. */
	conn_queue_work(s->c, finish_work, finish_done, s);
}

static inline void emit(struct smtp_session *s, char ch)
{
	if (s->too_big)
		return;
	buf_putc(&s->chunk, ch);
	if (++s->data_size > s->c->limits.max_message_size &&
	    s->c->limits.max_message_size > 0) {
		s->too_big = true;
		buf_reset(&s->chunk);
		smtp_data_abort(s);
	} else if (s->chunk.len >= DATA_CHUNK) {
		write_chunk(s);
	}
}

size_t smtp_data_input(struct conn *c, const char *data, size_t len)
{
	struct smtp_session *s = c->session;
	size_t i;

	for (i = 0; i < len; i++) {
		char ch = data[i];

		switch (s->dstate) {
		case DATA_BOL:
			if (ch == '.') {
				s->dstate = DATA_DOT;
				continue;
			}
			break;
		case DATA_DOT:
			if (ch == '\r') {
				s->dstate = DATA_DOT_CR;
				continue;
			}
			/* A stuffed dot: the one read is dropped. */
			break;
		case DATA_DOT_CR:
			if (ch == '\n') {
				data_end(s);
				return i + 1;
			}
			/* ".\r" then something else: a line holding "\r". */
			emit(s, '\r');
			break;
		case DATA_CR:
			if (ch == '\n') {
				emit(s, '\n');
				s->dstate = DATA_BOL;
				continue;
			}
			emit(s, '\r');
			break;
		case DATA_TEXT:
			break;
		}
		if (ch == '\r') {
			s->dstate = DATA_CR;
		} else {
			emit(s, ch);
			s->dstate = DATA_TEXT;
		}
	}
	return len;
}
