/* A client connection: I/O, TLS, line reading, timers; see conn.h. */

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "server.h"
#include "util.h"

/* Stop reading from a client while this much input waits to be handled,
 * or while this much output has not reached the socket (a client that
 * pipelines without reading its replies). */
#define CONN_MAX_IN_BACKLOG	(64 * 1024)
#define CONN_MAX_OUT_BACKLOG	(1024 * 1024)

struct write_req {
	uv_write_t req;
	struct conn *c;
	char *data;
	size_t len;
};

struct work_req {
	uv_work_t req;
	struct conn *c;
	void (*work)(void *arg);
	void (*done)(struct conn *c, void *arg);
	void *arg;
};

static void conn_process(struct conn *c);
static void conn_maybe_free(struct conn *c);
static void on_written_now(struct conn *c, void *ctx);

static void conn_logv(const struct conn *c, bool warn, const char *fmt,
		      va_list ap)
{
	struct buf line = BUF_INIT;

	buf_printf(&line, "session=%s peer=%s", c->id, c->peer);
	if (c->user != NULL)
		buf_printf(&line, " user=%s", c->user);
	buf_putc(&line, ' ');
	buf_vprintf(&line, fmt, ap);
	if (warn)
		log_warn("%s", line.data);
	else
		log_info("%s", line.data);
	buf_release(&line);
}

void conn_log_info(const struct conn *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	conn_logv(c, false, fmt, ap);
	va_end(ap);
}

void conn_log_warn(const struct conn *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	conn_logv(c, true, fmt, ap);
	va_end(ap);
}

void conn_write(struct conn *c, const void *data, size_t len)
{
	if (!c->closed)
		buf_append(&c->out, data, len);
}

void conn_puts(struct conn *c, const char *s)
{
	conn_write(c, s, strlen(s));
}

void conn_printf(struct conn *c, const char *fmt, ...)
{
	va_list ap;

	if (c->closed)
		return;
	va_start(ap, fmt);
	buf_vprintf(&c->out, fmt, ap);
	va_end(ap);
}

/* Reading stops while input or output backs up, or the protocol waits. */
static void conn_update_reading(struct conn *c);

static void on_write(uv_write_t *req, int status)
{
	struct write_req *w = (struct write_req *)req;
	struct conn *c = w->c;

	c->writes_pending--;
	c->write_queued -= w->len;
	free(w->data);
	free(w);
	if (status < 0 && !c->closing) {
		conn_log_info(c, "write failed: %s", uv_strerror(status));
		conn_close(c);
	}
	if (c->written_done != NULL && c->writes_pending == 0 &&
	    !c->closing && c->delay_done != on_written_now) {
		void (*done)(struct conn *, void *) = c->written_done;

		c->written_done = NULL;
		c->paused--;
		c->processing = true;
		done(c, c->written_ctx);
		c->processing = false;
	}
	if (c->closing)
		conn_maybe_free(c);
	else
		conn_process(c);
}

static void send_wire(struct conn *c, struct buf *wire)
{
	struct write_req *w;
	uv_buf_t b;
	int ret;

	if (wire->len == 0 || c->closed)
		return;
	w = xcalloc(1, sizeof(*w));
	w->c = c;
	w->len = wire->len;
	w->data = buf_detach(wire);
	b = uv_buf_init(w->data, (unsigned int)w->len);
	ret = uv_write(&w->req, &c->h.stream, &b, 1, on_write);
	if (ret < 0) {
		free(w->data);
		free(w);
		conn_log_info(c, "write failed: %s", uv_strerror(ret));
		c->closing = true;
		return;
	}
	c->writes_pending++;
	c->write_queued += w->len;
}

void conn_flush(struct conn *c)
{
	struct buf wire = BUF_INIT;

	if (c->closed)
		return;
	if (c->tls_on) {
		if (c->out.len > 0 && tls_write(&c->tls, c->out.data,
						c->out.len) < 0)
			c->closing = true;
		buf_reset(&c->out);
		tls_output(&c->tls, &wire);
		send_wire(c, &wire);
	} else {
		send_wire(c, &c->out);
	}
	buf_release(&wire);
}

