#ifndef MAILTREE_SERVER_H
#define MAILTREE_SERVER_H

/*
 * The mailtreed server: the listeners of the configuration, the TLS
 * context, signals, and the worker threads that serve the connections.
 *
 * The main thread's loop accepts connections and handles signals; each
 * accepted socket is handed to the worker with the fewest connections,
 * and lives on that worker's loop until it closes.  Workers share nothing
 * a connection touches on its own loop: each has its own IMAP folder
 * registry, as separate processes would, and they see each other's
 * changes through the store (inotify), as they see Dovecot's.  What they
 * do share (the per-address connection counts, the SMTP rate limits, the
 * outbound queue, the save groups) is locked.
 *
 * Functions return 0 or a negative errno, with a reason in err where
 * they take one.
 */

#include <stdatomic.h>
#include <stdbool.h>

#include <uv.h>
#include <openssl/ssl.h>

#include "config.h"

struct buf;
struct conn;
struct proto;
struct server;

struct listener {
	struct server *srv;
	char *name;
	const struct proto *proto;
	enum config_tls tls;
	bool is_unix;
	char *socket_path;	/* to unlink at exit */
	int fd;			/* the listening socket, or -1 */
	uv_poll_t poll;
	uv_timer_t pause;	/* out of descriptors: accept again later */
	bool polling, pause_init;
};

/* One generation of the configuration: the one read at start, then one
 * per SIGHUP.  A connection keeps the generation it was accepted under
 * (its limits, its TLS context, its SMTP settings) until it closes. */
struct server_conf {
	struct config cfg;
	SSL_CTX *tls_ctx;	/* NULL without tls_cert */
	atomic_uint refs;
};

/* An event loop thread and the connections it serves. */
struct worker {
	struct server *srv;
	unsigned int index;
	uv_loop_t loop;
	uv_thread_t thread;
	uv_async_t wake;	/* connections handed over, or stop */
	uv_timer_t stop_timer;
	/* Under srv->lock: */
	struct conn *conns;	/* every connection it serves */
	size_t conn_count;
	struct conn *handed;	/* accepted, not yet started here */
	bool stop_asked;
	unsigned int stop_timeout;	/* seconds, with stop_asked */
	/* The worker's own: */
	bool started;		/* its thread runs (set by the main thread) */
	bool stopping;
	atomic_bool done;	/* its loop has ended */
	char readbuf[65536];	/* one read at a time, copied out at once */
};

struct server {
	uv_loop_t *loop;	/* the main thread's */
	struct server_conf *conf;	/* replaced on SIGHUP */
	char *store;		/* fixed at start */
	struct listener *listeners;
	size_t listener_count;
	struct worker *workers;	/* fixed at start */
	size_t worker_count;
	uv_mutex_t lock;	/* see struct worker; and smtp_rates */
	bool stopping;
	struct queue_runner *runner;	/* the outbound queue's thread */
	struct ratelimit *smtp_rates[2];	/* MX: connections, messages */
	uv_signal_t sig_term, sig_int, sig_hup;
	uv_async_t worker_exit;	/* a worker's loop ended */
};

/* The protocol implementation for a configured protocol, or NULL. */
const struct proto *server_proto(enum config_proto proto);

/* Takes over cfg (the caller's copy is cleared); loads TLS. */
int server_init(struct server *srv, uv_loop_t *loop, struct config *cfg,
		struct buf *err);
/* Binds and listens on every listener. */
int server_listen(struct server *srv, struct buf *err);
/* Starts the worker threads (after the fork into the background). */
void server_start_workers(struct server *srv);
/* Installs SIGTERM/SIGINT (graceful stop) and SIGHUP (reload). */
void server_signals(struct server *srv);
/* Re-reads the configuration file: TLS certificate and key, limits and
 * disable_plaintext_auth, for new connections.  Listeners, store and
 * user stay as they were started. */
int server_reload(struct server *srv, struct buf *err);
/* Stops accepting; connections finish their deliveries and close; the
 * main loop ends when every worker has. */
void server_stop(struct server *srv);
/* Joins the workers (after the main loop ended) and frees everything. */
void server_release(struct server *srv);

/* Counts one event of an MX client for smtp_rates[which]; returns the
 * count in its current minute (see ratelimit.h).  Any thread. */
unsigned int server_rate_hit(struct server *srv, int which,
			     const char *peer);

/* For conn.c, on the connection's worker thread. */
void server_conn_closed(struct conn *c);
void server_conf_put(struct server_conf **conf);

#endif
