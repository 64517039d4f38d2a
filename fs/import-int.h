#ifndef MAILTREE_IMPORT_INT_H
#define MAILTREE_IMPORT_INT_H

/* What import.c and import-maildir.c share. */

#include <stddef.h>
#include <stdint.h>

#include "import.h"

struct save;

#define COPY_CHUNK (64 * 1024)

void import_progress_chunk(struct import_progress *p, size_t len);
void import_progress_message(struct import_progress *p, uint64_t size);
/* Streams fd into the save, reporting progress. */
int import_copy_fd(int fd, struct save *s, struct import_progress *p);

#endif
