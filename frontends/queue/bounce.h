#ifndef MAILTREE_QUEUE_BOUNCE_H
#define MAILTREE_QUEUE_BOUNCE_H

/*
 * Delivery status notifications (RFC 3464, RFC 6522): a multipart/report
 * to the sender listing the recipients that failed, with the original
 * message (or only its header, for RET=HDRS); those still waiting in the
 * queue after queue_delay_warning; or, for recipients that asked with
 * NOTIFY=SUCCESS (RFC 3461), those whose copy was delivered or relayed
 * to a server that reports nothing.  The last two carry the header only.  It
 * is put in the queue like any message, from the null sender, so the
 * runner delivers it into the store when the sender is local and sends
 * it on otherwise.
 */

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* Should a failure of this recipient be reported (NOTIFY)? */
bool bounce_wanted(unsigned int notify);
/* Should its delivery be (NOTIFY=SUCCESS)?  Its delay (the default, or
 * NOTIFY=DELAY)? */
bool bounce_success_wanted(unsigned int notify);
bool bounce_delay_wanted(unsigned int notify);

/* One recipient of a report. */
struct dsn_rcpt {
	const char *addr;
	const char *orcpt;	/* or NULL */
	const char *action;	/* "failed", "delayed", "delivered" or
				 * "relayed"; one kind a report */
	const char *diag;	/* the reply that decided, or NULL */
};

struct dsn_report {
	const char *sender;	/* whom the report goes to */
	const char *envid;	/* or NULL */
	time_t arrival;
	time_t retry_until;	/* "delayed": when the queue gives up */
	bool ret_hdrs;		/* return the header only (always but
				 * for a report of failures) */
	const struct dsn_rcpt *rcpts;
	size_t n;
};

/* Queues the report, the message being the file open at msg_fd, unless
 * it has no recipients or the sender is the null sender (id_r is then
 * "").  Blocking; 0 or a negative errno. */
int dsn_queue(const char *store, const char *hostname,
	      const struct dsn_report *rep, int msg_fd, char id_r[17]);

#endif
