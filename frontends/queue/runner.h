#ifndef MAILTREE_QUEUE_RUNNER_H
#define MAILTREE_QUEUE_RUNNER_H

/*
 * The queue runner of mailtreed: one thread of its own (never the event
 * loop, never the libuv pool that the frontends' fsyncs need) that
 * delivers the entries of the outbound queue (fs/queue.h) when they are
 * due.  Recipients in the store's domains are delivered into the store
 * (bounces to local senders); the others go to the relayhost, or to
 * their domain's MX hosts, over one connection for every entry going the
 * same way.  Replies decide: 2xx sent, 5xx failed, 4xx and broken
 * connections retried after queue_retry seconds, doubling each time up
 * to four hours, until queue_lifetime has passed.  Failures produce a
 * DSN (bounce.h).  Outbound mail from a domain with a dkim key is signed.
 *
 * A reload (SIGHUP) hands the runner new relay settings, DKIM keys,
 * domains and timings, which it takes before its next pass over the
 * queue.  Functions return 0 or a negative errno.
 */

struct buf;
struct config;
struct server;

/* Loads the DKIM keys and starts the thread (after any fork). */
int queue_runner_start(struct server *srv, struct buf *err);
/* Checks the relay settings and loads the DKIM keys of cfg, and on
 * success gives them to the runner; on failure the runner keeps its own
 * and err says why. */
int queue_runner_reload(struct server *srv, const struct config *cfg,
			struct buf *err);
/* Something was queued: look at the queue now rather than at the next
 * scheduled scan. */
void queue_runner_kick(struct server *srv);
/* Stops the thread (within about a second: every wait of the SMTP
 * client is cut in one-second slices) and frees the runner. */
void queue_runner_stop(struct server *srv);

#endif
