/*
 * The request loop of mailtree-fs: libfuse's loop, but one that keeps
 * reading /dev/fuse for a short while after each request before it
 * sleeps.
 *
 * Every request is a round trip: the program reading a file sleeps until
 * this daemon answers, and this daemon sleeps until the next request.  A
 * task woken on another CPU costs an inter-processor interrupt, and on a
 * virtual machine whose idle CPUs halt (no guest halt polling) each
 * wake-up of a halted CPU is an exit to the host: measured here, the two
 * wake-ups of a round trip were most of the time `cat` of a folder took
 * through the mount.  A request that arrives while the daemon is still
 * reading needs no wake-up of the daemon at all, so after each request
 * the device is read without blocking for SPIN_NS; only a mount that has
 * been quiet that long sleeps in poll().  A burst (cat, grep, find,
 * rsync over the tree) keeps one CPU busy for its length; an idle mount
 * costs nothing, and on a busy machine (where CPUs do not halt and
 * wake-ups are cheap) the loop notices it waited for the CPU and sleeps
 * between requests again.  QEMU's event loop polls its queues for the same reason
 * (poll-max-ns).
 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/resource.h>
#include <sched.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "fs.h"

/* How long to keep reading after a request: a few round trips of a
 * program that is reading file after file. */
#define SPIN_NS 50000
/* When sched_yield() gave the CPU to another task, the CPUs may be busy:
 * then they are not halted, waking is cheap, and spinning would only
 * take the reader's turn.  The loop then sleeps between requests for a
 * while before it tries again, twice as long each time (up to a second)
 * while the CPUs stay busy, half as long after a spin that was not cut
 * short: an occasional switch costs a millisecond of spinning, a loaded
 * machine loses one time slice a second. */
#define SPIN_BACKOFF_MIN_NS 1000000
#define SPIN_BACKOFF_MAX_NS 1000000000

/* Context switches this thread did not ask for (sched_yield() that let
 * another task run counts as one). */
static long preempted(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_THREAD, &ru) < 0)
		return 0;
	return ru.ru_nivcsw;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int view_loop(struct fuse_session *se)
{
	struct fuse_buf fbuf = { .mem = NULL };
	int fd = fuse_session_fd(se);
	int flags = fcntl(fd, F_GETFL);
	uint64_t spin_until = 0, calm_until = 0, t;
	uint64_t backoff = SPIN_BACKOFF_MIN_NS;
	long switches = 0;
	bool spun = false;
	int res = 0;

	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
		return fuse_session_loop(se);
	while (!fuse_session_exited(se)) {
		res = fuse_session_receive_buf(se, &fbuf);
		if (res == -EAGAIN) {
			struct pollfd p = { .fd = fd, .events = POLLIN };

			t = now_ns();
			if (t < spin_until) {
				/* Whatever else wants this CPU (the reader
				 * itself, a busy machine) runs first. */
				sched_yield();
				if (preempted() == switches) {
					spun = true;
					continue;
				}
				calm_until = t + backoff;
				if (backoff < SPIN_BACKOFF_MAX_NS)
					backoff *= 2;
			}
			spin_until = 0;
			spun = false;
			/* EINTR: a signal asked to exit, checked above. */
			(void)poll(&p, 1, -1);
			continue;
		}
		if (res == -EINTR)
			continue;
		if (res <= 0)
			break;	/* 0: unmounted */
		if (spun && backoff > SPIN_BACKOFF_MIN_NS)
			backoff /= 2;	/* caught a request spinning */
		spun = false;
		fuse_session_process_buf(se, &fbuf);
		t = now_ns();
		if (t >= calm_until) {
			spin_until = t + SPIN_NS;
			switches = preempted();
		}
	}
	free(fbuf.mem);
	fuse_session_reset(se);
	/* A signal that ended the loop left -EINTR or -EAGAIN: a clean
	 * stop, as an unmount is. */
	return res == -EINTR || res == -EAGAIN || res > 0 ? 0 : res;
}
