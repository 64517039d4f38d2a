#ifndef MAILTREE_MAILBOX_H
#define MAILTREE_MAILBOX_H

/*
 * One user's Maildir++ mailbox: INBOX is the root directory (cur/ new/
 * tmp/), every other folder a directory ".Name" or ".Parent.Child" beside
 * them holding its own cur/ new/ tmp/ and a "maildirfolder" file.
 *
 * Folder names in this API are UTF-8 with '/' between hierarchy levels
 * ("Archive/2024").  On disk each level is stored in modified UTF-7, as
 * Dovecot stores it, and levels are joined with '.'.  Because '.' is the
 * on-disk separator it cannot appear inside a level, exactly as with
 * Dovecot's Maildir++ layout.  "INBOX" is matched case-insensitively.
 *
 * Functions return 0 or a negative errno; -EINVAL for a name that cannot be
 * stored (see mailbox_name_check() for why).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf;
struct folder;

#define MAILBOX_NAME_MAX 512	/* bytes of UTF-8, well under NAME_MAX once encoded */

struct mailbox {
	char *root;
};

/* Opens an existing mailbox directory (must have cur/). */
int mailbox_open(const char *root, struct mailbox **mbox_r);
/* Creates the mailbox directory with INBOX and the given folders. */
int mailbox_create(const char *root, const char *const *folders);
void mailbox_free(struct mailbox **mbox);

/* Checks a folder name.  Returns 0, or -EINVAL and a reason in *why_r. */
int mailbox_name_check(const char *name, const char **why_r);
/* The directory of a folder (the name must pass the check). */
int mailbox_folder_dir(const struct mailbox *mbox, const char *name,
		       struct buf *dir);
/* Maps a ".Enc.Oded" directory entry back to a UTF-8 name.  -EINVAL when
 * the entry is not a folder name mailtree or Dovecot would write. */
int mailbox_dir_to_name(const char *entry, struct buf *name);

/* All folders, INBOX first, then sorted by name.  Free with
 * mailbox_list_free(). */
int mailbox_list(const struct mailbox *mbox, char ***names_r, size_t *count_r);
void mailbox_list_free(char **names, size_t count);
bool mailbox_folder_exists(const struct mailbox *mbox, const char *name);

int mailbox_folder_create(struct mailbox *mbox, const char *name);
/* Deletes a folder and its messages; with `children`, also the folders
 * below it.  INBOX cannot be deleted (-EPERM). */
int mailbox_folder_delete(struct mailbox *mbox, const char *name,
			  bool children);
/* Renames a folder and every folder below it.  -EEXIST if the new name is
 * taken, -ENOENT if the old one does not exist. */
int mailbox_folder_rename(struct mailbox *mbox, const char *from,
			  const char *to);
int mailbox_folder_open(struct mailbox *mbox, const char *name,
			struct folder **folder_r);

/* Subscriptions, in Dovecot's "subscriptions" file (version 2). */
int mailbox_subscribe(struct mailbox *mbox, const char *name, bool on);
int mailbox_subscriptions(const struct mailbox *mbox, char ***names_r,
			  size_t *count_r);
bool mailbox_is_subscribed(const struct mailbox *mbox, const char *name);

/* A new UIDVALIDITY for a folder of the mailbox at root: the current time,
 * but above every one given in this mailbox before (kept in
 * "dovecot-uidvalidity", as Dovecot keeps it), so a folder created again
 * never reuses one. */
int mailbox_next_uidvalidity(const char *root, uint32_t *uidv_r);

/* The folder names a new user gets, with their SPECIAL-USE roles. */
extern const char *const mailbox_default_folders[];

#endif
