/*
 * The end of DATA and BDAT: the saves are finished (fsync of file and
 * directory, group commit) on the thread pool, copies for several local
 * recipients are linked, failed local copies are deferred into the
 * outbound queue, and the client gets its reply (one per recipient for
 * LMTP, one for all for SMTP).  See smtp-data.c for the whole story.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "address.h"
#include "buf.h"
#include "conn.h"
#include "queue.h"
#include "queue/bounce.h"
#include "queue/runner.h"
#include "save-group.h"
#include "save.h"
#include "server.h"
#include "smtp-int.h"
#include "util.h"

/* ---- the end: finishing on the thread pool ---- */

struct finish {
	struct smtp_session *s;
	struct queue_env env;
	char *store, *domains, *user;
	bool check_from;
	unsigned int retry;	/* queue_retry: a deferral's first wait */
	int copy_fd;		/* the shared copy, for a deferral; or -1 */
	char defer_id[QUEUE_ID_LEN + 1];	/* MX: the deferral's entry */
	int defer_err;
	char *hostname;
	char success_id[QUEUE_ID_LEN + 1];	/* NOTIFY=SUCCESS's DSN */
};

/* Submission: every From: address must be the user's. */
static bool from_allowed(struct finish *f)
{
	struct address *list = NULL, *a;
	struct buf addr = BUF_INIT;
	bool ok = true;

	address_list_parse(f->s->from, strlen(f->s->from), &list);
	for (a = list; a != NULL && ok; a = a->next) {
		if (a->kind != ADDRESS_MAILBOX)
			continue;
		buf_reset(&addr);
		buf_printf(&addr, "%s@%s", a->mailbox, a->domain);
		ok = !a->invalid && smtp_sender_allowed(f->store, f->domains,
							f->user, addr.data);
	}
	buf_release(&addr);
	address_list_free(&list);
	return ok;
}

/* SMTP with several local recipients: the others' copies are links to
 * the primary's file, made now that it is written whole. */
static void link_copies(struct finish *f)
{
	struct smtp_session *s = f->s;
	struct smtp_rcpt *p = NULL;
	size_t i;
	int ret;

	if (s->primary < s->rcpt_count)
		p = &s->rcpts[s->primary];
	if (p != NULL && p->save != NULL) {
		ret = save_open_read(p->save);
		f->copy_fd = ret < 0 ? -1 : ret;
	}
	for (i = 0; i < s->rcpt_count; i++) {
		struct smtp_rcpt *r = &s->rcpts[i];

		if (r->user == NULL || r->save != NULL || r->err != 0)
			continue;
		if (p == NULL || p->save == NULL)
			r->err = p != NULL && p->err != 0 ? p->err : -EIO;
		else
			r->err = save_link(p->save, r->folder, &r->save);
	}
}

static void rcpt_diag(struct queue_env *env, int err)
{
	struct queue_rcpt *q = &env->rcpts[env->rcpt_count - 1];
	struct buf b = BUF_INIT;

	buf_printf(&b, "451 4.3.0 local delivery failed: %s", strerror(-err));
	q->diag = buf_detach(&b);
}

/* Submission: local recipients whose copy failed go into the queue
 * entry of the remote ones, whose runner delivers them locally. */
static void defer_to_entry(struct finish *f)
{
	struct smtp_session *s = f->s;
	size_t i;

	for (i = 0; i < s->rcpt_count; i++) {
		struct smtp_rcpt *r = &s->rcpts[i];

		if (r->user == NULL || r->err == 0)
			continue;
		queue_env_add_rcpt(&f->env, r->addr, r->orcpt, r->notify);
		rcpt_diag(&f->env, r->err);
		r->queued = true;
	}
}

static int queue_sink(void *ctx, const void *data, size_t len)
{
	return queue_save_write(ctx, data, len);
}

/* MX: when one copy was stored and others failed, the failed recipients
 * get the message through the outbound queue: the shared copy without
 * its Return-Path (the runner writes that with Delivered-To). */