static void on_handle_closed(uv_handle_t *h)
{
	struct conn *c = h->data;

	if (--c->handles_open == 0) {
		linereader_release(&c->lr);
		buf_release(&c->in);
		buf_release(&c->out);
		tls_release(&c->tls);
		free(c->user);
		server_conf_put(&c->conf);
		free(c);
	}
}

/* Frees the connection once nothing refers to it any more. */
static void conn_maybe_free(struct conn *c)
{
	/* Not under a protocol callback: it may still use its session. */
	if (c->closed || c->processing || c->work_pending > 0 ||
	    c->writes_pending > 0)
		return;
	c->closed = true;
	if (c->proto->on_close != NULL)
		c->proto->on_close(c);
	server_conn_closed(c);
	uv_close(&c->h.handle, on_handle_closed);
	uv_close((uv_handle_t *)&c->idle_timer, on_handle_closed);
	uv_close((uv_handle_t *)&c->delay_timer, on_handle_closed);
}

void conn_close(struct conn *c)
{
	if (c->closed)
		return;
	if (!c->closing) {
		conn_flush(c);
		c->closing = true;
		if (c->reading)
			uv_read_stop(&c->h.stream);
		c->reading = false;
		uv_timer_stop(&c->idle_timer);
		uv_timer_stop(&c->delay_timer);
		if (c->delay_done != NULL) {
			void (*done)(struct conn *, void *) = c->delay_done;

			c->delay_done = NULL;
			c->paused--;
			done(c, c->delay_ctx);
		}
		if (c->written_done != NULL) {
			void (*done)(struct conn *, void *) = c->written_done;

			c->written_done = NULL;
			c->paused--;
			done(c, c->written_ctx);
		}
	}
	conn_maybe_free(c);
}

void conn_set_raw(struct conn *c, bool raw)
{
	c->raw = raw;
}

bool conn_starttls_available(const struct conn *c)
{
	return c->tls_mode == TLS_STARTTLS && !c->tls_on &&
	       c->conf->tls_ctx != NULL;
}

bool conn_tls_active(const struct conn *c)
{
	return c->tls_on;
}

int conn_starttls(struct conn *c)
{
	if (c->conf->tls_ctx == NULL || c->tls_on)
		return -ENOTSUP;
	conn_flush(c);
	/* Anything pipelined after STARTTLS came in plaintext and must not
	 * be taken as if it came over TLS. */
	linereader_clear(&c->lr);
	buf_reset(&c->in);
	c->in_off = 0;
	tls_init(&c->tls, c->conf->tls_ctx);
	c->tls_on = true;
	return 0;
}

static void on_idle_timeout(uv_timer_t *t)
{
	struct conn *c = t->data;

	if (c->work_pending > 0 || c->closing)
		return;
	conn_log_info(c, "idle timeout after %u s", c->limits.idle_timeout);
	if (c->proto->on_timeout != NULL && c->tls_on == c->tls.established)
		c->proto->on_timeout(c);
	conn_close(c);
}

static void restart_idle_timer(struct conn *c)
{
	uint64_t ms = (uint64_t)c->limits.idle_timeout * 1000;

	uv_timer_start(&c->idle_timer, on_idle_timeout, ms, ms);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *b)
{
	struct conn *c = h->data;

	(void)suggested;
	*b = uv_buf_init(c->w->readbuf, sizeof(c->w->readbuf));
}

