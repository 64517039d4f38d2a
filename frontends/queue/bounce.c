/* Delivery status notifications; see bounce.h. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "buf.h"
#include "date.h"
#include "queue.h"
#include "queue/bounce.h"
#include "util.h"

bool bounce_wanted(unsigned int notify)
{
	if (notify & QUEUE_NOTIFY_NEVER)
		return false;
	return notify == 0 || (notify & QUEUE_NOTIFY_FAILURE);
}

bool bounce_success_wanted(unsigned int notify)
{
	return (notify & QUEUE_NOTIFY_SUCCESS) && !(notify & QUEUE_NOTIFY_NEVER);
}

bool bounce_delay_wanted(unsigned int notify)
{
	if (notify & QUEUE_NOTIFY_NEVER)
		return false;
	return notify == 0 || (notify & QUEUE_NOTIFY_DELAY);
}

enum dsn_kind { DSN_FAILED, DSN_DELAYED, DSN_SUCCESS };

/* The enhanced status code at the start of a diagnostic ("550 5.1.1
 * ..."), or a generic one. */
static void status_of(const char *diag, enum dsn_kind kind, struct buf *out)
{
	const char *p = diag;
	size_t n;

	if (p != NULL && strlen(p) > 4 && p[3] == ' ') {
		p += 4;
		n = strspn(p, "0123456789.");
		if (n >= 5 && n <= 11 && p[1] == '.' &&
		    (kind == DSN_SUCCESS ? p[0] == '2' :
		     kind == DSN_DELAYED ? p[0] == '4' :
		     p[0] == '4' || p[0] == '5')) {
			buf_append(out, p, n);
			if (kind == DSN_FAILED && p[0] == '4')
				out->data[out->len - n] = '5';	/* expired */
			return;
		}
	}
	buf_puts(out, kind == DSN_SUCCESS ? "2.0.0" :
		 kind == DSN_DELAYED ? "4.0.0" : "5.0.0");
}

static int copy_message(struct queue_save *qs, int fd, bool hdrs_only)
{
	char in[16384];
	char last[2] = { 0, 0 };
	ssize_t n;
	int ret;

	if (lseek(fd, 0, SEEK_SET) < 0)
		return -errno;
	while ((n = read(fd, in, sizeof(in))) > 0) {
		size_t len = (size_t)n;

		if (hdrs_only) {
			/* Up to the empty line that ends the header. */
			for (size_t i = 0; i < len; i++) {
				if (in[i] == '\n' && (last[1] == '\n' ||
				    (last[1] == '\r' && last[0] == '\n'))) {
					return queue_save_write(qs, in, i + 1);
				}
				last[0] = last[1];
				last[1] = in[i];
			}
		}
		if ((ret = queue_save_write(qs, in, len)) < 0)
			return ret;
	}
	return n < 0 ? -errno : 0;
}

