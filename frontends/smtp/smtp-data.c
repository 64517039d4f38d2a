/*
 * DATA and BDAT: the message streams from the client into a save per
 * local recipient (Maildir tmp/ files) and, for remote recipients of
 * submission, into one outbound queue file; it is never held whole in
 * memory.  Dot-unstuffing and the end-of-data mark follow RFC 5321 4.5.2
 * strictly: only CRLF ends a line there, so "\n.\n" is content, not an
 * end (no SMTP smuggling).  BDAT chunks (RFC 3030) are taken as they are,
 * a lone "." included.  CRLF is stored as LF, as Maildir files
 * conventionally are; a bare CR or LF is kept as it came.  Lines longer
 * than RFC 5321's 1000 octets are accepted and kept (4.5.3.1: receivers
 * should not impose the limit).
 *
 * In front of the message go Return-Path and Delivered-To (local
 * copies), then a Received field (SMTP, not LMTP).  Submission holds the
 * header back until it has been seen whole, to add a missing Date: or
 * Message-ID: and to check that From: is the user's.
 *
 * The saves are finished (fsync of file and directory) on the thread
 * pool (smtp-finish.c); only then does the client get its 250.  LMTP writes a copy per
 * recipient, each with its own Delivered-To.  SMTP with several local
 * recipients stores the message once, in the first recipient's tmp/, and
 * hard-links it into the others' folders (save_link()), so every copy
 * has the same bytes: Return-Path and Received, no Delivered-To, which
 * would show each recipient the others, Bcc ones included (Dovecot's LMTP
 * does the same).
 *
 * SMTP has one reply for all recipients (RFC 5321 3.3), which must not
 * claim a copy that was not stored.  As Postfix does, a local recipient
 * whose copy failed while another was stored is deferred, not refused:
 * the message goes into the outbound queue for that recipient, whose
 * runner retries the delivery and sends a DSN when it expires, and the
 * client gets its 250.  When nothing was stored the reply is the error,
 * and the client retries the whole message without making duplicates.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "buf.h"
#include "conn.h"
#include "date.h"
#include "deliver.h"
#include "header.h"
#include "queue.h"
#include "save.h"
#include "server.h"
#include "smtp-int.h"
#include "util.h"

/* Bytes gathered before they are written to the saves. */
#define DATA_CHUNK (64 * 1024)

/* Writes to every copy: the local saves and the queue file. */
static void sinks_write(struct smtp_session *s, const void *data, size_t len)
{
	size_t i;
	int ret;

	for (i = 0; i < s->rcpt_count; i++) {
		struct smtp_rcpt *r = &s->rcpts[i];

		if (r->save == NULL)
			continue;
		ret = save_write(r->save, data, len);
		if (ret < 0) {
			r->err = ret;
			save_abort(&r->save);
		}
	}
	if (s->qsave != NULL) {
		ret = queue_save_write(s->qsave, data, len);
		if (ret < 0) {
			s->qerr = ret;
			queue_save_abort(&s->qsave);
		}
	}
}

static void write_chunk(struct smtp_session *s)
{
	if (s->chunk.len == 0 || s->hold)
		return;
	sinks_write(s, s->chunk.data, s->chunk.len);
	buf_reset(&s->chunk);
}

static void received_field(struct smtp_session *s, struct buf *out)
{
	struct conn *c = s->c;

	buf_printf(out, "Received: from %s (%s [%s])\n\tby %s (mailtreed) "
		   "with %s%s%s id %s", s->helo != NULL ? s->helo : "unknown",
		   c->peer, c->peer, smtp_hostname(s),
		   s->esmtp ? "ESMTP" : "SMTP", conn_tls_active(c) ? "S" : "",
		   c->user != NULL ? "A" : "", c->id);
	if (s->rcpt_count == 1)
		buf_printf(out, "\n\tfor <%s>", s->rcpts[0].addr);
	buf_puts(out, ";\n\t");
	date_format(time(NULL), 0, out);
	buf_putc(out, '\n');
}

