/* The progress line of import and export; see progress.h. */

#include <stdio.h>
#include <unistd.h>

#include "progress.h"

#define REDRAW_NSEC 100000000LL

void progress_init(struct progress *pr, const char *verb)
{
	pr->verb = verb;
	pr->tty = isatty(STDERR_FILENO) == 1;
	pr->shown = false;
	pr->last.tv_sec = 0;
	pr->last.tv_nsec = 0;
}

const char *progress_bytes(unsigned long long n, char *buf, size_t size)
{
	if (n < 1000ULL)
		snprintf(buf, size, "%llu bytes", n);
	else if (n < 1000000ULL)
		snprintf(buf, size, "%.1f kB", (double)n / 1e3);
	else if (n < 1000000000ULL)
		snprintf(buf, size, "%.1f MB", (double)n / 1e6);
	else
		snprintf(buf, size, "%.2f GB", (double)n / 1e9);
	return buf;
}

void progress_update(const struct import_progress *p, void *ctx)
{
	struct progress *pr = ctx;
	struct timespec now;
	char bytes[32];

	if (!pr->tty)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if ((long long)(now.tv_sec - pr->last.tv_sec) * 1000000000LL +
	    (now.tv_nsec - pr->last.tv_nsec) < REDRAW_NSEC)
		return;
	pr->last = now;
	pr->shown = true;
	fprintf(stderr, "\r%s: %llu messages, %s\033[K", pr->verb,
		(unsigned long long)p->messages,
		progress_bytes(p->bytes + p->current, bytes, sizeof(bytes)));
	fflush(stderr);
}

void progress_clear(struct progress *pr)
{
	if (pr->shown)
		fputs("\r\033[K", stderr);
	pr->shown = false;
}
