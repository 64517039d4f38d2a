/* The queue runner; see runner.h. */

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <uv.h>

#include "address.h"
#include "aliases.h"
#include "buf.h"
#include "deliver.h"
#include "folder.h"
#include "mailbox.h"
#include "message-summary.h"
#include "passwd.h"
#include "queue.h"
#include "queue/bounce.h"
#include "queue/dkim.h"
#include "queue/dns.h"
#include "queue/runner.h"
#include "queue/smtp-client.h"
#include "save.h"
#include "server.h"
#include "smtp/smtp.h"
#include "store.h"
#include "util.h"

#define MAX_BACKOFF (4 * 3600)

/* What the runner takes from the configuration, copied: the event loop
 * may replace its own at any time.  A reload builds a new one, which
 * the runner takes before its next pass over the queue. */
struct runner_conf {
	char *domains, *hostname;
	char *relay_host;	/* NULL: MX lookups */
	uint16_t relay_port;
	enum config_tls tls;
	bool verify;
	char *ca_file;
	char *relay_user, *relay_password;
	unsigned int lifetime, retry, delay_warning;
	struct dkim_key *keys;
	size_t key_count;
};

struct queue_runner {
	uv_thread_t thread;
	uv_mutex_t lock;
	uv_cond_t cond;
	atomic_bool stop;
	bool kicked;
	struct runner_conf *next;	/* from a reload, not taken yet */
	/* The runner thread's own. */
	char *store;
	struct runner_conf *rc;
	struct smtp_client_opts opts;
	/* The connection kept between entries going the same way. */
	struct smtp_client cl;
	char route[300];
};

static bool domain_local(const struct queue_runner *q, const char *addr)
{
	const char *at = strrchr(addr, '@'), *d = q->rc->domains;
	size_t n;

	if (at == NULL)
		return true;
	for (at++; *d != '\0'; d += n) {
		d += strspn(d, " \t");
		n = strcspn(d, " \t");
		if (n > 0 && n == strlen(at) && strncasecmp(d, at, n) == 0)
			return true;
	}
	return false;
}

static const char *domain_of(const char *addr)
{
	const char *at = strrchr(addr, '@');

	return at != NULL ? at + 1 : "";
}

