#ifndef MAILTREE_SMTP_INT_H
#define MAILTREE_SMTP_INT_H

/*
 * Shared by the files of the SMTP/LMTP session: smtp.c (the command table
 * and the session), smtp-envelope.c (MAIL, RCPT), smtp-auth.c (AUTH),
 * smtp-data.c (DATA, BDAT and delivery).
 */

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "conn.h"
#include "sasl.h"

/* Which protocol a session speaks. */
enum smtp_kind {
	SMTP_KIND_LMTP,		/* RFC 2033: one reply per recipient */
	SMTP_KIND_MX,		/* inbound SMTP for the store's domains */
	SMTP_KIND_SUBMISSION,	/* RFC 6409: authenticated users send */
};

/* Session states, as bits so a command lists the states that allow it. */
enum smtp_state {
	SMTP_GREETED = 1 << 0,	/* before LHLO/EHLO */
	SMTP_READY = 1 << 1,	/* no transaction */
	SMTP_MAIL = 1 << 2,	/* sender given, no recipient yet */
	SMTP_RCPT = 1 << 3,	/* one or more recipients */
	SMTP_DATA = 1 << 4,	/* receiving the message */
	SMTP_BDAT = 1 << 5,	/* between BDAT chunks (RFC 3030) */
};

struct folder;
struct save;
struct queue_save;

struct smtp_rcpt {
	char *addr;		/* as the client gave it */
	char *user;		/* the store user; NULL for a remote one */
	struct folder *folder;	/* the user's INBOX */
	struct save *save;	/* during DATA */
	char *orcpt;		/* DSN ORCPT, or NULL */
	unsigned int notify;	/* DSN NOTIFY, QUEUE_NOTIFY_* bits */
	int err;		/* first error of this recipient, or 0 */
	bool queued;		/* not stored: in the queue for a retry */
	uint32_t uid;
};

/* Where the dot-unstuffing of DATA is within a line. */
enum smtp_data_state {
	DATA_BOL,	/* at the start of a line */
	DATA_DOT,	/* a line started with '.' */
	DATA_DOT_CR,	/* ".\r" */
	DATA_TEXT,	/* inside a line */
	DATA_CR,	/* a CR inside a line */
};

struct smtp_session {
	struct conn *c;
	enum smtp_kind kind;
	bool lmtp;		/* kind == SMTP_KIND_LMTP */
	bool esmtp;		/* EHLO (or LHLO) rather than HELO */
	enum smtp_state state;
	char *helo;
	/* AUTH (submission) */
	struct sasl sasl;
	bool in_sasl;
	/* The transaction */
	char *sender;		/* "" is the null sender */
	char *envid;		/* DSN ENVID, or NULL */
	bool ret_hdrs, smtputf8;
	struct smtp_rcpt *rcpts;
	size_t rcpt_count, rcpt_cap;
	size_t rcpt_accepted;	/* RCPTs answered 250, duplicates too */
	size_t remote_count;	/* recipients for the outbound queue */
	struct queue_save *qsave;
	int qerr;
	/* SMTP with several local recipients: one file, stored by the
	 * primary recipient's save, hard-linked for the others. */
	bool shared;
	size_t primary;		/* index in rcpts; rcpt_count if none */
	size_t trace_len;	/* the primary's Return-Path field */
	/* DATA and BDAT */
	enum smtp_data_state dstate;
	struct buf chunk;	/* unstuffed bytes not yet written */
	uint64_t data_size;
	bool too_big;
	bool hold;		/* submission: header not seen whole yet */
	bool header_inspected;
	int header_err;		/* From: not the user's, or 0 */
	char *from;		/* submission: the From: value, or NULL */
	uint64_t bdat_left;	/* of the current chunk */
	uint64_t bdat_octets;	/* of every chunk so far, as sent */
	bool bdat, bdat_last, bdat_cr, bdat_discard;
	bool closing_after;	/* QUIT-like: close when the reply is out */
};

void smtp_reply_errno(struct smtp_session *s, int err, const char *addr);
void smtp_transaction_reset(struct smtp_session *s);
/* Counts a bad command; says goodbye when there were too many. */
void smtp_bad_command(struct smtp_session *s);
/* Counts a connection or a message (MAIL) of the MX client's address;
 * true, after logging, when that is over the configured limit per
 * minute.  Loopback (if trusted) and the other protocols are exempt. */
enum { SMTP_RATE_CONN, SMTP_RATE_MSG };
bool smtp_rate_exceeded(struct smtp_session *s, int which);
/* The host name in greetings, trace fields and Message-IDs. */
const char *smtp_hostname(const struct smtp_session *s);

/* Is the address's domain one of the store's (or has it none)? */
bool smtp_domain_is_local(const struct conn *c, const char *addr);
/* May the user send as this address: user@local-domain, or an alias of
 * theirs?  Blocking (reads the aliases file). */
bool smtp_sender_allowed(const char *store, const char *domains,
			 const char *user, const char *addr);

/* smtp-envelope.c */
int smtp_check_mail(struct smtp_session *s, const char *args);
void smtp_act_mail(struct smtp_session *s, const char *args);
int smtp_check_rcpt(struct smtp_session *s, const char *args);
void smtp_act_rcpt(struct smtp_session *s, const char *args);
void smtp_rcpt_release(struct smtp_rcpt *r);

/* smtp-auth.c */
int smtp_check_auth(struct smtp_session *s, const char *args);
void smtp_act_auth(struct smtp_session *s, const char *args);
void smtp_sasl_continue(struct smtp_session *s, const char *response);

/* smtp-data.c: DATA begins the saves and switches to raw input. */
void smtp_data_begin(struct smtp_session *s);
/* BDAT SIZE [LAST]; size already parsed. */
void smtp_bdat_begin(struct smtp_session *s, uint64_t size, bool last);
size_t smtp_data_input(struct conn *c, const char *data, size_t len);
/* Aborts every save of the transaction. */
void smtp_data_abort(struct smtp_session *s);
/* smtp-finish.c: the whole message is in the saves; finish them on the
 * thread pool and reply. */
void smtp_data_finish(struct smtp_session *s);
/* After the replies to a transaction: close if the server is stopping. */
void smtp_after_transaction(struct smtp_session *s);

#endif
