#ifndef MAILTREE_CONN_H
#define MAILTREE_CONN_H

/*
 * A client connection of mailtreed, shared by every protocol.
 *
 * The core owns the socket, TLS, the line reader, timers and the output
 * buffer; a protocol is a struct proto of callbacks over it plus its own
 * session (conn->session).  Input is handed to the protocol one line at a
 * time (on_line), or as raw bytes in raw mode (on_data, for DATA bodies
 * and literals).  Replies are queued with conn_write()/conn_printf() and
 * sent, in order, after the current batch of input is processed, so
 * pipelined commands get their replies in one write.
 *
 * Blocking disk work runs on the libuv thread pool with conn_queue_work();
 * the connection reads no further commands until its done callback has
 * run, so replies stay in order.  A connection is never freed while it has
 * work in the pool.
 */

#include <stdbool.h>
#include <stddef.h>

#include <uv.h>

#include "buf.h"
#include "config.h"
#include "linereader.h"
#include "tls.h"

struct conn;
struct server;
struct server_conf;
struct worker;

struct proto {
	const char *name;
	/* Sends the greeting; for implicit TLS, after the handshake. */
	void (*on_connect)(struct conn *c);
	/* One command line, NUL-terminated, without its line ending. */
	void (*on_line)(struct conn *c, const struct lr_line *line);
	/* A line longer than limits.max_line was dropped. */
	void (*on_line_too_long)(struct conn *c);
	/* Raw mode: bytes as they arrive.  Returns how many it used; it
	 * uses all of them unless it left raw mode or paused. */
	size_t (*on_data)(struct conn *c, const char *data, size_t len);
	/* The STARTTLS handshake completed (conn_starttls()). */
	void (*on_tls_ready)(struct conn *c);
	/* Idle timeout: send the protocol's goodbye; the core then closes. */
	void (*on_timeout)(struct conn *c);
	/* SIGTERM: close now with a goodbye (conn_close()) if nothing is in
	 * flight, else finish first and close at the next chance (check
	 * conn_stopping()). */
	void (*on_shutdown)(struct conn *c);
	/* The connection is going away: free the session.  No more
	 * writes; work still in the pool has finished. */
	void (*on_close)(struct conn *c);
};

struct conn {
	struct server *srv;
	struct worker *w;		/* whose loop it lives on */
	struct server_conf *conf;	/* the configuration it started
					 * under (a reference) */
	const struct proto *proto;
	void *session;			/* the protocol's state */
	char id[16];			/* session id for logs */
	char peer[64];			/* IP address, or "unix" */
	bool peer_local;		/* loopback or UNIX socket */
	char *user;			/* after authentication, or NULL */
	struct limits limits;		/* as configured when accepted */
	enum config_tls tls_mode;	/* of the listener */

	/* The rest is the core's. */
	union {
		uv_handle_t handle;
		uv_stream_t stream;
		uv_tcp_t tcp;
		uv_pipe_t pipe;
	} h;
	uv_timer_t idle_timer, delay_timer;
	struct linereader lr;
	struct buf in;			/* plaintext not yet in lr */
	size_t in_off;
	struct buf out;			/* replies not yet written */
	struct tls tls;
	bool tls_on;
	bool raw, reading, processing, eof, closing, closed;
	unsigned int paused;		/* work, delays: no input while > 0 */
	unsigned int work_pending, writes_pending, handles_open;
	size_t write_queued;		/* bytes given to uv_write */
	unsigned int bad_commands;
	void (*delay_done)(struct conn *c, void *ctx);
	void *delay_ctx;
	void (*written_done)(struct conn *c, void *ctx);
	void *written_ctx;
	struct conn *prev, *next;	/* its worker's list */
	/* From accept until its worker starts it: */
	int fd;
	bool is_unix;
	struct conn *hand_next;
};

void conn_write(struct conn *c, const void *data, size_t len);
void conn_puts(struct conn *c, const char *s);
void conn_printf(struct conn *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Sends what is queued now (the core also does after each batch). */
void conn_flush(struct conn *c);
/* Sends what is queued, then closes; on_close follows. */
void conn_close(struct conn *c);
void conn_set_raw(struct conn *c, bool raw);

/* Is STARTTLS offered here (listener tls = starttls, not yet on)? */
bool conn_starttls_available(const struct conn *c);
bool conn_tls_active(const struct conn *c);
/* Sends the queued reply in plaintext, drops any input already read
 * (which a client must not pipeline past STARTTLS) and starts the
 * handshake; on_tls_ready follows.  -ENOTSUP without a TLS context. */
int conn_starttls(struct conn *c);

/* Runs work(arg) on the thread pool, then done(c, arg) on the loop.
 * Input is paused in between. */
void conn_queue_work(struct conn *c, void (*work)(void *arg),
		     void (*done)(struct conn *c, void *arg), void *arg);
/* Pauses input for ms milliseconds without blocking the loop, then calls
 * done(c, ctx) (after a failed login, for instance).  If the connection
 * closes first, done is called at once with c->closing set, to free ctx. */
void conn_delay(struct conn *c, unsigned int ms,
		void (*done)(struct conn *c, void *ctx), void *ctx);

/*
 * Sends what is queued and pauses input until all of it has reached the
 * socket, then calls done(c, ctx).  A protocol that streams a large
 * response (POP3 RETR) queues one chunk at a time and continues from
 * done, so the output buffer never holds more than a chunk.  If the
 * connection closes first, done is called at once with c->closing set,
 * to free ctx.
 */
void conn_wait_written(struct conn *c,
		       void (*done)(struct conn *c, void *ctx), void *ctx);
/* Changes this connection's idle timeout (a protocol with its own
 * default, such as POP3's ten minutes) and restarts the timer. */
void conn_set_idle_timeout(struct conn *c, unsigned int secs);

/* Sets the longest command line (a protocol with its own limit, such as
 * IMAP); from on_connect only, before any input. */
void conn_set_max_line(struct conn *c, size_t max);

/* Counts a bad command; true when the limit is reached and the protocol
 * should say goodbye and close. */
bool conn_bad_command(struct conn *c);
/* Plaintext passwords are allowed: over TLS, from loopback, or when the
 * configuration allows them everywhere. */
bool conn_plaintext_auth_allowed(const struct conn *c);
/* The server is stopping (SIGTERM). */
bool conn_stopping(const struct conn *c);
const char *conn_store(const struct conn *c);
void conn_set_user(struct conn *c, const char *user);

/* Log lines "session=ID peer=IP [user=NAME] ...". */
void conn_log_info(const struct conn *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void conn_log_warn(const struct conn *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* For the server: starts a connection on its worker's loop (the handle
 * in c->h is open on the accepted socket).  Called by server.c only. */
void conn_start(struct conn *c);

#endif
