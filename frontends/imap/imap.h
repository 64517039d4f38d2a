#ifndef MAILTREE_IMAP_H
#define MAILTREE_IMAP_H

/*
 * The IMAP4rev1 server (RFC 3501) of mailtreed.
 *
 *   imap.c            the session: input (lines and literals), the states,
 *                     replies and the errno table
 *   imap-commands.c   the command table
 *   imap-view.c       the selected folder: sequence numbers and the
 *                     untagged updates
 *   imap-folders.c    folders shared by the sessions that have them
 *                     selected, and the change watch behind IDLE
 *   cmd-*.c           one file per command or close family
 *   imap-parser.c ... the parsers (arguments, sequence sets, FETCH and
 *                     SEARCH arguments, dates, mailbox names)
 */

struct proto;
extern const struct proto proto_imap;

/* Frees the folders kept loaded for IMAP sessions, the change watch and
 * the BODYSTRUCTURE cache (imap-bscache.h) of this thread;
 * after the loop ended, when no session is left. */
void imap_folders_cleanup(void);

/* Largest message APPEND takes when the configuration sets no limit. */
#define IMAP_DEFAULT_APPEND_LIMIT (64ULL * 1024 * 1024)

#endif
