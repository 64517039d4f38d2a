/* Listeners, connections, signals and reloads of mailtreed; see server.h. */

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "buf.h"
#include "conn.h"
#include "server.h"
#include "imap/imap.h"
#include "pop3/pop3.h"
#include "queue/runner.h"
#include "ratelimit.h"
#include "smtp/smtp.h"
#include "util.h"

const struct proto *server_proto(enum config_proto proto)
{
	switch (proto) {
	case PROTO_LMTP:
		return &proto_lmtp;
	case PROTO_POP3:
		return &proto_pop3;
	case PROTO_IMAP:
		return &proto_imap;
	case PROTO_SMTP:
		return &proto_smtp;
	case PROTO_SUBMISSION:
		return &proto_submission;
	default:
		return NULL;
	}
}

static int load_tls(const struct config *cfg, SSL_CTX **ctx_r,
		    struct buf *err)
{
	*ctx_r = NULL;
	if (cfg->tls_cert == NULL)
		return 0;
	*ctx_r = tls_ctx_new(cfg->tls_cert, cfg->tls_key, err);
	return *ctx_r != NULL ? 0 : -EINVAL;
}

int server_init(struct server *srv, uv_loop_t *loop, struct config *cfg,
		struct buf *err)
{
	size_t i;
	int ret;

	memset(srv, 0, sizeof(*srv));
	srv->loop = loop;
	srv->cfg = *cfg;
	memset(cfg, 0, sizeof(*cfg));
	srv->store = xstrdup(srv->cfg.store);
	ret = load_tls(&srv->cfg, &srv->tls_ctx, err);
	if (ret < 0)
		return ret;
	srv->listener_count = srv->cfg.listener_count;
	srv->listeners = xcalloc(srv->listener_count,
				 sizeof(*srv->listeners));
	for (i = 0; i < srv->listener_count; i++) {
		const struct listener_config *lc = &srv->cfg.listeners[i];
		struct listener *l = &srv->listeners[i];

		l->srv = srv;
		l->name = xstrdup(lc->name);
		l->proto = server_proto(lc->proto);
		l->tls = lc->tls;
		if (l->proto == NULL) {
			buf_printf(err, "%s:%u: protocol %s is not built in",
				   srv->cfg.path, lc->line,
				   config_proto_name(lc->proto));
			return -ENOTSUP;
		}
	}
	return 0;
}

static void on_reject_closed(uv_handle_t *h)
{
	free(h->data);
}

/* The peer's address as text; IPv4-mapped IPv6 shown as IPv4. */
static void peer_name(struct conn *c)
{
	struct sockaddr_storage ss;
	int len = sizeof(ss);
	const char *p;

	xsnprintf(c->peer, sizeof(c->peer), "unknown");
	if (c->h.handle.type != UV_TCP) {
		xsnprintf(c->peer, sizeof(c->peer), "unix");
		c->peer_local = true;
		return;
	}
	if (uv_tcp_getpeername(&c->h.tcp, (struct sockaddr *)&ss, &len) < 0)
		return;
	if (ss.ss_family == AF_INET) {
		uv_ip4_name((struct sockaddr_in *)&ss, c->peer,
			    sizeof(c->peer));
	} else if (ss.ss_family == AF_INET6) {
		uv_ip6_name((struct sockaddr_in6 *)&ss, c->peer,
			    sizeof(c->peer));
		if (strncmp(c->peer, "::ffff:", 7) == 0 &&
		    strchr(c->peer + 7, '.') != NULL)
			memmove(c->peer, c->peer + 7, strlen(c->peer + 7) + 1);
	}
	p = c->peer;
	/* Unless told otherwise (a proxy on this host passing on remote
	 * clients), loopback is this host's own software. */
	c->peer_local = c->srv->cfg.trust_loopback &&
			(strncmp(p, "127.", 4) == 0 || strcmp(p, "::1") == 0);
}

