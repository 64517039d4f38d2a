#ifndef MAILTREE_STORE_H
#define MAILTREE_STORE_H

/*
 * A store root:
 *
 *   passwd        users, in Dovecot's passwd-file format (see passwd.h)
 *   mail/USER/    each user's Maildir++ mailbox (see mailbox.h)
 *
 * Later parts add mailtreed.conf, domains, aliases and the queue beside
 * them.  mailtree-store(5) documents the whole layout.
 *
 * Functions return 0 or a negative errno.
 */

#include <stdbool.h>

struct buf;
struct mailbox;

#define STORE_PASSWD "passwd"
#define STORE_MAIL_DIR "mail"

/* Creates the layout under root (which may exist; existing files are kept). */
int store_init(const char *root);
/* -ENOENT when root is not a store (no passwd file). */
int store_check(const char *root);
void store_passwd_path(const char *root, struct buf *out);
/* The mailbox directory of a user (the name must be valid). */
void store_user_dir(const char *root, const char *user, struct buf *out);
/* Is the user in passwd?  Returns 1, 0, or a negative errno. */
int store_user_exists(const char *root, const char *user);
/* Opens a user's mailbox; -ESRCH for an unknown user, -ENOENT when the
 * user exists but has no mailbox yet (create_missing makes it). */
int store_user_mailbox(const char *root, const char *user,
		       bool create_missing, struct mailbox **mbox_r);

#endif
