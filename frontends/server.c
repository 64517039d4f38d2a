/* Listeners, connections, signals and reloads of mailtreed; see server.h. */

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
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

static int conf_new(struct config *cfg, struct server_conf **conf_r,
		    struct buf *err)
{
	struct server_conf *conf = xcalloc(1, sizeof(*conf));

	conf->cfg = *cfg;
	memset(cfg, 0, sizeof(*cfg));
	atomic_init(&conf->refs, 1);
	*conf_r = conf;
	if (conf->cfg.tls_cert == NULL)
		return 0;
	conf->tls_ctx = tls_ctx_new(conf->cfg.tls_cert, conf->cfg.tls_key,
				    err);
	return conf->tls_ctx != NULL ? 0 : -EINVAL;
}

static struct server_conf *conf_get(struct server_conf *conf)
{
	atomic_fetch_add(&conf->refs, 1);
	return conf;
}

void server_conf_put(struct server_conf **confp)
{
	struct server_conf *conf = *confp;

	*confp = NULL;
	if (conf == NULL || atomic_fetch_sub(&conf->refs, 1) > 1)
		return;
	if (conf->tls_ctx != NULL)
		SSL_CTX_free(conf->tls_ctx);
	config_release(&conf->cfg);
	free(conf);
}

/* workers = 0: one per CPU this process may run on. */
static size_t worker_count(const struct config *cfg)
{
	cpu_set_t set;
	int n;

	if (cfg->workers > 0)
		return cfg->workers;
	if (sched_getaffinity(0, sizeof(set), &set) == 0 &&
	    (n = CPU_COUNT(&set)) > 0)
		return (size_t)n;
	n = (int)sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (size_t)n : 1;
}

int server_init(struct server *srv, uv_loop_t *loop, struct config *cfg,
		struct buf *err)
{
	size_t i;
	int ret;

	memset(srv, 0, sizeof(*srv));
	srv->loop = loop;
	uv_mutex_init(&srv->lock);
	srv->smtp_rates[0] = ratelimit_new();
	srv->smtp_rates[1] = ratelimit_new();
	ret = conf_new(cfg, &srv->conf, err);
	srv->store = xstrdup(srv->conf->cfg.store);
	srv->worker_count = worker_count(&srv->conf->cfg);
	srv->workers = xcalloc(srv->worker_count, sizeof(*srv->workers));
	for (i = 0; i < srv->worker_count; i++) {
		srv->workers[i].srv = srv;
		srv->workers[i].index = (unsigned int)i;
	}
	srv->listener_count = srv->conf->cfg.listener_count;
	srv->listeners = xcalloc(srv->listener_count,
				 sizeof(*srv->listeners));
	for (i = 0; i < srv->listener_count; i++)
		srv->listeners[i].fd = -1;
	if (ret < 0)
		return ret;
	for (i = 0; i < srv->listener_count; i++) {
		const struct listener_config *lc =
			&srv->conf->cfg.listeners[i];
		struct listener *l = &srv->listeners[i];

		l->srv = srv;
		l->name = xstrdup(lc->name);
		l->proto = server_proto(lc->proto);
		l->tls = lc->tls;
		l->is_unix = lc->socket_path != NULL;
		if (l->proto == NULL) {
			buf_printf(err, "%s:%u: protocol %s is not built in",
				   srv->conf->cfg.path, lc->line,
				   config_proto_name(lc->proto));
			return -ENOTSUP;
		}
	}
	return 0;
}

unsigned int server_rate_hit(struct server *srv, int which,
			     const char *peer)
{
	unsigned int n;

	uv_mutex_lock(&srv->lock);
	n = ratelimit_hit(srv->smtp_rates[which], peer, time(NULL));
	uv_mutex_unlock(&srv->lock);
	return n;
}

/* The peer's address as text; IPv4-mapped IPv6 shown as IPv4. */
static void peer_name(struct conn *c, const struct sockaddr_storage *ss,
		      bool is_unix)
{
	const char *p;

	xsnprintf(c->peer, sizeof(c->peer), "unknown");
	if (is_unix) {
		xsnprintf(c->peer, sizeof(c->peer), "unix");
		c->peer_local = true;
		return;
	}
	if (ss->ss_family == AF_INET) {
		uv_ip4_name((const struct sockaddr_in *)ss, c->peer,
			    sizeof(c->peer));
	} else if (ss->ss_family == AF_INET6) {
		uv_ip6_name((const struct sockaddr_in6 *)ss, c->peer,
			    sizeof(c->peer));
		if (strncmp(c->peer, "::ffff:", 7) == 0 &&
		    strchr(c->peer + 7, '.') != NULL)
			memmove(c->peer, c->peer + 7, strlen(c->peer + 7) + 1);
	}
	p = c->peer;
	/* Unless told otherwise (a proxy on this host passing on remote
	 * clients), loopback is this host's own software. */
	c->peer_local = c->conf->cfg.trust_loopback &&
			(strncmp(p, "127.", 4) == 0 || strcmp(p, "::1") == 0);
}

