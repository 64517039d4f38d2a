#ifndef MAILTREE_RATELIMIT_H
#define MAILTREE_RATELIMIT_H

/*
 * Counting events per client address in one-minute windows, as Postfix's
 * anvil does for smtpd_client_connection_rate_limit and
 * smtpd_client_message_rate_limit: a count starts at an address's first
 * event and covers the minute after it.  The table has a fixed number of
 * slots, so memory stays bounded whatever the number of addresses; when
 * the slots an address may use are all counting, the one whose window
 * started first is taken over (its address is forgiven, never blamed).
 * No locking of its own: mailtreed calls it under its server lock.
 */

#include <time.h>

#define RATELIMIT_WINDOW	60	/* seconds */
#define RATELIMIT_SLOTS		4096
#define RATELIMIT_PROBES	8

struct ratelimit;

struct ratelimit *ratelimit_new(void);
/* Frees the table and sets *rl NULL. */
void ratelimit_free(struct ratelimit **rl);
/* Counts one event from addr at now; returns the number of events in its
 * current window, this one included (1 or more). */
unsigned int ratelimit_hit(struct ratelimit *rl, const char *addr,
			   time_t now);

#endif
