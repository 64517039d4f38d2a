#ifndef MAILTREE_QUEUE_RUNNER_H
#define MAILTREE_QUEUE_RUNNER_H

/*
 * The queue runner of mailtreed: delivers the entries of the outbound
 * queue (fs/queue.h).
 */

struct server;

/* Something was queued: look at the queue now rather than at the next
 * scheduled scan. */
void queue_runner_kick(struct server *srv);

#endif