static void defer_to_new_entry(struct finish *f)
{
	struct smtp_session *s = f->s;
	struct queue_env env;
	struct queue_save *qs = NULL;
	size_t i, stored = 0, failed = 0;
	int ret;

	for (i = 0; i < s->rcpt_count; i++)
		if (s->rcpts[i].user != NULL) {
			if (s->rcpts[i].err == 0)
				stored++;
			else
				failed++;
		}
	if (stored == 0 || failed == 0 || s->too_big)
		return;
	ret = f->copy_fd < 0 ? -EIO : 0;
	queue_env_init(&env);
	env.sender = xstrdup(s->sender);
	env.envid = s->envid != NULL ? xstrdup(s->envid) : NULL;
	env.ret_hdrs = s->ret_hdrs;
	env.attempts = 1;
	env.next_attempt = time(NULL) + f->retry;
	for (i = 0; i < s->rcpt_count; i++) {
		struct smtp_rcpt *r = &s->rcpts[i];

		if (r->user != NULL && r->err != 0) {
			queue_env_add_rcpt(&env, r->addr, r->orcpt, r->notify);
			rcpt_diag(&env, r->err);
		}
	}
	if (ret == 0 && lseek(f->copy_fd, (off_t)s->trace_len, SEEK_SET) < 0)
		ret = -errno;
	if (ret == 0)
		ret = queue_save_begin(f->store, &qs);
	if (ret == 0)
		ret = fd_copy(f->copy_fd, queue_sink, qs);
	if (ret == 0)
		ret = queue_save_finish(&qs, &env);
	queue_save_abort(&qs);
	f->defer_err = ret;
	if (ret == 0) {
		memcpy(f->defer_id, env.id, sizeof(f->defer_id));
		for (i = 0; i < s->rcpt_count; i++)
			if (s->rcpts[i].user != NULL && s->rcpts[i].err != 0)
				s->rcpts[i].queued = true;
	}
	queue_env_release(&env);
}

/* A copy of the message as stored, for a report of its deliveries
 * (before the saves are finished: the file is then renamed). */
static int success_fd(const struct smtp_session *s)
{
	size_t i;

	for (i = 0; i < s->rcpt_count; i++)
		if (s->rcpts[i].user != NULL &&
		    bounce_success_wanted(s->rcpts[i].notify))
			break;
	if (i == s->rcpt_count)
		return -1;
	for (i = 0; i < s->rcpt_count; i++)
		if (s->rcpts[i].save != NULL)
			return save_open_read(s->rcpts[i].save);
	return -1;
}

/* NOTIFY=SUCCESS (RFC 3461): a report of the local copies stored, to
 * the sender, through the queue. */
static void report_success(struct finish *f, int fd)
{
	struct smtp_session *s = f->s;
	struct dsn_rcpt *rcpts = xcalloc(s->rcpt_count, sizeof(*rcpts));
	char (*diag)[48] = xcalloc(s->rcpt_count, sizeof(*diag));
	struct dsn_report rep = {
		.sender = s->sender, .envid = s->envid,
		.arrival = time(NULL), .rcpts = rcpts,
	};
	size_t i;
	int ret;

	for (i = 0; i < s->rcpt_count; i++) {
		const struct smtp_rcpt *r = &s->rcpts[i];

		if (r->user == NULL || r->err != 0 || r->queued ||
		    !bounce_success_wanted(r->notify))
			continue;
		xsnprintf(diag[rep.n], sizeof(diag[rep.n]),
			  "250 2.0.0 saved as UID %u", r->uid);
		rcpts[rep.n].addr = r->addr;
		rcpts[rep.n].orcpt = r->orcpt;
		rcpts[rep.n].action = "delivered";
		rcpts[rep.n].diag = diag[rep.n];
		rep.n++;
	}
	ret = dsn_queue(f->store, f->hostname, &rep, fd, f->success_id);
	if (ret < 0)
		log_warn("from=<%s>: cannot queue a DSN of the deliveries: %s",
			 s->sender, strerror(-ret));
	free(rcpts);
	free(diag);
}

