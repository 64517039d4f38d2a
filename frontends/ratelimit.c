/* Per-address event counts in one-minute windows; see ratelimit.h. */

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ratelimit.h"
#include "util.h"

struct slot {
	char addr[64];		/* "" = free; as long as conn.h's peer */
	time_t start;		/* of the window */
	unsigned int count;
};

struct ratelimit {
	struct slot slots[RATELIMIT_SLOTS];
};

struct ratelimit *ratelimit_new(void)
{
	return xcalloc(1, sizeof(struct ratelimit));
}

void ratelimit_free(struct ratelimit **rl)
{
	free(*rl);
	*rl = NULL;
}

/* FNV-1a: addresses are short and not chosen to collide (a client picks
 * its own address only within what it controls). */
static uint32_t hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* Free, or its window is over (or the clock went back). */
static bool slot_idle(const struct slot *sl, time_t now)
{
	return sl->addr[0] == '\0' || now - sl->start >= RATELIMIT_WINDOW ||
	       now < sl->start;
}

unsigned int ratelimit_hit(struct ratelimit *rl, const char *addr, time_t now)
{
	uint32_t h = hash(addr);
	struct slot *victim = NULL, *sl;
	size_t i;

	for (i = 0; i < RATELIMIT_PROBES; i++) {
		sl = &rl->slots[(h + i) % RATELIMIT_SLOTS];
		if (sl->addr[0] != '\0' && strcmp(sl->addr, addr) == 0) {
			if (slot_idle(sl, now)) {
				sl->start = now;
				sl->count = 0;
			}
			return ++sl->count;
		}
		/* An idle slot is best, else the oldest window. */
		if (victim == NULL || (!slot_idle(victim, now) &&
				       (slot_idle(sl, now) ||
					sl->start < victim->start)))
			victim = sl;
	}
	xsnprintf(victim->addr, sizeof(victim->addr), "%s", addr);
	victim->start = now;
	victim->count = 1;
	return 1;
}
