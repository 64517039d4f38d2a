#ifndef MAILTREE_QUEUE_BOUNCE_H
#define MAILTREE_QUEUE_BOUNCE_H

/*
 * Delivery status notifications (RFC 3464, RFC 6522): a multipart/report
 * to the sender of a queue entry listing the recipients that failed, with
 * the original message (or only its header, for RET=HDRS).  It is put in
 * the queue like any message, from the null sender, so the runner
 * delivers it into the store when the sender is local and sends it on
 * otherwise.
 */

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct queue_env;

/* Should a failure of this recipient be reported (NOTIFY)? */
bool bounce_wanted(unsigned int notify);

/*
 * Queues a DSN for the recipients of env whose index is in failed[0..n),
 * the message being the file open at msg_fd.  No DSN for the null sender.
 * Returns 0 (with the new entry's id in id_r, "" when none was due) or a
 * negative errno.  Blocking.
 */
int bounce_queue(const char *store, const char *hostname,
		 const struct queue_env *env, const size_t *failed, size_t n,
		 int msg_fd, char id_r[17]);

#endif