static void finish_work(void *arg)
{
	struct finish *f = arg;
	struct smtp_session *s = f->s;
	int dsn_fd;
	size_t i;

	if (f->check_from && s->from != NULL && !from_allowed(f)) {
		s->header_err = -EACCES;
		smtp_data_abort(s);
		return;
	}
	if (s->shared)
		link_copies(f);
	dsn_fd = s->lmtp ? -1 : success_fd(s);
	for (i = 0; i < s->rcpt_count; i++) {
		struct smtp_rcpt *r = &s->rcpts[i];

		if (r->save != NULL)
			r->err = save_group_finish(&r->save, 0, 0, 0, &r->uid, NULL);
	}
	if (dsn_fd >= 0) {
		report_success(f, dsn_fd);
		close(dsn_fd);
	}
	if (s->qsave != NULL) {
		defer_to_entry(f);
		s->qerr = queue_save_finish(&s->qsave, &f->env);
	} else if (!s->lmtp) {
		defer_to_new_entry(f);
	}
	if (f->copy_fd >= 0)
		close(f->copy_fd);
}

/* LMTP: one reply per recipient, in order (RFC 2033 4.2). */
static void reply_lmtp(struct smtp_session *s)
{
	size_t i;

	for (i = 0; i < s->rcpt_count; i++) {
		struct smtp_rcpt *r = &s->rcpts[i];

		if (r->err == 0) {
			conn_log_info(s->c, "rcpt=%s from=<%s> saved uid=%u "
				      "size=%llu", r->addr, s->sender, r->uid,
				      (unsigned long long)s->data_size);
			conn_printf(s->c, "250 2.0.0 <%s> Saved as UID %u\r\n",
				    r->addr, r->uid);
		} else {
			conn_log_info(s->c, "rcpt=%s from=<%s> not saved: %s",
				      r->addr, s->sender, strerror(-r->err));
			smtp_reply_errno(s, r->err, r->addr);
		}
	}
}

/* SMTP: one reply for the message.  250 when every recipient has its
 * copy, stored or queued (a failed local copy is deferred through the
 * queue when another was stored); the error when none has. */
static void reply_smtp(struct smtp_session *s, const struct finish *f)
{
	size_t i, ok = 0;
	int first_err = 0;

	if (s->header_err != 0) {
		conn_log_info(s->c, "from=<%s> refused: From: is not an "
			      "address of the user", s->sender);
		conn_puts(s->c, "550 5.7.1 From: header not owned by user\r\n");
		return;
	}
	for (i = 0; i < s->rcpt_count; i++) {
		struct smtp_rcpt *r = &s->rcpts[i];
		/* Deferred into the submission's entry or one of its own. */
		const char *qid = s->remote_count > 0 ? f->env.id : f->defer_id;
		int qerr = s->remote_count > 0 ? s->qerr : f->defer_err;

		if (r->user == NULL)
			r->err = s->qerr;
		if (r->user != NULL && r->queued && qerr == 0) {
			ok++;
			conn_log_warn(s->c, "rcpt=%s from=<%s> not saved: %s; "
				      "deferred, queued id=%s", r->addr,
				      s->sender, strerror(-r->err), qid);
		} else if (r->err == 0) {
			ok++;
			if (r->user != NULL)
				conn_log_info(s->c, "rcpt=%s from=<%s> saved "
					      "uid=%u size=%llu", r->addr,
					      s->sender, r->uid,
					      (unsigned long long)s->data_size);
			else
				conn_log_info(s->c, "rcpt=%s from=<%s> queued "
					      "id=%s size=%llu", r->addr,
					      s->sender, f->env.id,
					      (unsigned long long)s->data_size);
		} else {
			conn_log_info(s->c, "rcpt=%s from=<%s> not saved: %s",
				      r->addr, s->sender, strerror(-r->err));
			if (first_err == 0)
				first_err = r->err;
		}
	}
	if (ok == 0) {
		smtp_reply_errno(s, first_err, NULL);
		return;
	}
	if (ok < s->rcpt_count) {
		/* Some copies are stored, others neither stored nor queued
		 * (the queue failed too): the one reply may not claim them,
		 * so the client must try again, and the stored recipients
		 * may get the message twice. */
		conn_log_warn(s->c, "from=<%s> %zu of %zu recipients neither "
			      "stored nor queued; refused, stored copies may "
			      "be duplicated", s->sender, s->rcpt_count - ok,
			      s->rcpt_count);
		smtp_reply_errno(s, first_err, NULL);
		return;
	}
	if (s->remote_count > 0 && s->qerr == 0)
		conn_printf(s->c, "250 2.0.0 OK queued as %s\r\n", f->env.id);
	else if (f->defer_id[0] != '\0')
		conn_printf(s->c, "250 2.0.0 OK, some deferred as %s\r\n",
			    f->defer_id);
	else
		conn_puts(s->c, "250 2.0.0 OK\r\n");
}

