/* Per-address counts in one-minute windows (frontends/ratelimit.c). */

#include <stdio.h>

#include "ratelimit.h"
#include "../tap.h"

int main(void)
{
	struct ratelimit *rl = ratelimit_new();
	char addr[32];
	unsigned int n = 0, i;

	is_int(ratelimit_hit(rl, "192.0.2.1", 1000), 1, "first event counts 1");
	is_int(ratelimit_hit(rl, "192.0.2.1", 1010), 2, "second in the minute");
	is_int(ratelimit_hit(rl, "192.0.2.2", 1010), 1,
	       "another address has its own count");
	is_int(ratelimit_hit(rl, "192.0.2.1", 1059), 3,
	       "59 s after the first: same window");
	is_int(ratelimit_hit(rl, "192.0.2.1", 1060), 1,
	       "60 s after the first: a new window");
	is_int(ratelimit_hit(rl, "192.0.2.1", 900), 1,
	       "the clock going back starts a new window");

	/* Far more addresses than slots: memory is fixed, every address
	 * still gets a count, and a busy one keeps its own. */
	for (i = 0; i < 5 * RATELIMIT_SLOTS; i++) {
		snprintf(addr, sizeof(addr), "2001:db8::%x", i);
		if (ratelimit_hit(rl, addr, 2000) != 1)
			n++;
	}
	is_int(n, 0, "20,480 new addresses each count 1");
	for (i = 0; i < 10; i++)
		n = ratelimit_hit(rl, "198.51.100.7", 2001);
	is_int(n, 10, "an address hit 10 times in a full table counts 10");
	is_int(ratelimit_hit(rl, "198.51.100.7", 2061), 1,
	       "and starts again after its minute");
	ratelimit_free(&rl);
	ok(rl == NULL, "ratelimit_free() sets the pointer NULL");
	return done_testing();
}