static void set_diag(struct queue_rcpt *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void set_diag(struct queue_rcpt *r, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	free(r->diag);
	r->diag = buf_detach(&b);
}

/* ---- local recipients: straight into the store ---- */

static int open_inbox(const char *store, const char *addr,
		      struct folder **f_r)
{
	struct mailbox *mbox = NULL;
	struct buf user = BUF_INIT, dir = BUF_INIT;
	unsigned int line = 0;
	int ret;

	ret = aliases_lookup(store, addr, &user, &line);
	if (ret == 0)
		smtp_local_part(addr, &user);
	if (ret >= 0 && !passwd_user_name_valid(user.data, NULL))
		ret = -ESRCH;
	if (ret >= 0)
		ret = store_user_mailbox(store, user.data, true, &mbox);
	if (ret >= 0)
		ret = mailbox_folder_dir(mbox, "INBOX", &dir);
	if (ret >= 0)
		ret = folder_open_lazy(dir.data, f_r);
	mailbox_free(&mbox);
	buf_release(&user);
	buf_release(&dir);
	return ret;
}

static int save_from_fd(void *ctx, const void *data, size_t len)
{
	return save_write(ctx, data, len);
}

static void deliver_local(struct queue_runner *q, struct queue_env *env,
			  struct queue_rcpt *r, int fd)
{
	struct folder *f = NULL;
	struct save *save = NULL;
	struct buf trace = BUF_INIT;
	uint32_t uid = 0;
	int ret;

	ret = open_inbox(q->store, r->addr, &f);
	if (ret == 0)
		ret = save_begin(f, &save);
	if (ret == 0) {
		deliver_trace_headers(&trace, env->sender, r->addr, "\n");
		ret = save_write(save, trace.data, trace.len);
	}
	if (ret == 0 && lseek(fd, 0, SEEK_SET) < 0)
		ret = -errno;
	if (ret == 0)
		ret = fd_copy(fd, save_from_fd, save);
	if (ret == 0)
		ret = save_finish(&save, 0, 0, 0, &uid);
	if (save != NULL)
		save_abort(&save);
	folder_free(&f);
	buf_release(&trace);
	if (ret == 0) {
		r->status = QUEUE_SENT;
		set_diag(r, "250 2.0.0 saved as UID %u", uid);
	} else if (ret == -ESRCH) {
		r->status = QUEUE_FAILED;
		set_diag(r, "550 5.1.1 User unknown");
	} else {
		set_diag(r, "451 4.3.0 %s", strerror(-ret));
	}
}

/* ---- remote recipients ---- */

/* Opens (or keeps) the connection for a route: the relayhost, or the MX
 * hosts of a domain in order of preference. */
static int connect_route(struct queue_runner *q, const char *domain)
{
	struct dns_mx mx[DNS_MAX_MX];
	char route[300];
	int n, i, ret;

	xsnprintf(route, sizeof(route), "%s", q->rc->relay_host != NULL ?
		  "relayhost" : domain);
	if (q->cl.fd >= 0 && strcmp(route, q->route) == 0)
		return 0;
	smtp_client_release(&q->cl);
	smtp_client_init(&q->cl, &q->opts);
	q->route[0] = '\0';
	if (q->rc->relay_host != NULL) {
		ret = smtp_client_open(&q->cl, q->rc->relay_host, q->rc->relay_port);
	} else {
		n = dns_mail_hosts(domain, mx, DNS_MAX_MX);
		if (n < 0) {
			buf_reset(&q->cl.error);
			buf_printf(&q->cl.error, n == -ENOENT ?
				   "550 5.1.2 domain %s takes no mail" :
				   "451 4.4.3 cannot look up %s", domain);
			return n == -ENOENT ? -EPERM : n;
		}
		ret = -EHOSTUNREACH;
		for (i = 0; i < n && !atomic_load(&q->stop); i++) {
			ret = smtp_client_open(&q->cl, mx[i].host, 25);
			if (ret == 0 || ret == -EPERM)
				break;
		}
	}
	if (ret == 0)
		memcpy(q->route, route, sizeof(route));
	return ret;
}

static const struct dkim_key *key_for(const struct queue_runner *q,
				      const char *domain)
{
	size_t i;

	for (i = 0; i < q->rc->key_count; i++)
		if (strcasecmp(q->rc->keys[i].domain, domain) == 0)
			return &q->rc->keys[i];
	return NULL;
}

/*
 * The key of the From: address's domain, which is what DMARC aligns
 * with; else of the envelope sender's domain (the two are the same for
 * mail that passed submission's sender check).
 */
static const struct dkim_key *key_for_message(const struct queue_runner *q,
					      const struct queue_env *env,
					      int fd)
{
	const struct dkim_key *key = NULL;
	struct message_summary sum;
	struct address *from = NULL, *a;

	if (q->rc->key_count == 0)
		return NULL;
	if (message_summary_read_fd(fd, 0, &sum) == 0 && sum.from != NULL) {
		address_list_parse(sum.from, strlen(sum.from), &from);
		for (a = from; a != NULL && key == NULL; a = a->next)
			if (a->domain != NULL && a->domain[0] != '\0')
				key = key_for(q, a->domain);
		address_list_free(&from);
	}
	message_summary_release(&sum);
	return key != NULL ? key : key_for(q, domain_of(env->sender));
}

static void dkim_prefix(struct queue_runner *q, const struct queue_env *env,
			int fd, struct buf *out)
{
	const struct dkim_key *key = key_for_message(q, env, fd);
	struct dkim_sign d;
	char in[16384];
	ssize_t n;
	int ret;

	if (key == NULL || lseek(fd, 0, SEEK_SET) < 0)
		return;
	dkim_sign_init(&d, key);
	while ((n = read(fd, in, sizeof(in))) > 0)
		dkim_sign_update(&d, in, (size_t)n);
	ret = n < 0 ? -errno : dkim_sign_finish(&d, time(NULL), out);
	if (ret < 0)
		log_warn("queue id=%s: not DKIM-signed: %s", env->id,
			 strerror(-ret));
	dkim_sign_release(&d);
}

static const char *notify_text(unsigned int notify, char *buf, size_t size)
{
	if (notify == 0)
		return NULL;
	if (notify & QUEUE_NOTIFY_NEVER)
		return "NEVER";
	xsnprintf(buf, size, "%s%s%s",
		  notify & QUEUE_NOTIFY_SUCCESS ? "SUCCESS," : "",
		  notify & QUEUE_NOTIFY_FAILURE ? "FAILURE," : "",
		  notify & QUEUE_NOTIFY_DELAY ? "DELAY," : "");
	buf[strlen(buf) - 1] = '\0';
	return buf;
}

/* One message to the recipients of env at `domain` (all remote ones
 * with a relayhost). */
/* relayed[i]: recipient i went to a server that does not offer DSN, so
 * a NOTIFY=SUCCESS of its is answered here ("relayed"). */
static void deliver_group(struct queue_runner *q, struct queue_env *env,
			  const char *domain, int fd, struct buf *prefix,
			  bool *signed_, bool *relayed)
{
	struct smtp_client_rcpt *cr;
	size_t *idx, n = 0, i;
	char (*notify)[32];
	int ret;

	cr = xcalloc(env->rcpt_count, sizeof(*cr));
	idx = xcalloc(env->rcpt_count, sizeof(*idx));
	notify = xcalloc(env->rcpt_count, sizeof(*notify));
	for (i = 0; i < env->rcpt_count; i++) {
		struct queue_rcpt *r = &env->rcpts[i];

		if (r->status != QUEUE_PENDING || domain_local(q, r->addr) ||
		    (q->rc->relay_host == NULL &&
		     strcasecmp(domain_of(r->addr), domain) != 0))
			continue;
		cr[n].addr = r->addr;
		cr[n].notify = notify_text(r->notify, notify[n],
					   sizeof(notify[n]));
		cr[n].orcpt = r->orcpt;
		idx[n++] = i;
	}
	ret = connect_route(q, domain);
	if (ret == 0) {
		if (!*signed_) {
			dkim_prefix(q, env, fd, prefix);
			*signed_ = true;
		}
		ret = smtp_client_send(&q->cl, env->sender, env->envid,
				       env->ret_hdrs, cr, n, prefix->data, fd);
	}
	for (i = 0; i < n; i++) {
		struct queue_rcpt *r = &env->rcpts[idx[i]];

		if (ret < 0) {
			set_diag(r, "%s", q->cl.error.len > 0 ?
				 q->cl.error.data : strerror(-ret));
			if (ret == -EPERM)
				r->status = QUEUE_FAILED;
			continue;
		}
		set_diag(r, "%s", cr[i].diag);
		if (cr[i].code / 100 == 2) {
			r->status = QUEUE_SENT;
			relayed[idx[i]] = !q->cl.dsn;
		}
		else if (cr[i].code / 100 == 5)
			r->status = QUEUE_FAILED;
	}
	if (ret < 0) {
		smtp_client_release(&q->cl);
		smtp_client_init(&q->cl, &q->opts);
		q->route[0] = '\0';
	}
	free(cr);
	free(idx);
	free(notify);
}

/*
 * Queues one report (bounce.h) to the entry's sender of the recipients
 * whose action[i] is set, all of one kind; "what" names it in the log.
 * Returns whether it was queued (or nothing was due).
 */
static bool report(struct queue_runner *q, const struct queue_env *env,
		   const char *const *action, int fd, const char *what,
		   bool *bounced)
{
	struct dsn_rcpt *rcpts = xcalloc(env->rcpt_count, sizeof(*rcpts));
	struct dsn_report rep = {
		.sender = env->sender, .envid = env->envid,
		.arrival = env->created, .ret_hdrs = env->ret_hdrs,
		.retry_until = env->created + (time_t)q->rc->lifetime,
		.rcpts = rcpts,
	};
	char id[QUEUE_ID_LEN + 1];
	size_t i;
	int ret;

	for (i = 0; i < env->rcpt_count; i++) {
		if (action[i] == NULL)
			continue;
		rcpts[rep.n].addr = env->rcpts[i].addr;
		rcpts[rep.n].orcpt = env->rcpts[i].orcpt;
		rcpts[rep.n].action = action[i];
		rcpts[rep.n++].diag = env->rcpts[i].diag;
	}
	ret = dsn_queue(q->store, q->rc->hostname, &rep, fd, id);
	free(rcpts);
	if (ret < 0) {
		log_warn("queue id=%s: cannot queue a DSN: %s", env->id,
			 strerror(-ret));
		return false;
	}
	if (id[0] != '\0') {
		log_info("queue id=%s: %s queued as %s", env->id, what, id);
		*bounced = true;
	}
	return true;
}

/*
 * The reports of this pass, failures first (a crash after one sends it
 * twice rather than never): recipients that failed now; with
 * NOTIFY=SUCCESS, those delivered into the store or relayed to a server
 * that reports nothing (relayed[i]); and, once queue_delay_warning has
 * passed (as Postfix's delay_warning_time), those still being tried.
 */
static void report_all(struct queue_runner *q, struct queue_env *env,
		       const enum queue_rcpt_status *before,
		       const bool *relayed, time_t now, int fd, bool *bounced)
{
	const char **action = xcalloc(env->rcpt_count, sizeof(*action));
	size_t i;

	for (i = 0; i < env->rcpt_count; i++) {
		const struct queue_rcpt *r = &env->rcpts[i];

		if (r->status == QUEUE_FAILED && before[i] != QUEUE_FAILED &&
		    bounce_wanted(r->notify))
			action[i] = "failed";
	}
	report(q, env, action, fd, "DSN", bounced);
	for (i = 0; i < env->rcpt_count; i++) {
		const struct queue_rcpt *r = &env->rcpts[i];
		bool local = domain_local(q, r->addr);

		action[i] = NULL;
		if (r->status == QUEUE_SENT && before[i] != QUEUE_SENT &&
		    bounce_success_wanted(r->notify) && (local || relayed[i]))
			action[i] = local ? "delivered" : "relayed";
	}
	report(q, env, action, fd, "success DSN", bounced);
	if (q->rc->delay_warning > 0 && !env->delay_warned &&
	    now - env->created >= (time_t)q->rc->delay_warning &&
	    queue_env_pending(env) > 0) {
		for (i = 0; i < env->rcpt_count; i++)
			action[i] = env->rcpts[i].status == QUEUE_PENDING &&
				    bounce_delay_wanted(env->rcpts[i].notify) ?
				    "delayed" : NULL;
		if (report(q, env, action, fd, "delay DSN", bounced))
			env->delay_warned = true;
	}
	free(action);
}

static void deliver_entry(struct queue_runner *q, struct queue_env *env,
			  time_t now, bool *bounced)
{
	struct buf path = BUF_INIT, prefix = BUF_INIT;
	enum queue_rcpt_status *before;
	size_t i, j;
	bool signed_ = false, *relayed;
	int fd, ret;

	queue_path(q->store, env->id, "msg", &path);
	fd = open(path.data, O_RDONLY | O_CLOEXEC);
	buf_release(&path);
	if (fd < 0) {
		log_warn("queue id=%s: message file: %s", env->id,
			 strerror(errno));
		return;
	}
	before = xcalloc(env->rcpt_count, sizeof(*before));
	relayed = xcalloc(env->rcpt_count, sizeof(*relayed));
	for (i = 0; i < env->rcpt_count; i++)
		before[i] = env->rcpts[i].status;
	for (i = 0; i < env->rcpt_count && !atomic_load(&q->stop); i++) {
		struct queue_rcpt *r = &env->rcpts[i];

		if (r->status != QUEUE_PENDING)
			continue;
		if (domain_local(q, r->addr)) {
			deliver_local(q, env, r, fd);
			continue;
		}
		/* Were this recipient's domain-mates handled already? */
		for (j = 0; j < i; j++)
			if (before[j] == QUEUE_PENDING &&
			    !domain_local(q, env->rcpts[j].addr) &&
			    (q->rc->relay_host != NULL ||
			     strcasecmp(domain_of(env->rcpts[j].addr),
					domain_of(r->addr)) == 0))
				break;
		if (j == i)
			deliver_group(q, env, domain_of(r->addr), fd, &prefix,
				      &signed_, relayed);
	}
	env->attempts++;
	if (queue_env_pending(env) > 0) {
		if (now - env->created >= (time_t)q->rc->lifetime) {
			for (i = 0; i < env->rcpt_count; i++) {
				struct queue_rcpt *r = &env->rcpts[i];

				if (r->status != QUEUE_PENDING)
					continue;
				r->status = QUEUE_FAILED;
				set_diag(r, "delivery time expired (%u s); last "
					 "error: %s", q->rc->lifetime,
					 r->diag != NULL ? r->diag : "none");
			}
		} else {
			unsigned int shift = env->attempts - 1 > 10 ? 10 :
					     env->attempts - 1;
			time_t delay = (time_t)q->rc->retry << shift;

			if (delay > MAX_BACKOFF && q->rc->retry <= MAX_BACKOFF)
				delay = MAX_BACKOFF;
			env->next_attempt = now + delay;
		}
	}
	for (i = 0; i < env->rcpt_count; i++) {
		struct queue_rcpt *r = &env->rcpts[i];

		if (r->status == before[i])
			continue;
		log_info("queue id=%s from=<%s> rcpt=%s status=%s%s%s",
			 env->id, env->sender, r->addr,
			 r->status == QUEUE_SENT ? "sent" :
			 r->status == QUEUE_FAILED ? "failed" : "deferred",
			 r->diag != NULL ? ": " : "",
			 r->diag != NULL ? r->diag : "");
	}
	for (i = 0; i < env->rcpt_count; i++)
		if (env->rcpts[i].status == QUEUE_PENDING && before[i] ==
		    QUEUE_PENDING)
			log_info("queue id=%s rcpt=%s status=deferred: %s",
				 env->id, env->rcpts[i].addr,
				 env->rcpts[i].diag != NULL ?
				 env->rcpts[i].diag : "");
	report_all(q, env, before, relayed, now, fd, bounced);
	close(fd);
	if (queue_env_pending(env) == 0)
		ret = queue_remove(q->store, env->id);
	else
		ret = queue_update(q->store, env);
	if (ret < 0 && ret != -ENOENT)
		log_warn("queue id=%s: cannot update: %s", env->id,
			 strerror(-ret));
	free(before);
	free(relayed);
	buf_release(&prefix);
}

static void runner_conf_free(struct runner_conf **rcp)
{
	struct runner_conf *rc = *rcp;
	size_t i;

	if (rc == NULL)
		return;
	for (i = 0; i < rc->key_count; i++)
		dkim_key_release(&rc->keys[i]);
	free(rc->keys);
	free(rc->domains);
	free(rc->hostname);
	free(rc->relay_host);
	free(rc->ca_file);
	free(rc->relay_user);
	if (rc->relay_password != NULL)	/* a reload frees one while running */
		explicit_bzero(rc->relay_password, strlen(rc->relay_password));
	free(rc->relay_password);
	free(rc);
	*rcp = NULL;
}

/* The runner thread, between passes: the connection is closed. */
static void use_conf(struct queue_runner *q, struct runner_conf *rc)
{
	runner_conf_free(&q->rc);
	q->rc = rc;
	q->opts.helo = rc->hostname;
	q->opts.tls = rc->tls;
	q->opts.verify = q->opts.tls_required = rc->verify;
	q->opts.ca_file = rc->ca_file;
	q->opts.user = rc->relay_user;
	q->opts.password = rc->relay_password;
}

/* One pass over the queue; returns when to look again. */
static time_t run_queue(struct queue_runner *q)
{
	struct runner_conf *rc;
	time_t now = time(NULL), next;
	bool bounced = false;
	char **ids = NULL;
	size_t n = 0, i;

	uv_mutex_lock(&q->lock);
	rc = q->next;
	q->next = NULL;
	uv_mutex_unlock(&q->lock);
	if (rc != NULL) {
		use_conf(q, rc);
		log_info("queue: relay settings and DKIM keys reloaded");
	}
	next = now + (q->rc->retry < 60 ? q->rc->retry : 60);

	if (queue_list(q->store, &ids, &n) < 0)
		return next;
	for (i = 0; i < n; i++) {
		struct queue_env env;

		queue_env_init(&env);
		if (!atomic_load(&q->stop) &&
		    queue_read(q->store, ids[i], &env) == 0) {
			if (env.next_attempt <= now)
				deliver_entry(q, &env, now, &bounced);
			if (queue_env_pending(&env) > 0 &&
			    env.next_attempt < next)
				next = env.next_attempt;
		}
		queue_env_release(&env);
		free(ids[i]);
	}
	free(ids);
	smtp_client_release(&q->cl);
	smtp_client_init(&q->cl, &q->opts);
	q->route[0] = '\0';
	return bounced ? now : next;
}

static void runner_main(void *arg)
{
	struct queue_runner *q = arg;

	while (!atomic_load(&q->stop)) {
		time_t next = run_queue(q), now = time(NULL);

		uv_mutex_lock(&q->lock);
		if (!q->kicked && !atomic_load(&q->stop) && next > now)
			(void)uv_cond_timedwait(&q->cond, &q->lock,
						(uint64_t)(next - now) *
						1000000000ULL);
		q->kicked = false;
		uv_mutex_unlock(&q->lock);
	}
}

static void runner_free(struct queue_runner *q)
{
	smtp_client_release(&q->cl);
	runner_conf_free(&q->rc);
	runner_conf_free(&q->next);
	free(q->store);
	free(q);
}

/* "host", "host:port", "[v6]:port". */
static int parse_relay(struct runner_conf *rc, const char *v)
{
	const char *colon = strrchr(v, ':'), *end;
	uint32_t port = rc->tls == TLS_IMPLICIT ? 465 : 25;
	struct buf host = BUF_INIT;

	if (v[0] == '[') {
		end = strchr(v, ']');
		if (end == NULL)
			return -EINVAL;
		buf_append(&host, v + 1, (size_t)(end - v - 1));
		colon = end[1] == ':' ? end + 1 : NULL;
	} else if (colon != NULL && strchr(v, ':') == colon) {
		buf_append(&host, v, (size_t)(colon - v));
	} else {
		buf_puts(&host, v);
		colon = NULL;
	}
	if (colon != NULL && (parse_u32(colon + 1, &port) < 0 || port == 0 ||
			      port > 65535)) {
		buf_release(&host);
		return -EINVAL;
	}
	rc->relay_host = buf_detach(&host);
	rc->relay_port = (uint16_t)port;
	return 0;
}

/* Copies what the runner needs from cfg and loads the DKIM keys. */
static int runner_conf_new(const struct config *cfg, struct runner_conf **rc_r,
			   struct buf *err)
{
	struct runner_conf *rc = xcalloc(1, sizeof(*rc));
	const char *line;
	char host[256];
	int ret = 0;

	rc->domains = xstrdup(cfg->domains != NULL ? cfg->domains : "");
	if (cfg->hostname != NULL)
		rc->hostname = xstrdup(cfg->hostname);
	else if (gethostname(host, sizeof(host) - 1) == 0 && host[0] != '\0')
		rc->hostname = xstrndup(host, sizeof(host) - 1);
	else
		rc->hostname = xstrdup("localhost");
	rc->lifetime = cfg->queue_lifetime;
	rc->retry = cfg->queue_retry;
	rc->delay_warning = cfg->queue_delay_warning;
	rc->tls = cfg->relayhost != NULL ? cfg->relay_tls : TLS_STARTTLS;
	rc->verify = cfg->relayhost != NULL && cfg->relay_tls_verify;
	if (rc->verify && cfg->relay_tls_ca != NULL)
		rc->ca_file = xstrdup(cfg->relay_tls_ca);
	if (cfg->relay_user != NULL && cfg->relay_password != NULL) {
		rc->relay_user = xstrdup(cfg->relay_user);
		rc->relay_password = xstrdup(cfg->relay_password);
	}
	if (cfg->relayhost != NULL && parse_relay(rc, cfg->relayhost) < 0) {
		buf_printf(err, "%s: bad relayhost \"%s\"", cfg->path,
			   cfg->relayhost);
		ret = -EINVAL;
	}
	for (line = cfg->dkim; ret == 0 && line != NULL && *line != '\0';) {
		size_t n = strcspn(line, "\n");
		char *one = xstrndup(line, n);

		rc->keys = xrealloc(rc->keys, (rc->key_count + 1) *
				    sizeof(*rc->keys));
		ret = dkim_key_load(&rc->keys[rc->key_count], one, err);
		free(one);
		if (ret == 0)
			rc->key_count++;
		line += n + (line[n] == '\n');
	}
	if (ret < 0)
		runner_conf_free(&rc);
	*rc_r = rc;
	return ret;
}

int queue_runner_start(struct server *srv, struct buf *err)
{
	struct queue_runner *q;
	struct runner_conf *rc;
	int ret;

	ret = runner_conf_new(&srv->conf->cfg, &rc, err);
	if (ret < 0)
		return ret;
	q = xcalloc(1, sizeof(*q));
	q->store = xstrdup(srv->store);
	q->opts.stop = &q->stop;
	use_conf(q, rc);
	smtp_client_init(&q->cl, &q->opts);
	atomic_init(&q->stop, false);
	uv_mutex_init(&q->lock);
	uv_cond_init(&q->cond);
	if (uv_thread_create(&q->thread, runner_main, q) < 0)
		fatal("cannot start the queue runner thread");
	srv->runner = q;
	return 0;
}

int queue_runner_reload(struct server *srv, const struct config *cfg,
			struct buf *err)
{
	struct queue_runner *q = srv->runner;
	struct runner_conf *rc;
	int ret;

	ret = runner_conf_new(cfg, &rc, err);
	if (ret < 0 || q == NULL) {
		runner_conf_free(&rc);
		return ret;
	}
	uv_mutex_lock(&q->lock);
	runner_conf_free(&q->next);
	q->next = rc;
	q->kicked = true;
	uv_cond_signal(&q->cond);
	uv_mutex_unlock(&q->lock);
	return 0;
}

void queue_runner_kick(struct server *srv)
{
	struct queue_runner *q = srv->runner;

	if (q == NULL)
		return;
	uv_mutex_lock(&q->lock);
	q->kicked = true;
	uv_cond_signal(&q->cond);
	uv_mutex_unlock(&q->lock);
}

void queue_runner_stop(struct server *srv)
{
	struct queue_runner *q = srv->runner;

	if (q == NULL)
		return;
	uv_mutex_lock(&q->lock);
	atomic_store(&q->stop, true);
	uv_cond_signal(&q->cond);
	uv_mutex_unlock(&q->lock);
	uv_thread_join(&q->thread);
	uv_mutex_destroy(&q->lock);
	uv_cond_destroy(&q->cond);
	runner_free(q);
	srv->runner = NULL;
}
