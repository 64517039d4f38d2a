/* The queue runner; see runner.h. */

#include "queue/runner.h"
#include "server.h"

void queue_runner_kick(struct server *srv)
{
	(void)srv;
}
