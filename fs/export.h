#ifndef MAILTREE_EXPORT_H
#define MAILTREE_EXPORT_H

/*
 * Writing folders out, for `mailtree export`: as an mboxrd stream, or as a
 * Maildir++ tree that Dovecot (or `mailtree import`) reads with the same
 * UIDVALIDITY, UIDs, flags, keywords and internal dates.
 *
 * Messages are read from the store without its lock, as Maildir allows; a
 * message expunged while the export runs is counted in p->vanished with a
 * warning.  Files written into a Maildir appear by rename() from its tmp/
 * once complete and fsync()ed, and each directory is fsync()ed before the
 * folder's dovecot-uidlist, which is written last.
 *
 * Functions return 0 or a negative errno; after a failure p->where names
 * the message it happened on.  Progress is counted as for imports.
 */

#include <stdbool.h>

#include "buf.h"
#include "import.h"

struct folder;
struct mailbox;
struct mbox_writer;

/* Longest header block searched for Return-Path; a message whose header
 * is longer is written with MAILER-DAEMON. */
#define EXPORT_HEADER_MAX (1024 * 1024)

/*
 * The envelope sender for a From_ line: the address in the message's first
 * Return-Path field, read from fd (which is read from its current offset
 * and not rewound).  Empty when there is none, when it is "<>", or when it
 * is longer than MBOX_SENDER_MAX.
 */
int export_return_path(int fd, struct buf *sender);

/* Appends every message of f, in UID order, to the mbox writer: From_
 * line with Return-Path (or MAILER-DAEMON) and the internal date. */
int export_folder_mbox(struct folder *f, struct mbox_writer *w,
		       struct import_progress *p);

/*
 * Writes f as the Maildir at dir (created when missing), each message under
 * its file name in the store, with dovecot-keywords, and a dovecot-uidlist
 * with f's UIDVALIDITY, mailbox GUID, UIDs and next UID.  `maildirfolder`
 * adds the file that marks a Maildir++ sub-folder.
 */
int export_folder_maildir(struct folder *f, const char *dir,
			  bool maildirfolder, struct import_progress *p);

/*
 * Writes every folder of mbox as a Maildir++ tree at root: INBOX as root
 * itself, "A/B" as root/.A.B (modified UTF-7, as in the store), and the
 * subscriptions file.  *folders_r counts the folders written.  When a
 * folder fails, p->where names it (and the message, if one failed).
 */
int export_mailbox_maildir(struct mailbox *mbox, const char *root,
			   struct import_progress *p, unsigned int *folders_r);

#endif
