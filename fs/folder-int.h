#ifndef MAILTREE_FOLDER_INT_H
#define MAILTREE_FOLDER_INT_H

/* What the folder-*.c files share and nothing else should use. */

#include <stdbool.h>
#include <stddef.h>

#include "folder.h"

/* folder_sync() for a caller that already holds the folder lock; `force`
 * scans even when the directories look unchanged. */
int folder_sync_locked(struct folder *f, bool force);
void folder_message_release(struct message *m);
void folder_free_messages(struct message *msgs, size_t count);

#endif
