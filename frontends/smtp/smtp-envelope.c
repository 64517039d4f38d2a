/*
 * MAIL FROM and RCPT TO: the envelope of a transaction, with the
 * parameters of SIZE (RFC 1870), 8BITMIME (RFC 6152), SMTPUTF8 (RFC 6531)
 * and DSN (RFC 3461), and the relay rules: the MX accepts only the
 * store's domains, submission needs a login and may send anywhere, the
 * sender being one of the user's own addresses.  Lookups that read files
 * (passwd, aliases, the mailbox) run on the thread pool.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aliases.h"
#include "buf.h"
#include "conn.h"
#include "folder.h"
#include "mailbox.h"
#include "passwd.h"
#include "queue.h"
#include "save.h"
#include "server.h"
#include "smtp-int.h"
#include "smtp.h"
#include "store.h"
#include "util.h"

void smtp_rcpt_release(struct smtp_rcpt *r)
{
	if (r->save != NULL)
		save_abort(&r->save);
	folder_free(&r->folder);
	free(r->addr);
	free(r->user);
	free(r->orcpt);
}

/* Parameters each protocol takes; anything else gets 555. */
static bool mail_param_known(const struct smtp_session *s, const char *k)
{
	static const char *const smtp[] = { "SIZE", "BODY", "SMTPUTF8",
					    "RET", "ENVID", "AUTH" };
	size_t i, n = s->lmtp ? 2 : ARRAY_SIZE(smtp);

	for (i = 0; i < n; i++)
		if (strcmp(k, smtp[i]) == 0)
			return true;
	return false;
}

/* Replies with a syntax error for a bad parameter value. */
static int bad_param(struct smtp_session *s, const char *reply)
{
	conn_puts(s->c, reply);
	return -1;
}

int smtp_check_mail(struct smtp_session *s, const char *args)
{
	struct smtp_path p;
	const char *v;
	uint64_t size;
	int ret;

	ret = smtp_parse_path(args, "FROM:", &p);
	if (ret < 0) {
		conn_puts(s->c, ret == -ENAMETOOLONG ?
			  "501 5.5.4 Path or parameter too long\r\n" :
			  "501 5.5.4 Syntax: MAIL FROM:<address>\r\n");
		smtp_bad_command(s);
		return -1;
	}
	if (s->kind == SMTP_KIND_SUBMISSION && s->c->user == NULL) {
		conn_puts(s->c, "530 5.7.0 Authentication required\r\n");
		return -1;
	}
	if (smtp_rate_exceeded(s, SMTP_RATE_MSG)) {
		/* Postfix's smtpd_client_message_rate_limit reply. */
		conn_puts(s->c, "450 4.7.1 Too much mail from your address, "
			  "try again later\r\n");
		return -1;
	}
	for (size_t i = 0; i < p.param_count; i++) {
		const char *k = p.params[i].key;

		if (!mail_param_known(s, k)) {
			conn_printf(s->c, "555 5.5.4 Unsupported parameter "
				    "%s\r\n", k);
			return -1;
		}
	}
	v = smtp_path_param(&p, "BODY");
	if (v != NULL && strcasecmp(v, "7BIT") != 0 &&
	    strcasecmp(v, "8BITMIME") != 0)
		return bad_param(s, "501 5.5.4 BODY is 7BIT or 8BITMIME\r\n");
	v = smtp_path_param(&p, "RET");
	if (v != NULL && strcasecmp(v, "FULL") != 0 &&
	    strcasecmp(v, "HDRS") != 0)
		return bad_param(s, "501 5.5.4 RET is FULL or HDRS\r\n");
	v = smtp_path_param(&p, "ENVID");
	if (v != NULL && (*v == '\0' || strlen(v) > 100 ||
			  !smtp_xtext_valid(v)))
		return bad_param(s, "501 5.5.4 Bad ENVID value\r\n");
	v = smtp_path_param(&p, "SMTPUTF8");
	if (v != NULL && *v != '\0')
		return bad_param(s, "501 5.5.4 SMTPUTF8 takes no value\r\n");
	if (v == NULL && smtp_addr_is_utf8(p.addr))
		return bad_param(s, "553 5.6.7 Non-ASCII address needs "
				 "SMTPUTF8\r\n");
	v = smtp_path_param(&p, "SIZE");
	if (v != NULL) {
		if (parse_u64(v, &size) < 0)
			return bad_param(s, "501 5.5.4 Bad SIZE value\r\n");
		if (s->c->limits.max_message_size > 0 &&
		    size > s->c->limits.max_message_size)
			return bad_param(s, "552 5.3.4 Message size exceeds "
					 "fixed limit\r\n");
	}
	return 0;
}

static void mail_accept(struct smtp_session *s, const struct smtp_path *p)
{
	const char *v;

	s->sender = xstrdup(p->addr);
	s->smtputf8 = smtp_path_param(p, "SMTPUTF8") != NULL;
	v = smtp_path_param(p, "RET");
	s->ret_hdrs = v != NULL && strcasecmp(v, "HDRS") == 0;
	v = smtp_path_param(p, "ENVID");
	s->envid = v != NULL ? xstrdup(v) : NULL;
	s->state = SMTP_MAIL;
	conn_puts(s->c, "250 2.1.0 OK\r\n");
}