/* Ciphertext in, plaintext into c->in; handshake replies out. */
static void tls_input(struct conn *c, const char *data, size_t len)
{
	struct buf wire = BUF_INIT;
	int ret;

	tls_feed(&c->tls, data, len);
	ret = tls_read(&c->tls, &c->in);
	tls_output(&c->tls, &wire);
	send_wire(c, &wire);
	buf_release(&wire);
	if (ret < 0) {
		conn_log_info(c, "TLS failed: %s",
			      c->tls.established ? "bad record or close" :
			      "handshake failed");
		c->in_off = c->in.len;
		conn_close(c);
		return;
	}
	if (ret == 1) {
		struct buf d = BUF_INIT;

		tls_describe(&c->tls, &d);
		conn_log_info(c, "TLS established: %s", d.data);
		buf_release(&d);
		if (c->tls_mode == TLS_IMPLICIT)
			c->proto->on_connect(c);
		else if (c->proto->on_tls_ready != NULL)
			c->proto->on_tls_ready(c);
	}
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	struct conn *c = s->data;

	if (n == 0 || c->closing)
		return;
	if (n < 0) {
		if (n != UV_EOF)
			conn_log_info(c, "read failed: %s", uv_strerror((int)n));
		c->eof = true;
		if (n != UV_EOF || c->raw || c->tls_on != c->tls.established) {
			conn_close(c);
			return;
		}
		/* Commands read before the end are still answered. */
		conn_process(c);
		return;
	}
	restart_idle_timer(c);
	if (c->tls_on) {
		c->processing = true;
		tls_input(c, b->base, (size_t)n);
		c->processing = false;
	} else {
		buf_append(&c->in, b->base, (size_t)n);
	}
	conn_process(c);
}

static void conn_update_reading(struct conn *c)
{
	bool want = !c->closing && !c->eof && c->paused == 0 &&
		    c->in.len - c->in_off < CONN_MAX_IN_BACKLOG &&
		    c->write_queued < CONN_MAX_OUT_BACKLOG;

	if (want && !c->reading) {
		if (uv_read_start(&c->h.stream, on_alloc, on_read) == 0)
			c->reading = true;
	} else if (!want && c->reading) {
		uv_read_stop(&c->h.stream);
		c->reading = false;
	}
}

/* Hands buffered input to the protocol until it pauses or input runs
 * out, then sends the replies. */
static void conn_process(struct conn *c)
{
	struct lr_line line;
	const char *p;
	size_t n, used;

	if (c->processing || c->closed)
		return;
	c->processing = true;
	while (!c->closing && c->paused == 0 &&
	       c->write_queued < CONN_MAX_OUT_BACKLOG) {
		if (c->raw) {
			n = linereader_pending(&c->lr, &p);
			if (n > 0) {
				used = c->proto->on_data(c, p, n);
				linereader_consume(&c->lr, used);
			} else if (c->in_off < c->in.len) {
				n = c->in.len - c->in_off;
				used = c->proto->on_data(c, c->in.data +
							 c->in_off, n);
				c->in_off += used;
			} else {
				break;
			}
			if (used == 0 && c->raw && c->paused == 0)
				break;
			continue;
		}
		switch (linereader_next(&c->lr, &line)) {
		case LR_LINE:
			c->proto->on_line(c, &line);
			continue;
		case LR_TOO_LONG:
			c->proto->on_line_too_long(c);
			continue;
		case LR_NEED_MORE:
			break;
		}
		if (c->in_off == c->in.len)
			break;
		c->in_off += linereader_feed(&c->lr, c->in.data + c->in_off,
					     c->in.len - c->in_off);
	}
	if (c->in_off == c->in.len) {
		buf_reset(&c->in);
		c->in_off = 0;
	}
	c->processing = false;
	if (!c->closing && c->eof && c->paused == 0 && c->in.len == 0) {
		const char *rest;

		if (linereader_pending(&c->lr, &rest) > 0 && !c->raw)
			conn_log_info(c, "unterminated last line dropped");
		conn_close(c);
		return;
	}
	conn_flush(c);
	if (c->closing)
		conn_maybe_free(c);
	else
		conn_update_reading(c);
}

static void on_work(uv_work_t *req)
{
	struct work_req *w = (struct work_req *)req;

	w->work(w->arg);
}

static void on_work_done(uv_work_t *req, int status)
{
	struct work_req *w = (struct work_req *)req;
	struct conn *c = w->c;

	(void)status;	/* never cancelled */
	c->work_pending--;
	c->paused--;
	c->processing = true;
	w->done(c, w->arg);
	c->processing = false;
	free(w);
	conn_process(c);
}

