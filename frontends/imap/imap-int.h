#ifndef MAILTREE_IMAP_INT_H
#define MAILTREE_IMAP_INT_H

/*
 * Shared by the files of the IMAP server (frontends/imap/); see imap.h.
 *
 * A session is a connection's struct imap_session.  Commands are looked
 * up in one table (imap-commands.c) that says which states allow them and
 * whether they use sequence numbers; each command family has its own
 * file, cmd-NAME.c.  A command replies with imap_cmd_ok()/_no()/_bad()
 * or imap_cmd_errno(), which end it; a command that goes to the thread
 * pool or waits for the socket ends later, from its callback.
 *
 * The selected folder is a struct imap_view (imap-view.c): the UIDs this
 * session has told the client about (its sequence numbers) over a folder
 * shared by every session that has it selected (imap-folders.c).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "imap-parser.h"
#include "imap-seqset.h"
#include "imap.h"
#include "sasl.h"

struct conn;
struct folder;
struct mailbox;
struct message;
struct imap_session;
struct imap_shared_folder;

/* RFC 3501 3; bits, so a command lists the states that allow it. */
enum imap_state {
	IMAP_NOT_AUTH = 1 << 0,
	IMAP_AUTH = 1 << 1,
	IMAP_SELECTED = 1 << 2,
	IMAP_LOGOUT = 1 << 3,
};

#define IMAP_ANY_STATE	(IMAP_NOT_AUTH | IMAP_AUTH | IMAP_SELECTED)
#define IMAP_LOGGED_IN	(IMAP_AUTH | IMAP_SELECTED)

/* Command flags. */
#define IMAP_CMD_SEQ	0x1	/* uses sequence numbers: no EXPUNGE
				 * responses may be sent while it runs */
#define IMAP_CMD_UID	0x2	/* has a UID variant */
#define IMAP_CMD_SYNC	0x4	/* looks at the disk for changes even when
				 * the change watch reported none */

/* ENABLEd extensions (RFC 5161). */
#define IMAP_ENABLED_CONDSTORE	0x1
#define IMAP_ENABLED_QRESYNC	0x2
#define IMAP_ENABLED_UTF8	0x4

/* The longest tag kept; a longer one is a BAD. */
#define IMAP_MAX_TAG	256

struct imap_cmd;

struct imap_command {
	const char *name;
	unsigned int states;
	unsigned int flags;
	void (*run)(struct imap_cmd *cmd);
};

/* The command being run.  args point into the parser: valid until the
 * command ends. */
struct imap_cmd {
	struct imap_session *s;
	const struct imap_command *def;
	char tag[IMAP_MAX_TAG + 1];
	const char *name;		/* as the table spells it */
	const struct imap_arg *args;
	size_t count;
	bool uid;			/* UID FETCH etc. */
	bool done;
};

/* The selected folder as this session sees it. */
struct imap_view {
	struct imap_shared_folder *shared;
	char *name;			/* UTF-8, as the store names it */
	bool readonly;			/* EXAMINE */
	/* uids[i] is the UID of sequence number i + 1; modseqs[i] the
	 * MODSEQ whose flags the client was last told. */
	uint32_t *uids;
	uint64_t *modseqs;
	size_t count, cap;
	struct imap_seqset recent;	/* UIDs \Recent in this session */
	uint32_t recent_count;
	uint32_t uidnext;		/* as last reported */
	uint64_t highest_modseq;	/* as last reported */
	bool keywords_changed;		/* FLAGS must be sent again */
	bool gone;			/* the folder was deleted: BYE sent,
					 * the session ends */
	size_t keyword_count;		/* keywords known when FLAGS sent */
};

struct imap_session {
	struct conn *c;
	enum imap_state state;
	struct imap_parser parser;
	struct imap_cmd cmd;		/* the running command, if running */
	bool running;
	struct mailbox *mbox;		/* after login */
	struct imap_view view;		/* when SELECTED */
	unsigned int enabled;		/* IMAP_ENABLED_* */
	bool condstore;			/* CONDSTORE in use (RFC 7162 3.1) */

	/* AUTHENTICATE in progress. */
	bool in_sasl;
	struct sasl sasl;

	/* IDLE in progress: the command waits for DONE. */
	bool idling;
	/* APPEND in progress (cmd-append.c). */
	struct imap_append *append;
	/* A command running over several callbacks (FETCH streaming). */
	void (*abort_cmd)(struct imap_session *s);
	void *cmd_ctx;

	/* SEARCHRES (RFC 5182): the saved result, as UIDs. */
	struct imap_seqset saved;
	bool saved_valid;
	struct imap_session *idle_next, *idle_prev;
};

