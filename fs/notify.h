#ifndef MAILTREE_NOTIFY_H
#define MAILTREE_NOTIFY_H

/*
 * Change notification: tells the FUSE view and the daemon that a folder
 * changed on disk, whoever changed it (mailtree, Dovecot, mutt, rsync).
 *
 * Each watched folder is watched with inotify on new/, cur/ and the folder
 * directory itself (where dovecot-uidlist and dovecot-keywords are
 * replaced).  inotify only sees changes made through this kernel, so on
 * network and FUSE file systems (NFS, CephFS, SMB, FUSE) and wherever
 * inotify cannot be used, the folder is polled instead: the mtimes of
 * new/ and cur/ and the identity of dovecot-uidlist are compared every
 * interval.  Callers wait on notify_fd() (readable when inotify has
 * events) with a timeout of notify_timeout_ms(), then call notify_read().
 *
 * Events are coalesced: notify_read() reports each changed folder once,
 * however many files changed.  A report means "sync this folder", not
 * what changed; folder_sync() finds that out.
 *
 * Functions return 0 or a negative errno.
 */

#include <stdbool.h>

struct notify;

typedef void notify_cb(void *ctx, const char *dir, void *folder_ctx);

/* poll_ms: polling interval for polled folders (0 = 1000).
 * force_poll: poll every folder, never use inotify (for tests, and for
 * setups where inotify is known not to work). */
int notify_new(unsigned int poll_ms, bool force_poll, struct notify **n_r);
void notify_free(struct notify **n);

/* Starts watching the Maildir folder at dir; folder_ctx comes back in the
 * callback.  Watching a folder twice replaces its context. */
int notify_add(struct notify *n, const char *dir, void *folder_ctx);
int notify_remove(struct notify *n, const char *dir);
/* Whether the folder at dir is polled rather than watched by inotify. */
bool notify_is_polled(const struct notify *n, const char *dir);

/* The descriptor to wait on for readability, or -1 when every folder is
 * polled. */
int notify_fd(const struct notify *n);
/* How long the caller may wait before calling notify_read() again: the
 * time to the next poll, or -1 (forever) when nothing is polled. */
int notify_timeout_ms(const struct notify *n);
/* Reads pending events and polls what is due; calls cb once per changed
 * folder.  Never blocks.  Returns the number of folders reported. */
int notify_read(struct notify *n, notify_cb *cb, void *ctx);

#endif
