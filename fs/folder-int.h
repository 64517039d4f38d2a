#ifndef MAILTREE_FOLDER_INT_H
#define MAILTREE_FOLDER_INT_H

/* What the folder-*.c files share and nothing else should use. */

#include <stdbool.h>
#include <stddef.h>

#include "folder.h"

/* folder_sync() for a caller that already holds the folder lock; `force`
 * scans even when the directories look unchanged. */
int folder_sync_locked(struct folder *f, bool force);
/* After this view renamed or removed a file in cur/ (or new/) itself:
 * takes the directory's new mtime as known, with a recheck once it has
 * settled, so the next sync does not rescan the whole directory to find
 * its own change. */
void folder_note_own_change(struct folder *f, bool cur);
/* Whether the folder may keep its index and change log open now (see
 * folder_keep_files()): takes one of the process's slots if it has none. */
bool folder_files_slot(struct folder *f);
/* Takes dovecot-uidlist.lock too, under a lock already held (see
 * folder_lock_light()); kept until the last folder_unlock(). */
int folder_lock_uidlist(struct folder *f);
void folder_message_release(struct message *m);
void folder_free_messages(struct message *msgs, size_t count);

#endif