static size_t conns_from(const struct server *srv, const char *peer)
{
	const struct conn *c;
	size_t n = 0;

	for (c = srv->conns; c != NULL; c = c->next)
		if (strcmp(c->peer, peer) == 0)
			n++;
	return n;
}

static void session_id(char *out, size_t size)
{
	static const char digits[] = "0123456789abcdefghijklmnopqrstuv";
	unsigned char r[8];
	size_t i;

	if (RAND_bytes(r, sizeof(r)) != 1)
		fatal("RAND_bytes failed");
	for (i = 0; i < sizeof(r) && i + 1 < size; i++)
		out[i] = digits[r[i] & 31];
	out[i] = '\0';
}

static void on_connection(uv_stream_t *ls, int status)
{
	struct listener *l = ls->data;
	struct server *srv = l->srv;
	struct conn *c;
	int ret;

	if (status < 0) {
		log_warn("listener %s: accept: %s", l->name,
			 uv_strerror(status));
		return;
	}
	c = xcalloc(1, sizeof(*c));
	c->srv = srv;
	c->proto = l->proto;
	c->limits = srv->cfg.limits;
	c->tls_mode = l->tls;
	if (ls->type == UV_TCP)
		uv_tcp_init(srv->loop, &c->h.tcp);
	else
		uv_pipe_init(srv->loop, &c->h.pipe, 0);
	c->h.handle.data = c;
	ret = uv_accept(ls, &c->h.stream);
	if (ret == 0)
		peer_name(c);
	session_id(c->id, sizeof(c->id));
	if (ret < 0 || srv->stopping ||
	    (c->tls_mode != TLS_NONE && srv->tls_ctx == NULL) ||
	    (c->limits.max_conn_per_ip > 0 && !c->peer_local &&
	     conns_from(srv, c->peer) >= c->limits.max_conn_per_ip)) {
		if (ret < 0)
			log_warn("listener %s: accept: %s", l->name,
				 uv_strerror(ret));
		else
			log_warn("session=%s peer=%s refused: too many "
				 "connections from this address", c->id,
				 c->peer);
		uv_close(&c->h.handle, on_reject_closed);
		return;
	}
	if (ls->type == UV_TCP)
		uv_tcp_nodelay(&c->h.tcp, 1);
	c->next = srv->conns;
	if (srv->conns != NULL)
		srv->conns->prev = c;
	srv->conns = c;
	srv->conn_count++;
	log_info("session=%s peer=%s connect listener=%s proto=%s", c->id,
		 c->peer, l->name, l->proto->name);
	conn_start(c);
}

static void on_closed_nothing(uv_handle_t *h)
{
	(void)h;
}

/* When stopping and the last connection is gone, the loop may end. */
static void maybe_finish(struct server *srv)
{
	if (!srv->stopping || srv->conn_count > 0)
		return;
	if (!uv_is_closing((uv_handle_t *)&srv->sig_term)) {
		uv_close((uv_handle_t *)&srv->sig_term, on_closed_nothing);
		uv_close((uv_handle_t *)&srv->sig_int, on_closed_nothing);
		uv_close((uv_handle_t *)&srv->sig_hup, on_closed_nothing);
		uv_close((uv_handle_t *)&srv->stop_timer, on_closed_nothing);
	}
}

void server_conn_closed(struct server *srv, struct conn *c)
{
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		srv->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	c->prev = c->next = NULL;
	srv->conn_count--;
	log_info("session=%s peer=%s%s%s disconnect", c->id, c->peer,
		 c->user != NULL ? " user=" : "",
		 c->user != NULL ? c->user : "");
	maybe_finish(srv);
}