/* ---- imap.c ---- */
void imap_cmd_ok(struct imap_cmd *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void imap_cmd_no(struct imap_cmd *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void imap_cmd_bad(struct imap_cmd *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* One NO reply per errno, with its RFC 5530 response code. */
void imap_cmd_errno(struct imap_cmd *cmd, int err, const char *what);
/* The command ended some time after run() returned (a callback). */
void imap_cmd_finished(struct imap_session *s);
/* Untagged data. */
void imap_untagged(struct imap_session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The capability list for the session's state, without "* CAPABILITY". */
void imap_capabilities(const struct imap_session *s, struct buf *out);
/* A folder's HIGHESTMODSEQ as sent: RFC 7162 allows only positive
 * mod-sequences, and the store's is 0 for a folder never changed. */
#define imap_modseq(f) \
	((unsigned long long)((f)->highest_modseq != 0 ? \
			      (f)->highest_modseq : 1))
/* The store's root for this connection. */
const char *imap_store(const struct imap_session *s);
/* Decodes a mailbox argument to its UTF-8 store name; NO/BAD replied on
 * error (false). */
bool imap_arg_mailbox(struct imap_cmd *cmd, const struct imap_arg *arg,
		      struct buf *name);
/* Appends a store name for a response, encoded and quoted. */
void imap_append_mailbox(const struct imap_session *s, const char *name,
			 struct buf *out);

/* ---- imap-commands.c ---- */
const struct imap_command *imap_command_find(const char *name);

/* ---- imap-folders.c: folders shared by sessions, change watch ---- */
/* Starts the change watch (once per process) on the connection's loop. */
void imap_folders_start(struct conn *c);
/* Opens (or shares) the folder at dir, synced as imap_folders_sync()
 * says for `force`. */
int imap_folders_get(const char *dir, bool force,
		     struct imap_shared_folder **sf_r);
void imap_folders_put(struct imap_shared_folder **sf);
struct folder *imap_folders_folder(const struct imap_shared_folder *sf);
/* Syncs with the disk.  Unless forced, a folder that inotify watches is
 * synced only when it reported a change since the last sync: changes by
 * this process are in memory already.  NOOP, CHECK, IDLE and SELECT
 * force, so a client asking explicitly always sees the disk.  Returns 1
 * (changed), 0, -ESTALE when the folder was deleted, renamed or got a
 * new UIDVALIDITY (for good: the sessions on it must end), or another
 * negative errno. */
int imap_folders_sync(struct imap_shared_folder *sf, bool force);
/* \Recent (RFC 3501 2.3.2): returns the folder's claim (UIDs below it
 * have been shown as recent by a session of this process, so no other
 * session shows them so) and raises it to upto, in one step.  upto 0
 * only reads it. */
uint32_t imap_folders_recent_take(struct imap_shared_folder *sf,
				  uint32_t upto);
/* Marks the shared folder at dir (if any) as changed: after a change made
 * through another struct folder of this process (APPEND), so the next
 * command sees it without waiting for the watch. */
void imap_folders_touch(const char *dir);
/* IDLE: the session hears about changes to its selected folder. */
void imap_folders_idle_start(struct imap_session *s);
void imap_folders_idle_stop(struct imap_session *s);
/* Called by the watcher for each idling session of a changed folder. */
void imap_idle_changed(struct imap_session *s);

/* ---- imap-view.c ---- */
/* Selects name (NO replied on failure: false). */
bool imap_view_select(struct imap_cmd *cmd, const char *name, bool readonly,
		      struct buf *out);
void imap_view_close(struct imap_session *s);
/* Turns CONDSTORE on for a CONDSTORE-enabling command; the first time, with
 * a mailbox selected, sends its HIGHESTMODSEQ (RFC 7162 3.1). */
void imap_view_condstore_enable(struct imap_session *s);
struct folder *imap_view_folder(const struct imap_session *s);
/* Syncs (forced for NOOP, CHECK, IDLE) and appends the untagged
 * updates the client may get now:
 * EXPUNGE (or VANISHED) only when expunges is true, EXISTS, RECENT,
 * FLAGS, FETCH FLAGS.  When the folder is gone it appends a BYE and sets
 * view.gone: the caller closes the connection after sending out. */
void imap_view_updates(struct imap_session *s, bool expunges, bool force,
		       struct buf *out);
/* The message of sequence number seq, or NULL when it is gone from the
 * folder (expunged elsewhere, not yet reported). */
struct message *imap_view_msg(struct imap_session *s, uint32_t seq);
/* A sequence-set or UID-set argument resolved to sequence numbers of the
 * view.  Returns 0, -EINVAL (BAD replied) or -ERANGE (a sequence number
 * past the end: BAD replied). */
int imap_view_seqset(struct imap_cmd *cmd, const struct imap_arg *arg,
		     struct imap_seqset *seqs_r);
/* The flags of a message as a parenthesised list. */
void imap_view_flags(struct imap_session *s, const struct message *m,
		     uint32_t seq, struct buf *out);
/* The client has been told of message seq's current flags. */
void imap_view_flags_sent(struct imap_session *s, uint32_t seq,
			  uint64_t modseq);
/* FLAGS and PERMANENTFLAGS again when the folder has new keywords, which
 * must be announced before a FETCH shows them. */
void imap_view_keywords_check(struct imap_session *s, struct buf *out);
/* FLAGS and PERMANENTFLAGS responses. */
void imap_view_flag_lists(struct imap_session *s, struct buf *out);
/* \Recent for message seq in this session. */
bool imap_view_is_recent(const struct imap_session *s, uint32_t uid);

/* ---- commands ---- */
void imap_cmd_capability(struct imap_cmd *cmd);
void imap_cmd_noop(struct imap_cmd *cmd);
void imap_cmd_logout(struct imap_cmd *cmd);
void imap_cmd_starttls(struct imap_cmd *cmd);
void imap_cmd_login(struct imap_cmd *cmd);
void imap_cmd_authenticate(struct imap_cmd *cmd);
void imap_sasl_continue(struct imap_session *s, const char *line);
void imap_cmd_id(struct imap_cmd *cmd);
void imap_cmd_enable(struct imap_cmd *cmd);
void imap_cmd_namespace(struct imap_cmd *cmd);
void imap_cmd_select(struct imap_cmd *cmd);
void imap_cmd_examine(struct imap_cmd *cmd);
void imap_cmd_close(struct imap_cmd *cmd);
void imap_cmd_unselect(struct imap_cmd *cmd);
void imap_cmd_check(struct imap_cmd *cmd);
void imap_cmd_create(struct imap_cmd *cmd);
void imap_cmd_delete(struct imap_cmd *cmd);
void imap_cmd_rename(struct imap_cmd *cmd);
void imap_cmd_subscribe(struct imap_cmd *cmd);
void imap_cmd_unsubscribe(struct imap_cmd *cmd);
void imap_cmd_list(struct imap_cmd *cmd);
void imap_cmd_lsub(struct imap_cmd *cmd);
void imap_cmd_status(struct imap_cmd *cmd);
void imap_cmd_append(struct imap_cmd *cmd);
void imap_cmd_expunge(struct imap_cmd *cmd);
void imap_cmd_search(struct imap_cmd *cmd);
void imap_cmd_sort(struct imap_cmd *cmd);
void imap_cmd_thread(struct imap_cmd *cmd);
void imap_cmd_fetch(struct imap_cmd *cmd);
void imap_cmd_store(struct imap_cmd *cmd);
void imap_cmd_copy(struct imap_cmd *cmd);
void imap_cmd_move(struct imap_cmd *cmd);
void imap_cmd_idle(struct imap_cmd *cmd);
void imap_idle_line(struct imap_session *s, const char *line);

/* Expunges the messages with \Deleted (only those whose UID is in uids,
 * unless NULL).  Returns 0 or the first error (cmd-expunge.c). */
int imap_expunge_deleted(struct imap_session *s,
			 const struct imap_seqset *uids);

/* A flag list (one list argument) or flags (count atoms) into MFLAG_*
 * bits and keyword bits of folder f, creating keywords when create.
 * Returns 0, -EINVAL for an invalid flag, or another negative errno
 * (-ENOSPC: no keyword letter left).  (cmd-store.c) */
int imap_flags_parse(struct folder *f, const struct imap_arg *arg,
		     size_t count, bool create, uint32_t *flags_r,
		     uint32_t *keywords_r);

/* STATUS items for one folder (cmd-status.c, also LIST-STATUS).
 * items: IMAP_STATUS_* bits. */
#define IMAP_STATUS_MESSAGES		0x01
#define IMAP_STATUS_RECENT		0x02
#define IMAP_STATUS_UIDNEXT		0x04
#define IMAP_STATUS_UIDVALIDITY		0x08
#define IMAP_STATUS_UNSEEN		0x10
#define IMAP_STATUS_HIGHESTMODSEQ	0x20
#define IMAP_STATUS_SIZE		0x40
#define IMAP_STATUS_DELETED		0x80
int imap_status_parse(const struct imap_arg *arg, unsigned int *items_r);
/* Appends "* STATUS name (...)\r\n".  Returns 0 or a negative errno. */
int imap_status_write(struct imap_session *s, const char *name,
		      unsigned int items, struct buf *out);

/* APPEND literal streaming (cmd-append.c): called by imap.c when a
 * literal is announced during APPEND.  Returns 0 when the literal goes
 * to the store (the parser's sink is set), or a negative errno after a
 * NO reply. */
int imap_append_literal(struct imap_session *s,
			const struct imap_literal_info *lit);
/* Is this literal of an APPEND a message (top level, or in UTF8 (...))? */
bool imap_append_wants_literal(struct imap_session *s,
			       const struct imap_literal_info *lit);
void imap_append_free(struct imap_session *s);

#endif
