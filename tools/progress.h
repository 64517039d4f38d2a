#ifndef MAILTREE_PROGRESS_H
#define MAILTREE_PROGRESS_H

/*
 * The progress line of `mailtree import` and `export`: messages and bytes
 * so far, on stderr, redrawn at most ten times a second, and only when
 * stderr is a terminal (nothing at all goes to a log or a pipe).
 */

#include <stdbool.h>
#include <time.h>

#include "import.h"

struct progress {
	const char *verb;	/* "importing", "exporting" */
	bool tty;
	bool shown;
	struct timespec last;
};

void progress_init(struct progress *pr, const char *verb);
/* The update callback of struct import_progress; ctx is the progress. */
void progress_update(const struct import_progress *p, void *ctx);
/* Erases the line, before a summary or an error is printed. */
void progress_clear(struct progress *pr);
/* "12.3 MB" for a byte count, into buf of at least 32 bytes. */
const char *progress_bytes(unsigned long long n, char *buf, size_t size);

#endif
