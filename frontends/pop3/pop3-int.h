#ifndef MAILTREE_POP3_INT_H
#define MAILTREE_POP3_INT_H

/* Shared by the files of frontends/pop3/; see pop3.h. */

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "buf.h"
#include "dotlock.h"
#include "pop3.h"
#include "sasl.h"

struct conn;
struct folder;

/* RFC 1939 3; states as bits so a command lists the states allowing it. */
enum pop3_state {
	POP3_AUTHORIZATION = 1 << 0,
	POP3_TRANSACTION = 1 << 1,
	POP3_UPDATE = 1 << 2,	/* after QUIT, while the expunges run */
};

/* A message of the maildrop; its number is its index + 1. */
struct pop3_msg {
	uint32_t uid;
	uint64_t size;		/* vsize: CRLF line endings, no stuffing */
	bool deleted;
};

/*
 * The maildrop: the user's INBOX as it was at login, and the session lock
 * that keeps a second POP3 session (of this or another mailtreed, on
 * this or another host) out: "mailtree-pop3.lock" in the mailbox
 * directory, a dot-lock holding pid:host.
 */
struct pop3_maildrop {
	struct folder *folder;
	struct dotlock lock;
	struct pop3_msg *msgs;
	uint32_t count;
	uint32_t uidvalidity;
	time_t touched;		/* when the lock was last refreshed */
};

/* Opens the maildrop of user, blocking: run it on the thread pool.
 * -EAGAIN when another session holds it, -ESRCH for an unknown user. */
int pop3_maildrop_open(const char *store, const char *user,
		       unsigned int stale_secs, struct pop3_maildrop **md_r);
/* Expunges the messages marked deleted, blocking.  Returns 0 or the
 * first error; the numbers of the messages that failed go to failed_r,
 * separated by spaces. */
int pop3_maildrop_expunge(struct pop3_maildrop *md, struct buf *failed_r);
/* Refreshes the lock's mtime when it is older than half a minute, so a
 * long session is not taken for stale.  Blocking but cheap (utimensat). */
void pop3_maildrop_touch(struct pop3_maildrop *md);
/* Releases the lock and frees. */
void pop3_maildrop_free(struct pop3_maildrop **md);

/* RETR or TOP in progress (pop3-retr.c). */
struct pop3_retr;

struct pop3_session {
	struct conn *c;
	enum pop3_state state;
	char *user;		/* given by USER, before PASS */
	bool in_sasl;		/* AUTH waits for a client response */
	struct sasl sasl;
	struct pop3_maildrop *md;
	uint32_t live_count;	/* messages not marked deleted */
	uint64_t live_size;
	struct pop3_retr *retr;
};

/* The reply, then close. */
void pop3_goodbye(struct pop3_session *s, const char *reply);
/* The reply; closes when too many commands failed. */
void pop3_bad_command(struct pop3_session *s, const char *reply);
/* One -ERR reply per errno, with its response code (pop3.c). */
void pop3_reply_errno(struct pop3_session *s, int err, const char *what);
/* After a command that paused input: closes when the server stops. */
void pop3_after_command(struct pop3_session *s);
/* AUTHORIZATION commands (pop3-auth.c); CAPA also in TRANSACTION. */
void pop3_act_capa(struct pop3_session *s, const char *args);
void pop3_act_user(struct pop3_session *s, const char *args);
void pop3_act_pass(struct pop3_session *s, const char *args);
void pop3_act_auth(struct pop3_session *s, const char *args);
void pop3_act_stls(struct pop3_session *s, const char *args);
/* A client line during AUTH: the next SASL response. */
void pop3_sasl_continue(struct pop3_session *s, const char *response);
/* Starts RETR (all lines) or TOP (limit) of message number n, which the
 * caller checked; the reply streams from the thread pool. */
void pop3_retr_start(struct pop3_session *s, uint32_t n, bool limit,
		     uint32_t lines);
/* Frees a RETR stopped by the connection closing. */
void pop3_retr_free(struct pop3_session *s);

#endif
