#ifndef MAILTREE_REPAIR_INT_H
#define MAILTREE_REPAIR_INT_H

/* Shared by the files of the repair module (repair*.c) only. */

#include "repair.h"

/* `one` when n is 1, else `many`. */
const char *repair_plural(unsigned long n, const char *one, const char *many);
/* The messages of a folder whose cur/ and new/ exist: duplicates, file
 * names, dovecot-uidlist and mailtree.index (repair-folder.c). */
int repair_messages(struct repair *r, const char *dir, const char *name);

#endif