/* Opens the copies and writes what goes in front of the message. */
static void data_prepare(struct smtp_session *s)
{
	struct buf trace = BUF_INIT, received = BUF_INIT;
	size_t i;
	int ret;

	if (!s->lmtp)
		received_field(s, &received);
	s->shared = !s->lmtp && s->rcpt_count - s->remote_count > 1;
	s->primary = s->rcpt_count;
	for (i = 0; i < s->rcpt_count; i++) {
		struct smtp_rcpt *r = &s->rcpts[i];

		r->err = 0;
		r->queued = false;
		if (r->user == NULL)
			continue;	/* remote: the queue copy */
		if (s->shared && s->primary < s->rcpt_count)
			continue;	/* linked to the primary's at the end */
		ret = save_begin(r->folder, &r->save);
		if (ret == 0) {
			buf_reset(&trace);
			if (s->shared)
				buf_printf(&trace, "Return-Path: <%s>\n",
					   s->sender);
			else
				deliver_trace_headers(&trace, s->sender,
						      r->addr, "\n");
			s->trace_len = trace.len;
			buf_append(&trace, received.data, received.len);
			ret = save_write(r->save, trace.data, trace.len);
			if (ret < 0)
				save_abort(&r->save);
			else if (s->shared)
				s->primary = i;
		}
		if (ret < 0) {
			r->err = ret;
			conn_log_warn(s->c, "rcpt=%s cannot save: %s", r->addr,
				      strerror(-ret));
		}
	}
	s->qerr = 0;
	if (s->remote_count > 0) {
		ret = queue_save_begin(conn_store(s->c), &s->qsave);
		if (ret == 0)
			ret = queue_save_write(s->qsave, received.data,
					       received.len);
		if (ret < 0) {
			s->qerr = ret;
			queue_save_abort(&s->qsave);
			conn_log_warn(s->c, "cannot queue: %s", strerror(-ret));
		}
	}
	buf_release(&trace);
	buf_release(&received);
	s->dstate = DATA_BOL;
	s->data_size = 0;
	s->too_big = false;
	s->hold = s->kind == SMTP_KIND_SUBMISSION;
	s->header_inspected = false;
	buf_reset(&s->chunk);
}

void smtp_data_begin(struct smtp_session *s)
{
	data_prepare(s);
	s->state = SMTP_DATA;
	conn_puts(s->c, "354 Start mail input; end with <CRLF>.<CRLF>\r\n");
	conn_set_raw(s->c, true);
}

void smtp_data_abort(struct smtp_session *s)
{
	size_t i;

	for (i = 0; i < s->rcpt_count; i++)
		if (s->rcpts[i].save != NULL)
			save_abort(&s->rcpts[i].save);
	queue_save_abort(&s->qsave);
}

/* ---- submission: the header, held back until it has been seen ---- */

struct header_scan {
	struct smtp_session *s;
	bool date, message_id;
};

static int header_scan_field(void *ctx, const struct header_field *f)
{
	struct header_scan *h = ctx;

	if (strcasecmp(f->name, "Date") == 0)
		h->date = true;
	else if (strcasecmp(f->name, "Message-ID") == 0)
		h->message_id = true;
	else if (strcasecmp(f->name, "From") == 0 && h->s->from == NULL)
		h->s->from = xstrndup(f->value, f->value_len);
	return 0;
}

/* The header has been seen (or as much of it as fits in a chunk): adds
 * what is missing and lets the held bytes through. */