/* Submission: is the sender one of the user's addresses?  Read on the
 * thread pool, since the aliases file is a file. */
struct sender_check {
	struct smtp_session *s;
	struct smtp_path p;
	char *store, *domains, *user;
	bool allowed;
};

static void sender_check_work(void *arg)
{
	struct sender_check *k = arg;

	k->allowed = smtp_sender_allowed(k->store, k->domains, k->user,
					 k->p.addr);
}

static void sender_check_done(struct conn *c, void *arg)
{
	struct sender_check *k = arg;

	if (!c->closing) {
		if (k->allowed) {
			mail_accept(k->s, &k->p);
		} else {
			conn_log_info(c, "from=<%s> refused: not an address "
				      "of the user", k->p.addr);
			smtp_reply_errno(k->s, -EACCES, k->p.addr);
		}
	}
	free(k->store);
	free(k->domains);
	free(k->user);
	free(k);
}

void smtp_act_mail(struct smtp_session *s, const char *args)
{
	struct sender_check *k;
	struct smtp_path p;

	smtp_parse_path(args, "FROM:", &p);
	if (s->kind != SMTP_KIND_SUBMISSION ||
	    !s->c->conf->cfg.submission_check_sender) {
		mail_accept(s, &p);
		return;
	}
	if (p.addr[0] == '\0') {
		/* Users do not send bounces. */
		smtp_reply_errno(s, -EACCES, "");
		return;
	}
	k = xcalloc(1, sizeof(*k));
	k->s = s;
	k->p = p;
	k->store = xstrdup(conn_store(s->c));
	k->domains = xstrdup(s->c->conf->cfg.domains);
	k->user = xstrdup(s->c->user);
	conn_queue_work(s->c, sender_check_work, sender_check_done, k);
}

/* ---- RCPT TO: the user lookup runs on the thread pool ---- */

struct rcpt_lookup {
	struct smtp_session *s;
	char *store;
	struct smtp_rcpt r;
	int ret;
	unsigned int alias_line;	/* of a malformed aliases file */
};

static void rcpt_lookup_work(void *arg)
{
	struct rcpt_lookup *l = arg;
	struct mailbox *mbox = NULL;
	struct buf dir = BUF_INIT, user = BUF_INIT;
	unsigned int line = 0;

	/* Another address of a user (the store's aliases file)? */
	l->ret = aliases_lookup(l->store, l->r.addr, &user, &line);
	if (l->ret == -EINVAL)
		l->alias_line = line;
	if (l->ret > 0) {
		free(l->r.user);
		l->r.user = buf_detach(&user);
	}
	buf_release(&user);
	if (l->ret >= 0 && !passwd_user_name_valid(l->r.user, NULL))
		l->ret = -ESRCH;
	if (l->ret >= 0)
		l->ret = store_user_mailbox(l->store, l->r.user, true, &mbox);
	if (l->ret == 0)
		l->ret = mailbox_folder_dir(mbox, "INBOX", &dir);
	if (l->ret == 0)
		l->ret = folder_open_lazy(dir.data, &l->r.folder);
	mailbox_free(&mbox);
	buf_release(&dir);
}

/*
 * The recipient of this transaction that r duplicates: the same store
 * user (an alias and the user's own address, say), or the same remote
 * address.  SMTP stores one copy per mailbox and queues one per remote
 * address, as Postfix does; LMTP keeps every RCPT, each of which its
 * client asked for and gets a reply for.
 */
static const struct smtp_rcpt *rcpt_duplicate(const struct smtp_session *s,
					      const struct smtp_rcpt *r)
{
	size_t i;

	if (s->lmtp)
		return NULL;
	for (i = 0; i < s->rcpt_count; i++) {
		const struct smtp_rcpt *o = &s->rcpts[i];

		if (r->user != NULL ? o->user != NULL &&
				      strcmp(o->user, r->user) == 0 :
				      o->user == NULL &&
				      strcmp(o->addr, r->addr) == 0)
			return o;
	}
	return NULL;
}

static void rcpt_add(struct smtp_session *s, struct smtp_rcpt *r)
{
	const struct smtp_rcpt *dup = rcpt_duplicate(s, r);

	s->rcpt_accepted++;
	conn_printf(s->c, "250 2.1.5 <%s> OK\r\n", r->addr);
	if (dup != NULL) {
		conn_log_info(s->c, "rcpt=%s: the same %s as %s: one copy",
			      r->addr, r->user != NULL ? "mailbox" : "address",
			      dup->addr);
		smtp_rcpt_release(r);
		return;
	}
	if (r->user == NULL)
		s->remote_count++;
	s->rcpts = xgrow(s->rcpts, &s->rcpt_cap, s->rcpt_count + 1,
			 sizeof(*s->rcpts));
	s->rcpts[s->rcpt_count++] = *r;
	s->state = SMTP_RCPT;
}