static int listen_unix(struct server *srv, struct listener *l,
		       const struct listener_config *lc, struct buf *err)
{
	struct stat st;
	int ret;

	/* A socket left by an earlier run is replaced; anything else at
	 * that path is not ours to remove. */
	if (lstat(lc->socket_path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(lc->socket_path);
	uv_pipe_init(srv->loop, &l->h.pipe, 0);
	ret = uv_pipe_bind(&l->h.pipe, lc->socket_path);
	if (ret < 0) {
		buf_printf(err, "listener %s: %s: %s", l->name,
			   lc->socket_path, uv_strerror(ret));
		return ret;
	}
	l->socket_path = xstrdup(lc->socket_path);
	if (chmod(lc->socket_path, lc->socket_mode) < 0) {
		buf_printf(err, "listener %s: chmod %s: %s", l->name,
			   lc->socket_path, strerror(errno));
		return -errno;
	}
	if (getuid() == 0 && (srv->cfg.user != NULL ||
			      lc->socket_group != NULL)) {
		uid_t uid = (uid_t)-1;
		gid_t gid = (gid_t)-1;

		if (srv->cfg.user != NULL) {
			struct passwd *pw = getpwnam(srv->cfg.user);

			if (pw == NULL) {
				buf_printf(err, "unknown user %s",
					   srv->cfg.user);
				return -ENOENT;
			}
			uid = pw->pw_uid;
			gid = pw->pw_gid;
		}
		if (lc->socket_group != NULL) {
			struct group *gr = getgrnam(lc->socket_group);

			if (gr == NULL) {
				buf_printf(err, "listener %s: unknown group "
					   "%s", l->name, lc->socket_group);
				return -ENOENT;
			}
			gid = gr->gr_gid;
		}
		if (chown(lc->socket_path, uid, gid) < 0) {
			buf_printf(err, "listener %s: chown %s: %s", l->name,
				   lc->socket_path, strerror(errno));
			return -errno;
		}
	}
	return 0;
}

static int listen_tcp(struct server *srv, struct listener *l,
		      const struct listener_config *lc, struct buf *err)
{
	struct sockaddr_storage ss;
	const char *addr = lc->address != NULL ? lc->address : "::";
	int ret;

	if (strchr(addr, ':') != NULL)
		ret = uv_ip6_addr(addr, lc->port, (struct sockaddr_in6 *)&ss);
	else
		ret = uv_ip4_addr(addr, lc->port, (struct sockaddr_in *)&ss);
	if (ret < 0) {
		buf_printf(err, "%s:%u: bad address \"%s\"", srv->cfg.path,
			   lc->line, addr);
		return ret;
	}
	uv_tcp_init(srv->loop, &l->h.tcp);
	ret = uv_tcp_bind(&l->h.tcp, (struct sockaddr *)&ss, 0);
	if (ret == UV_EAFNOSUPPORT && lc->address == NULL) {
		/* No IPv6 here: all IPv4 addresses, then. */
		uv_ip4_addr("0.0.0.0", lc->port, (struct sockaddr_in *)&ss);
		ret = uv_tcp_bind(&l->h.tcp, (struct sockaddr *)&ss, 0);
	}
	if (ret < 0)
		buf_printf(err, "listener %s: bind %s port %u: %s", l->name,
			   addr, lc->port, uv_strerror(ret));
	return ret;
}

int server_listen(struct server *srv, struct buf *err)
{
	size_t i;
	int ret;

	for (i = 0; i < srv->listener_count; i++) {
		const struct listener_config *lc = &srv->cfg.listeners[i];
		struct listener *l = &srv->listeners[i];

		if (lc->socket_path != NULL)
			ret = listen_unix(srv, l, lc, err);
		else
			ret = listen_tcp(srv, l, lc, err);
		l->h.handle.data = l;
		if (ret == 0) {
			ret = uv_listen(&l->h.stream, 128, on_connection);
			if (ret < 0)
				buf_printf(err, "listener %s: listen: %s",
					   l->name, uv_strerror(ret));
		}
		if (ret < 0)
			return ret;
		if (lc->socket_path != NULL)
			log_info("listener %s: %s on %s", l->name,
				 l->proto->name, lc->socket_path);
		else
			log_info("listener %s: %s on %s port %u", l->name,
				 l->proto->name, lc->address != NULL ?
				 lc->address : "*", lc->port);
	}
	return 0;
}

int server_reload(struct server *srv, struct buf *err)
{
	struct config cfg;
	SSL_CTX *ctx = NULL;
	int ret;

	config_init(&cfg);
	ret = config_load(&cfg, srv->cfg.path, err);
	if (ret == 0)
		ret = load_tls(&cfg, &ctx, err);
	if (ret < 0) {
		config_release(&cfg);
		return ret;
	}
	/* Connections hold a reference to the context they started with. */
	if (srv->tls_ctx != NULL)
		SSL_CTX_free(srv->tls_ctx);
	srv->tls_ctx = ctx;
	config_release(&srv->cfg);
	srv->cfg = cfg;
	return 0;
}

static void on_stop_timeout(uv_timer_t *t)
{
	struct server *srv = t->data;
	struct conn *c, *next;

	log_warn("shutdown: %zu connection(s) still busy after %u s; "
		 "closing them", srv->conn_count, srv->cfg.shutdown_timeout);
	for (c = srv->conns; c != NULL; c = next) {
		next = c->next;
		conn_close(c);
	}
}

void server_stop(struct server *srv)
{
	struct conn *c, *next;
	size_t i;

	if (srv->stopping)
		return;
	srv->stopping = true;
	log_info("stopping: %zu connection(s) open", srv->conn_count);
	queue_runner_stop(srv);
	for (i = 0; i < srv->listener_count; i++) {
		struct listener *l = &srv->listeners[i];

		if (l->h.handle.type != UV_UNKNOWN_HANDLE &&
		    !uv_is_closing(&l->h.handle))
			uv_close(&l->h.handle, on_closed_nothing);
		if (l->socket_path != NULL)
			unlink(l->socket_path);
	}
	for (c = srv->conns; c != NULL; c = next) {
		next = c->next;
		if (c->proto->on_shutdown != NULL)
			c->proto->on_shutdown(c);
		else
			conn_close(c);
	}
	uv_timer_start(&srv->stop_timer, on_stop_timeout,
		       (uint64_t)srv->cfg.shutdown_timeout * 1000, 0);
	maybe_finish(srv);
}

static void on_signal(uv_signal_t *s, int signum)
{
	struct server *srv = s->data;
	struct buf err = BUF_INIT;

	if (signum == SIGHUP) {
		if (server_reload(srv, &err) < 0)
			log_error("reload failed, keeping the running "
				  "configuration: %s", err.data);
		else
			log_info("configuration and certificates reloaded");
		buf_release(&err);
		return;
	}
	server_stop(srv);
}

void server_signals(struct server *srv)
{
	uv_signal_init(srv->loop, &srv->sig_term);
	uv_signal_init(srv->loop, &srv->sig_int);
	uv_signal_init(srv->loop, &srv->sig_hup);
	uv_timer_init(srv->loop, &srv->stop_timer);
	srv->sig_term.data = srv->sig_int.data = srv->sig_hup.data = srv;
	srv->stop_timer.data = srv;
	uv_signal_start(&srv->sig_term, on_signal, SIGTERM);
	uv_signal_start(&srv->sig_int, on_signal, SIGINT);
	uv_signal_start(&srv->sig_hup, on_signal, SIGHUP);
}

void server_release(struct server *srv)
{
	size_t i;

	queue_runner_stop(srv);
	ratelimit_free(&srv->smtp_rates[0]);
	ratelimit_free(&srv->smtp_rates[1]);
	for (i = 0; i < srv->listener_count; i++) {
		free(srv->listeners[i].name);
		free(srv->listeners[i].socket_path);
	}
	free(srv->listeners);
	if (srv->tls_ctx != NULL)
		SSL_CTX_free(srv->tls_ctx);
	config_release(&srv->cfg);
	free(srv->store);
	memset(srv, 0, sizeof(*srv));
}