static void finish_done(struct conn *c, void *arg)
{
	struct finish *f = arg;
	struct smtp_session *s = f->s;

	if (s->lmtp)
		reply_lmtp(s);
	else
		reply_smtp(s, f);
	if (f->success_id[0] != '\0')
		conn_log_info(c, "from=<%s> success DSN queued as %s",
			      s->sender, f->success_id);
	if ((s->remote_count > 0 && s->qerr == 0 && s->header_err == 0) ||
	    f->defer_id[0] != '\0' || f->success_id[0] != '\0')
		queue_runner_kick(c->srv);
	queue_env_release(&f->env);
	free(f->store);
	free(f->domains);
	free(f->user);
	free(f->hostname);
	free(f);
	smtp_transaction_reset(s);
	smtp_after_transaction(s);
}

/* The whole message was read and written to the saves. */
void smtp_data_finish(struct smtp_session *s)
{
	struct finish *f;
	size_t i;

	if (s->too_big) {
		for (i = 0; i < s->rcpt_count; i++) {
			struct smtp_rcpt *r = &s->rcpts[i];

			if (r->save != NULL)
				save_abort(&r->save);
			r->err = -EFBIG;
		}
		queue_save_abort(&s->qsave);
		s->qerr = -EFBIG;
	}
	f = xcalloc(1, sizeof(*f));
	f->s = s;
	f->copy_fd = -1;
	f->retry = s->c->conf->cfg.queue_retry;
	queue_env_init(&f->env);
	if (s->qsave != NULL) {
		f->env.sender = xstrdup(s->sender);
		f->env.user = s->c->user != NULL ? xstrdup(s->c->user) : NULL;
		f->env.envid = s->envid != NULL ? xstrdup(s->envid) : NULL;
		f->env.ret_hdrs = s->ret_hdrs;
		f->env.next_attempt = time(NULL);
		for (i = 0; i < s->rcpt_count; i++)
			if (s->rcpts[i].user == NULL)
				queue_env_add_rcpt(&f->env, s->rcpts[i].addr,
						   s->rcpts[i].orcpt,
						   s->rcpts[i].notify);
	}
	f->check_from = s->kind == SMTP_KIND_SUBMISSION &&
			s->c->conf->cfg.submission_check_sender &&
			s->c->user != NULL;
	f->store = xstrdup(conn_store(s->c));
	f->hostname = xstrdup(smtp_hostname(s));
	f->domains = s->c->conf->cfg.domains != NULL ?
		     xstrdup(s->c->conf->cfg.domains) : NULL;
	f->user = s->c->user != NULL ? xstrdup(s->c->user) : NULL;
	/* Replies come from finish_done, in recipient order. */
	conn_queue_work(s->c, finish_work, finish_done, f);
}