static void rcpt_lookup_done(struct conn *c, void *arg)
{
	struct rcpt_lookup *l = arg;
	struct smtp_session *s = l->s;

	(void)c;
	if (l->ret < 0) {
		if (l->alias_line != 0)
			conn_log_warn(s->c, "rcpt=%s: %s/aliases:%u: not "
				      "\"address: user\"", l->r.addr,
				      conn_store(s->c), l->alias_line);
		else if (l->ret != -ESRCH)
			conn_log_warn(s->c, "rcpt=%s lookup failed: %s",
				      l->r.addr, strerror(-l->ret));
		if (l->alias_line != 0)
			l->ret = -EAGAIN;	/* an admin's typo: try later */
		smtp_reply_errno(s, l->ret, l->r.addr);
		smtp_rcpt_release(&l->r);
	} else {
		rcpt_add(s, &l->r);
	}
	free(l->store);
	free(l);
}

/* NOTIFY=NEVER or a list of SUCCESS, FAILURE, DELAY; 0 when bad. */
static unsigned int parse_notify(const char *v)
{
	unsigned int bits = 0;

	if (strcasecmp(v, "NEVER") == 0)
		return QUEUE_NOTIFY_NEVER;
	while (*v != '\0') {
		size_t n = strcspn(v, ",");

		if (n == 7 && strncasecmp(v, "SUCCESS", n) == 0)
			bits |= QUEUE_NOTIFY_SUCCESS;
		else if (n == 7 && strncasecmp(v, "FAILURE", n) == 0)
			bits |= QUEUE_NOTIFY_FAILURE;
		else if (n == 5 && strncasecmp(v, "DELAY", n) == 0)
			bits |= QUEUE_NOTIFY_DELAY;
		else
			return 0;
		v += n;
		if (*v == ',' && *++v == '\0')
			return 0;
	}
	return bits;
}

int smtp_check_rcpt(struct smtp_session *s, const char *args)
{
	struct smtp_path p;
	const char *v;
	int ret;

	ret = smtp_parse_path(args, "TO:", &p);
	if (ret < 0 || p.addr[0] == '\0') {
		conn_puts(s->c, "501 5.5.4 Syntax: RCPT TO:<address>\r\n");
		smtp_bad_command(s);
		return -1;
	}
	for (size_t i = 0; i < p.param_count; i++) {
		const char *k = p.params[i].key;

		if (s->lmtp || (strcmp(k, "NOTIFY") != 0 &&
				strcmp(k, "ORCPT") != 0)) {
			conn_printf(s->c, "555 5.5.4 Unsupported parameter "
				    "%s\r\n", k);
			return -1;
		}
	}
	v = smtp_path_param(&p, "NOTIFY");
	if (v != NULL && parse_notify(v) == 0)
		return bad_param(s, "501 5.5.4 Bad NOTIFY value\r\n");
	v = smtp_path_param(&p, "ORCPT");
	if (v != NULL && (strchr(v, ';') == NULL || !smtp_xtext_valid(v)))
		return bad_param(s, "501 5.5.4 Bad ORCPT value\r\n");
	if (!s->smtputf8 && smtp_addr_is_utf8(p.addr))
		return bad_param(s, "553 5.6.7 Non-ASCII address needs "
				 "SMTPUTF8\r\n");
	if (s->rcpt_accepted >= s->c->limits.max_recipients) {
		conn_puts(s->c, "452 4.5.3 Too many recipients\r\n");
		return -1;
	}
	return 0;
}

void smtp_act_rcpt(struct smtp_session *s, const char *args)
{
	struct rcpt_lookup *l;
	struct buf local = BUF_INIT;
	struct smtp_rcpt r;
	struct smtp_path p;
	const char *v;

	smtp_parse_path(args, "TO:", &p);
	memset(&r, 0, sizeof(r));
	r.addr = xstrdup(p.addr);
	v = smtp_path_param(&p, "NOTIFY");
	r.notify = v != NULL ? parse_notify(v) : 0;
	v = smtp_path_param(&p, "ORCPT");
	r.orcpt = v != NULL ? xstrdup(v) : NULL;
	if (!smtp_domain_is_local(s->c, p.addr)) {
		if (s->kind != SMTP_KIND_SUBMISSION) {
			/* RFC 5321 3.6.2: no open relay. */
			conn_log_info(s->c, "rcpt=%s refused: relay access "
				      "denied", p.addr);
			smtp_reply_errno(s, -EPERM, p.addr);
			smtp_rcpt_release(&r);
			return;
		}
		rcpt_add(s, &r);
		return;
	}
	smtp_local_part(p.addr, &local);
	l = xcalloc(1, sizeof(*l));
	l->s = s;
	l->store = xstrdup(conn_store(s->c));
	l->r = r;
	l->r.user = buf_detach(&local);
	conn_queue_work(s->c, rcpt_lookup_work, rcpt_lookup_done, l);
}