void conn_queue_work(struct conn *c, void (*work)(void *arg),
		     void (*done)(struct conn *c, void *arg), void *arg)
{
	struct work_req *w = xcalloc(1, sizeof(*w));
	int ret;

	w->c = c;
	w->work = work;
	w->done = done;
	w->arg = arg;
	ret = uv_queue_work(&c->w->loop, &w->req, on_work, on_work_done);
	if (ret < 0)
		fatal("uv_queue_work: %s", uv_strerror(ret));
	c->work_pending++;
	c->paused++;
}

static void on_delay(uv_timer_t *t)
{
	struct conn *c = t->data;
	void (*done)(struct conn *, void *) = c->delay_done;

	c->delay_done = NULL;
	c->paused--;
	c->processing = true;
	if (done != NULL)
		done(c, c->delay_ctx);
	c->processing = false;
	conn_process(c);
}

void conn_delay(struct conn *c, unsigned int ms,
		void (*done)(struct conn *c, void *ctx), void *ctx)
{
	if (c->delay_done != NULL)
		fatal("conn_delay while a delay runs");
	c->delay_done = done;
	c->delay_ctx = ctx;
	c->paused++;
	uv_timer_start(&c->delay_timer, on_delay, ms, 0);
}

static void on_written_now(struct conn *c, void *ctx)
{
	void (*done)(struct conn *, void *) = c->written_done;

	c->written_done = NULL;
	c->paused--;
	done(c, ctx);
}

void conn_wait_written(struct conn *c,
		       void (*done)(struct conn *c, void *ctx), void *ctx)
{
	if (c->written_done != NULL)
		fatal("conn_wait_written while a wait runs");
	conn_flush(c);
	c->written_done = done;
	c->written_ctx = ctx;
	c->paused++;
	/* Nothing in flight: continue from the loop, not from here, so the
	 * caller's stack unwinds first. */
	if (c->writes_pending == 0)
		conn_delay(c, 0, on_written_now, ctx);
}

void conn_set_max_line(struct conn *c, size_t max)
{
	const char *rest;

	/* Only before any input: the reader's buffer is replaced. */
	if (linereader_pending(&c->lr, &rest) > 0)
		return;
	linereader_release(&c->lr);
	linereader_init(&c->lr, max);
	c->limits.max_line = max;
}

void conn_set_idle_timeout(struct conn *c, unsigned int secs)
{
	c->limits.idle_timeout = secs;
	if (!c->closing)
		restart_idle_timer(c);
}

bool conn_bad_command(struct conn *c)
{
	c->bad_commands++;
	return c->limits.max_bad_commands > 0 &&
	       c->bad_commands >= c->limits.max_bad_commands;
}

bool conn_plaintext_auth_allowed(const struct conn *c)
{
	return c->tls_on || c->peer_local ||
	       !c->conf->cfg.disable_plaintext_auth;
}

bool conn_stopping(const struct conn *c)
{
	return c->w->stopping;
}

const char *conn_store(const struct conn *c)
{
	return c->srv->store;
}

void conn_set_user(struct conn *c, const char *user)
{
	free(c->user);
	c->user = user != NULL ? xstrdup(user) : NULL;
}

void conn_start(struct conn *c)
{
	uv_timer_init(&c->w->loop, &c->idle_timer);
	uv_timer_init(&c->w->loop, &c->delay_timer);
	c->idle_timer.data = c;
	c->delay_timer.data = c;
	c->handles_open = 3;
	linereader_init(&c->lr, c->limits.max_line);
	buf_init(&c->in);
	buf_init(&c->out);
	restart_idle_timer(c);
	if (c->tls_mode == TLS_IMPLICIT) {
		tls_init(&c->tls, c->conf->tls_ctx);
		c->tls_on = true;
	} else {
		c->processing = true;
		c->proto->on_connect(c);
		c->processing = false;
	}
	conn_process(c);
}