int dsn_queue(const char *store, const char *hostname,
	      const struct dsn_report *rep, int msg_fd, char id_r[17])
{
	struct queue_save *qs = NULL;
	struct queue_env dsn;
	struct buf t = BUF_INIT;
	unsigned char rnd[8];
	char boundary[40];
	time_t now = time(NULL);
	enum dsn_kind kind;
	bool hdrs;
	size_t i;
	int ret;

	id_r[0] = '\0';
	if (rep->sender == NULL || rep->sender[0] == '\0' || rep->n == 0)
		return 0;	/* RFC 3461 6.2 */
	kind = strcmp(rep->rcpts[0].action, "failed") == 0 ? DSN_FAILED :
	       strcmp(rep->rcpts[0].action, "delayed") == 0 ? DSN_DELAYED :
	       DSN_SUCCESS;
	/* Only a report of failures returns the whole message (RFC 3461
	 * 4.3), and then only without RET=HDRS. */
	hdrs = kind != DSN_FAILED || rep->ret_hdrs;
	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		fatal("RAND_bytes failed");
	xsnprintf(boundary, sizeof(boundary), "%lld/%02x%02x%02x%02x%02x%02x",
		  (long long)now, rnd[0], rnd[1], rnd[2], rnd[3], rnd[4],
		  rnd[5]);
	buf_printf(&t, "From: Mail Delivery System <MAILER-DAEMON@%s>\n",
		   hostname);
	buf_printf(&t, "To: <%s>\nSubject: %s\nDate: ", rep->sender,
		   kind == DSN_SUCCESS ? "Successful Mail Delivery Report" :
		   kind == DSN_DELAYED ? "Delayed Mail (still being retried)" :
		   "Undelivered Mail Returned to Sender");
	date_format(now, 0, &t);
	buf_printf(&t, "\nMessage-ID: <%lld.%02x%02x%02x%02x%02x%02x%02x%02x"
		   "@%s>\n", (long long)now, rnd[0], rnd[1], rnd[2], rnd[3],
		   rnd[4], rnd[5], rnd[6], rnd[7], hostname);
	buf_printf(&t, "Auto-Submitted: auto-replied\nMIME-Version: 1.0\n"
		   "Content-Type: multipart/report; "
		   "report-type=delivery-status;\n\tboundary=\"%s\"\n\n"
		   "This is a MIME-encapsulated message.\n\n--%s\n"
		   "Content-Type: text/plain; charset=us-ascii\n\n"
		   "This is the mail system at host %s.\n\n%s",
		   boundary, boundary, hostname, kind == DSN_SUCCESS ?
		   "Your message was delivered to the recipients below, or "
		   "handed on\nto a mail system that does not report "
		   "deliveries (\"relayed\")." :
		   kind == DSN_DELAYED ?
		   "Your message could not be delivered yet to the recipients "
		   "below.\nThe mail system goes on trying until " :
		   "Your message could not be delivered to one or more "
		   "recipients.");
	if (kind == DSN_DELAYED) {
		date_format(rep->retry_until, 0, &t);
		buf_puts(&t, "; you need not send it again.");
	}
	buf_puts(&t, "\n\n");
	for (i = 0; i < rep->n; i++) {
		const struct dsn_rcpt *r = &rep->rcpts[i];

		if (kind != DSN_FAILED)
			buf_printf(&t, "<%s>: %s%s%s\n", r->addr, r->action,
				   r->diag != NULL ? ": " : "",
				   r->diag != NULL ? r->diag : "");
		else
			buf_printf(&t, "<%s>: %s\n", r->addr,
				   r->diag != NULL ? r->diag : "failed");
	}
	buf_printf(&t, "\n--%s\nContent-Type: message/delivery-status\n\n"
		   "Reporting-MTA: dns; %s\n", boundary, hostname);
	if (rep->envid != NULL)
		buf_printf(&t, "Original-Envelope-Id: %s\n", rep->envid);
	buf_puts(&t, "Arrival-Date: ");
	date_format(rep->arrival, 0, &t);
	buf_putc(&t, '\n');
	for (i = 0; i < rep->n; i++) {
		const struct dsn_rcpt *r = &rep->rcpts[i];

		buf_printf(&t, "\nFinal-Recipient: rfc822; %s\n", r->addr);
		if (r->orcpt != NULL)
			buf_printf(&t, "Original-Recipient: %s\n", r->orcpt);
		buf_printf(&t, "Action: %s\nStatus: ", r->action);
		status_of(r->diag, kind, &t);
		if (r->diag != NULL)
			buf_printf(&t, "\nDiagnostic-Code: smtp; %s", r->diag);
		buf_puts(&t, "\nLast-Attempt-Date: ");
		date_format(now, 0, &t);
		if (kind == DSN_DELAYED) {
			buf_puts(&t, "\nWill-Retry-Until: ");
			date_format(rep->retry_until, 0, &t);
		}
		buf_putc(&t, '\n');
	}
	buf_printf(&t, "\n--%s\nContent-Type: %s\n\n", boundary,
		   hdrs ? "text/rfc822-headers" : "message/rfc822");
	ret = queue_save_begin(store, &qs);
	if (ret == 0)
		ret = queue_save_write(qs, t.data, t.len);
	if (ret == 0)
		ret = copy_message(qs, msg_fd, hdrs);
	if (ret == 0) {
		buf_reset(&t);
		buf_printf(&t, "\n--%s--\n", boundary);
		ret = queue_save_write(qs, t.data, t.len);
	}
	queue_env_init(&dsn);
	if (ret == 0) {
		dsn.sender = xstrdup("");
		dsn.next_attempt = now;
		queue_env_add_rcpt(&dsn, rep->sender, NULL,
				   QUEUE_NOTIFY_NEVER);
		ret = queue_save_finish(&qs, &dsn);
		if (ret == 0)
			memcpy(id_r, dsn.id, QUEUE_ID_LEN + 1);
	} else {
		queue_save_abort(&qs);
	}
	queue_env_release(&dsn);
	buf_release(&t);
	return ret;
}