static void header_done(struct smtp_session *s)
{
	struct header_scan h = { .s = s };
	struct header_parser hp;
	struct buf added = BUF_INIT;
	unsigned char rnd[8];
	size_t used = 0;

	header_parser_init(&hp, 4096, header_scan_field, &h);
	if (header_parser_feed(&hp, s->chunk.data, s->chunk.len, &used) == 0)
		header_parser_finish(&hp);
	header_parser_release(&hp);
	/* RFC 6409 8.2, 8.3: the submission server completes the header. */
	if (!h.date) {
		buf_puts(&added, "Date: ");
		date_format(time(NULL), 0, &added);
		buf_putc(&added, '\n');
	}
	if (!h.message_id) {
		if (RAND_bytes(rnd, sizeof(rnd)) != 1)
			fatal("RAND_bytes failed");
		buf_printf(&added, "Message-ID: <%lld.%02x%02x%02x%02x%02x%02x"
			   "%02x%02x@%s>\n", (long long)time(NULL), rnd[0],
			   rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6],
			   rnd[7], smtp_hostname(s));
	}
	if (s->from == NULL && s->sender != NULL && s->sender[0] != '\0')
		buf_printf(&added, "From: <%s>\n", s->sender);
	s->hold = false;
	s->header_inspected = true;
	if (added.len > 0)
		sinks_write(s, added.data, added.len);
	buf_release(&added);
	write_chunk(s);
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
		return;
	}
	if (s->hold && ch == '\n' &&
	    (s->chunk.len == 1 || s->chunk.data[s->chunk.len - 2] == '\n'))
		header_done(s);
	if (s->chunk.len >= DATA_CHUNK) {
		if (s->hold)
			header_done(s);
		write_chunk(s);
	}
}

/* The whole message was read: the rest is smtp-finish.c's. */
static void data_end(struct smtp_session *s)
{
	conn_set_raw(s->c, false);
	if (s->hold && !s->too_big)
		header_done(s);
	write_chunk(s);
	smtp_data_finish(s);
}

/* ---- BDAT (RFC 3030) ---- */

void smtp_bdat_begin(struct smtp_session *s, uint64_t size, bool last)
{
	if (!(s->state & (SMTP_RCPT | SMTP_BDAT))) {
		/* The chunk is read and dropped: the client sends it
		 * whatever we answer. */
		s->bdat_discard = true;
	} else if (s->state == SMTP_RCPT) {
		data_prepare(s);
		s->bdat = true;
		s->bdat_cr = false;
		s->bdat_octets = 0;
		s->state = SMTP_BDAT;
	}
	s->bdat_left = size;
	s->bdat_last = last;
	if (size > 0)
		conn_set_raw(s->c, true);
	else
		smtp_data_input(s->c, "", 0);
}

static void bdat_put(struct smtp_session *s, char ch)
{
	if (s->bdat_cr) {
		s->bdat_cr = false;
		if (ch == '\n') {
			emit(s, '\n');
			return;
		}
		emit(s, '\r');
	}
	if (ch == '\r')
		s->bdat_cr = true;
	else
		emit(s, ch);
}

static void bdat_chunk_end(struct smtp_session *s)
{
	conn_set_raw(s->c, false);
	if (s->bdat_discard) {
		s->bdat_discard = false;
		conn_puts(s->c, s->state == SMTP_MAIL ?
			  "554 5.5.1 No valid recipients\r\n" :
			  "503 5.5.1 Bad sequence of commands\r\n");
		return;
	}
	if (s->too_big) {
		conn_log_info(s->c, "from=<%s> refused: message too big",
			      s->sender);
		conn_puts(s->c, "552 5.3.4 Message size exceeds fixed "
			  "limit\r\n");
		smtp_transaction_reset(s);
		return;
	}
	if (!s->bdat_last) {
		conn_printf(s->c, "250 2.0.0 %llu octets received\r\n",
			    (unsigned long long)s->bdat_octets);
		return;
	}
	if (s->bdat_cr) {
		s->bdat_cr = false;
		emit(s, '\r');
	}
	data_end(s);
}

static size_t bdat_input(struct smtp_session *s, const char *data, size_t len)
{
	size_t n = len < s->bdat_left ? len : (size_t)s->bdat_left, i;

	if (!s->bdat_discard)
		for (i = 0; i < n; i++)
			bdat_put(s, data[i]);
	s->bdat_left -= n;
	s->bdat_octets += n;
	if (s->bdat_left == 0)
		bdat_chunk_end(s);
	return n;
}

/* ---- DATA ---- */

size_t smtp_data_input(struct conn *c, const char *data, size_t len)
{
	struct smtp_session *s = c->session;
	size_t i;

	if (s->bdat_discard || s->state == SMTP_BDAT)
		return bdat_input(s, data, len);
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
