#ifndef MAILTREE_SERVER_H
#define MAILTREE_SERVER_H

/*
 * The mailtreed server: one libuv loop, the listeners of the
 * configuration, the open connections, the TLS context and signals.
 *
 * Functions return 0 or a negative errno, with a reason in err where
 * they take one.
 */

#include <stdbool.h>

#include <uv.h>
#include <openssl/ssl.h>

#include "config.h"

struct buf;
struct conn;
struct proto;

struct listener {
	struct server *srv;
	char *name;
	const struct proto *proto;
	enum config_tls tls;
	char *socket_path;	/* to unlink at exit */
	union {
		uv_handle_t handle;
		uv_stream_t stream;
		uv_tcp_t tcp;
		uv_pipe_t pipe;
	} h;
};

struct server {
	uv_loop_t *loop;
	struct config cfg;	/* replaced on SIGHUP */
	char *store;		/* fixed at start */
	SSL_CTX *tls_ctx;	/* replaced on SIGHUP; connections keep theirs */
	struct listener *listeners;
	size_t listener_count;
	struct conn *conns;
	size_t conn_count;
	bool stopping;
	struct queue_runner *runner;	/* the outbound queue's thread */
	struct ratelimit *smtp_rates[2];	/* MX: connections, messages */
	uv_signal_t sig_term, sig_int, sig_hup;
	uv_timer_t stop_timer;
	char readbuf[65536];	/* one read at a time, copied out at once */
};

/* The protocol implementation for a configured protocol, or NULL. */
const struct proto *server_proto(enum config_proto proto);

/* Takes over cfg (the caller's copy is cleared); loads TLS. */
int server_init(struct server *srv, uv_loop_t *loop, struct config *cfg,
		struct buf *err);
/* Binds and listens on every listener. */
int server_listen(struct server *srv, struct buf *err);
/* Installs SIGTERM/SIGINT (graceful stop) and SIGHUP (reload). */
void server_signals(struct server *srv);
/* Re-reads the configuration file: TLS certificate and key, limits and
 * disable_plaintext_auth, for new connections.  Listeners, store and
 * user stay as they were started. */
int server_reload(struct server *srv, struct buf *err);
/* Stops accepting; connections finish their deliveries and close. */
void server_stop(struct server *srv);
void server_release(struct server *srv);

/* For conn.c. */
void server_conn_closed(struct server *srv, struct conn *c);

#endif