/* Under srv->lock. */
static size_t conns_from(const struct server *srv, const char *peer)
{
	const struct conn *c;
	size_t i, n = 0;

	for (i = 0; i < srv->worker_count; i++)
		for (c = srv->workers[i].conns; c != NULL; c = c->next)
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

static void conn_discard(struct conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	server_conf_put(&c->conf);
	free(c);
}

/*
 * A new connection on the main thread: checked against the limits, then
 * handed to the worker with the fewest connections (under the lock, so
 * the count of connections per address includes those not yet started).
 */
static void accepted(struct listener *l, int fd,
		     const struct sockaddr_storage *ss)
{
	struct server *srv = l->srv;
	struct worker *w;
	struct conn *c;
	size_t i;
	bool refused;

	c = xcalloc(1, sizeof(*c));
	c->srv = srv;
	c->fd = fd;
	c->is_unix = l->is_unix;
	c->conf = conf_get(srv->conf);
	c->proto = l->proto;
	c->limits = c->conf->cfg.limits;
	c->tls_mode = l->tls;
	peer_name(c, ss, l->is_unix);
	session_id(c->id, sizeof(c->id));
	if (c->tls_mode != TLS_NONE && c->conf->tls_ctx == NULL) {
		conn_discard(c);
		return;
	}
	uv_mutex_lock(&srv->lock);
	refused = c->limits.max_conn_per_ip > 0 && !c->peer_local &&
		  conns_from(srv, c->peer) >= c->limits.max_conn_per_ip;
	w = &srv->workers[0];
	for (i = 1; !refused && i < srv->worker_count; i++)
		if (srv->workers[i].conn_count < w->conn_count)
			w = &srv->workers[i];
	if (!refused) {
		c->w = w;
		c->next = w->conns;
		if (w->conns != NULL)
			w->conns->prev = c;
		w->conns = c;
		w->conn_count++;
		c->hand_next = w->handed;
		w->handed = c;
	}
	if (!refused)	/* before the worker may start, end and free it */
		log_info("session=%s peer=%s connect listener=%s proto=%s "
			 "worker=%u", c->id, c->peer, l->name, l->proto->name,
			 w->index);
	uv_mutex_unlock(&srv->lock);
	if (refused) {
		log_warn("session=%s peer=%s refused: too many connections "
			 "from this address", c->id, c->peer);
		conn_discard(c);
		return;
	}
	uv_async_send(&w->wake);
}

static void on_accept_pause_done(uv_timer_t *t);

static void on_listener_ready(uv_poll_t *p, int status, int events)
{
	struct listener *l = p->data;
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, n;

	(void)events;
	if (status < 0) {
		log_warn("listener %s: %s", l->name, uv_strerror(status));
		return;
	}
	/* A bounded batch: signals and the other listeners get their turn. */
	for (n = 0; n < 64 && !l->srv->stopping; n++) {
		len = sizeof(ss);
		memset(&ss, 0, sizeof(ss));
		fd = accept4(l->fd, (struct sockaddr *)&ss, &len,
			     SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0) {
			accepted(l, fd, &ss);
			continue;
		}
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return;
		if (errno == EINTR || errno == ECONNABORTED ||
		    errno == EPROTO)
			continue;
		log_warn("listener %s: accept: %s", l->name, strerror(errno));
		/* Out of descriptors or memory: the connection stays in the
		 * backlog, and accepting again at once would spin. */
		uv_poll_stop(&l->poll);
		uv_timer_start(&l->pause, on_accept_pause_done, 1000, 0);
		return;
	}
}

static void on_accept_pause_done(uv_timer_t *t)
{
	struct listener *l = t->data;

	if (!l->srv->stopping)
		uv_poll_start(&l->poll, UV_READABLE, on_listener_ready);
}

/* ---- the worker threads ---- */

static void on_closed_nothing(uv_handle_t *h)
{
	(void)h;
}

/* When stopping and the last connection is gone, the worker's loop may
 * end. */
static void worker_maybe_finish(struct worker *w)
{
	size_t n;

	if (!w->stopping)
		return;
	uv_mutex_lock(&w->srv->lock);
	n = w->conn_count;
	uv_mutex_unlock(&w->srv->lock);
	if (n > 0 || uv_is_closing((uv_handle_t *)&w->wake))
		return;
	uv_close((uv_handle_t *)&w->wake, on_closed_nothing);
	uv_close((uv_handle_t *)&w->stop_timer, on_closed_nothing);
}

void server_conn_closed(struct conn *c)
{
	struct worker *w = c->w;

	uv_mutex_lock(&w->srv->lock);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		w->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	c->prev = c->next = NULL;
	w->conn_count--;
	uv_mutex_unlock(&w->srv->lock);
	log_info("session=%s peer=%s%s%s disconnect", c->id, c->peer,
		 c->user != NULL ? " user=" : "",
		 c->user != NULL ? c->user : "");
	worker_maybe_finish(w);
}

static void on_unusable_closed(uv_handle_t *h)
{
	struct conn *c = h->data;

	server_conf_put(&c->conf);
	free(c);
}

/* Starts a handed-over connection on this worker's loop. */
static void worker_start_conn(struct worker *w, struct conn *c)
{
	int ret;

	if (c->is_unix) {
		uv_pipe_init(&w->loop, &c->h.pipe, 0);
		ret = uv_pipe_open(&c->h.pipe, c->fd);
	} else {
		uv_tcp_init(&w->loop, &c->h.tcp);
		ret = uv_tcp_open(&c->h.tcp, c->fd);
		if (ret == 0)
			uv_tcp_nodelay(&c->h.tcp, 1);
	}
	c->h.handle.data = c;
	if (ret < 0) {
		conn_log_info(c, "cannot use the socket: %s",
			      uv_strerror(ret));
		close(c->fd);
		c->fd = -1;
		server_conn_closed(c);
		uv_close(&c->h.handle, on_unusable_closed);
		return;
	}
	c->fd = -1;	/* the handle's now */
	conn_start(c);
}

/* Under srv->lock. */
static size_t server_conn_count(const struct server *srv)
{
	size_t i, n = 0;

	for (i = 0; i < srv->worker_count; i++)
		n += srv->workers[i].conn_count;
	return n;
}

static void on_stop_timeout(uv_timer_t *t)
{
	struct worker *w = t->data;
	struct conn *c, *next;
	size_t n;

	uv_mutex_lock(&w->srv->lock);
	n = w->conn_count;
	uv_mutex_unlock(&w->srv->lock);
	log_warn("shutdown: %zu connection(s) still busy after %u s; "
		 "closing them", n, w->stop_timeout);
	for (c = w->conns; c != NULL; c = next) {
		next = c->next;
		conn_close(c);
	}
}

static void on_worker_wake(uv_async_t *a)
{
	struct worker *w = a->data;
	struct conn *c, *next, *handed;
	bool stop;
	unsigned int timeout;

	uv_mutex_lock(&w->srv->lock);
	handed = w->handed;
	w->handed = NULL;
	stop = w->stop_asked;
	timeout = w->stop_timeout;
	uv_mutex_unlock(&w->srv->lock);
	/* The list was built newest first: start the oldest first. */
	for (c = NULL; handed != NULL; handed = next) {
		next = handed->hand_next;
		handed->hand_next = c;
		c = handed;
	}
	for (; c != NULL; c = next) {
		next = c->hand_next;
		c->hand_next = NULL;
		worker_start_conn(w, c);
	}
	if (!stop || w->stopping)
		return;
	w->stopping = true;
	/* No other thread changes this worker's list now: the acceptor
	 * stopped before it asked. */
	for (c = w->conns; c != NULL; c = next) {
		next = c->next;
		if (c->proto->on_shutdown != NULL)
			c->proto->on_shutdown(c);
		else
			conn_close(c);
	}
	uv_timer_start(&w->stop_timer, on_stop_timeout,
		       (uint64_t)timeout * 1000, 0);
	worker_maybe_finish(w);
}

static void worker_main(void *arg)
{
	struct worker *w = arg;

	uv_run(&w->loop, UV_RUN_DEFAULT);
	/* This thread's IMAP folders, watches and their handles. */
	imap_folders_cleanup();
	atomic_store(&w->done, true);
	uv_async_send(&w->srv->worker_exit);
}

static void on_worker_exit(uv_async_t *a)
{
	struct server *srv = a->data;
	size_t i;

	for (i = 0; i < srv->worker_count; i++)
		if (!atomic_load(&srv->workers[i].done))
			return;
	uv_close((uv_handle_t *)&srv->sig_term, on_closed_nothing);
	uv_close((uv_handle_t *)&srv->sig_int, on_closed_nothing);
	uv_close((uv_handle_t *)&srv->sig_hup, on_closed_nothing);
	uv_close((uv_handle_t *)&srv->worker_exit, on_closed_nothing);
}

void server_start_workers(struct server *srv)
{
	size_t i;

	uv_async_init(srv->loop, &srv->worker_exit, on_worker_exit);
	srv->worker_exit.data = srv;
	for (i = 0; i < srv->worker_count; i++) {
		struct worker *w = &srv->workers[i];
		int ret = uv_loop_init(&w->loop);

		if (ret < 0)
			fatal("uv_loop_init: %s", uv_strerror(ret));
		uv_async_init(&w->loop, &w->wake, on_worker_wake);
		uv_timer_init(&w->loop, &w->stop_timer);
		w->wake.data = w->stop_timer.data = w;
		if (uv_thread_create(&w->thread, worker_main, w) < 0)
			fatal("cannot start a worker thread");
		w->started = true;
	}
}

/* ---- listening ---- */

static int listen_unix(struct server *srv, struct listener *l,
		       const struct listener_config *lc, struct buf *err)
{
	struct sockaddr_un sun;
	struct stat st;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(lc->socket_path) >= sizeof(sun.sun_path)) {
		buf_printf(err, "listener %s: %s: path too long", l->name,
			   lc->socket_path);
		return -ENAMETOOLONG;
	}
	memcpy(sun.sun_path, lc->socket_path, strlen(lc->socket_path));
	/* A socket left by an earlier run is replaced; anything else at
	 * that path is not ours to remove. */
	if (lstat(lc->socket_path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(lc->socket_path);
	l->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		       0);
	if (l->fd < 0 ||
	    bind(l->fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		buf_printf(err, "listener %s: %s: %s", l->name,
			   lc->socket_path, strerror(errno));
		return -errno;
	}
	l->socket_path = xstrdup(lc->socket_path);
	if (chmod(lc->socket_path, lc->socket_mode) < 0) {
		buf_printf(err, "listener %s: chmod %s: %s", l->name,
			   lc->socket_path, strerror(errno));
		return -errno;
	}
	if (getuid() == 0 && (srv->conf->cfg.user != NULL ||
			      lc->socket_group != NULL)) {
		uid_t uid = (uid_t)-1;
		gid_t gid = (gid_t)-1;

		if (srv->conf->cfg.user != NULL) {
			struct passwd *pw = getpwnam(srv->conf->cfg.user);

			if (pw == NULL) {
				buf_printf(err, "unknown user %s",
					   srv->conf->cfg.user);
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

static int bind_tcp(const struct sockaddr_storage *ss)
{
	socklen_t len = ss->ss_family == AF_INET6 ?
			sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
	int fd, one = 1, err;

	fd = socket(ss->ss_family,
		    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* A restart must not wait for the old connections' TIME_WAIT. */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (const struct sockaddr *)ss, len) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

static int listen_tcp(struct server *srv, struct listener *l,
		      const struct listener_config *lc, struct buf *err)
{
	struct sockaddr_storage ss;
	const char *addr = lc->address != NULL ? lc->address : "::";
	int ret;

	memset(&ss, 0, sizeof(ss));
	if (strchr(addr, ':') != NULL)
		ret = uv_ip6_addr(addr, lc->port, (struct sockaddr_in6 *)&ss);
	else
		ret = uv_ip4_addr(addr, lc->port, (struct sockaddr_in *)&ss);
	if (ret < 0) {
		buf_printf(err, "%s:%u: bad address \"%s\"",
			   srv->conf->cfg.path, lc->line, addr);
		return ret;
	}
	ret = bind_tcp(&ss);
	if ((ret == -EAFNOSUPPORT || ret == -EADDRNOTAVAIL) &&
	    lc->address == NULL) {
		/* No IPv6 here: all IPv4 addresses, then. */
		memset(&ss, 0, sizeof(ss));
		uv_ip4_addr("0.0.0.0", lc->port, (struct sockaddr_in *)&ss);
		ret = bind_tcp(&ss);
	}
	if (ret < 0) {
		buf_printf(err, "listener %s: bind %s port %u: %s", l->name,
			   addr, lc->port, strerror(-ret));
		return ret;
	}
	l->fd = ret;
	return 0;
}

int server_listen(struct server *srv, struct buf *err)
{
	size_t i;
	int ret;

	for (i = 0; i < srv->listener_count; i++) {
		const struct listener_config *lc =
			&srv->conf->cfg.listeners[i];
		struct listener *l = &srv->listeners[i];

		if (l->is_unix)
			ret = listen_unix(srv, l, lc, err);
		else
			ret = listen_tcp(srv, l, lc, err);
		if (ret == 0 && listen(l->fd, 128) < 0) {
			ret = -errno;
			buf_printf(err, "listener %s: listen: %s", l->name,
				   strerror(errno));
		}
		if (ret < 0)
			return ret;
		uv_poll_init(srv->loop, &l->poll, l->fd);
		uv_timer_init(srv->loop, &l->pause);
		l->poll.data = l->pause.data = l;
		l->polling = true;
		uv_poll_start(&l->poll, UV_READABLE, on_listener_ready);
		if (l->is_unix)
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
	struct server_conf *conf;
	int ret;

	config_init(&cfg);
	ret = config_load(&cfg, srv->conf->cfg.path, err);
	if (ret < 0) {
		config_release(&cfg);
		return ret;
	}
	ret = conf_new(&cfg, &conf, err);
	/* Last: on success the queue runner takes its part at once. */
	if (ret == 0)
		ret = queue_runner_reload(srv, &conf->cfg, err);
	if (ret < 0) {
		server_conf_put(&conf);
		return ret;
	}
	/* Connections keep the generation they started with. */
	server_conf_put(&srv->conf);
	srv->conf = conf;
	return 0;
}

void server_stop(struct server *srv)
{
	size_t i;

	if (srv->stopping)
		return;
	srv->stopping = true;
	queue_runner_stop(srv);
	for (i = 0; i < srv->listener_count; i++) {
		struct listener *l = &srv->listeners[i];

		if (l->polling) {
			uv_close((uv_handle_t *)&l->poll, on_closed_nothing);
			uv_close((uv_handle_t *)&l->pause, on_closed_nothing);
			l->polling = false;
		}
		if (l->fd >= 0)
			close(l->fd);
		l->fd = -1;
		if (l->socket_path != NULL)
			unlink(l->socket_path);
	}
	uv_mutex_lock(&srv->lock);
	for (i = 0; i < srv->worker_count; i++) {
		srv->workers[i].stop_asked = true;
		srv->workers[i].stop_timeout = srv->conf->cfg.shutdown_timeout;
	}
	log_info("stopping: %zu connection(s) open", server_conn_count(srv));
	uv_mutex_unlock(&srv->lock);
	for (i = 0; i < srv->worker_count; i++)
		if (srv->workers[i].started)
			uv_async_send(&srv->workers[i].wake);
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
	srv->sig_term.data = srv->sig_int.data = srv->sig_hup.data = srv;
	uv_signal_start(&srv->sig_term, on_signal, SIGTERM);
	uv_signal_start(&srv->sig_int, on_signal, SIGINT);
	uv_signal_start(&srv->sig_hup, on_signal, SIGHUP);
}

void server_release(struct server *srv)
{
	size_t i;

	queue_runner_stop(srv);
	for (i = 0; i < srv->worker_count; i++) {
		struct worker *w = &srv->workers[i];

		if (!w->started)
			continue;
		uv_thread_join(&w->thread);
		uv_loop_close(&w->loop);
	}
	free(srv->workers);
	ratelimit_free(&srv->smtp_rates[0]);
	ratelimit_free(&srv->smtp_rates[1]);
	for (i = 0; i < srv->listener_count; i++) {
		if (srv->listeners[i].fd >= 0)
			close(srv->listeners[i].fd);
		free(srv->listeners[i].name);
		free(srv->listeners[i].socket_path);
	}
	free(srv->listeners);
	server_conf_put(&srv->conf);
	uv_mutex_destroy(&srv->lock);
	free(srv->store);
	memset(srv, 0, sizeof(*srv));
}
