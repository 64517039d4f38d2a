#ifndef MAILTREE_SMTP_INT_H
#define MAILTREE_SMTP_INT_H

/* Shared by smtp.c (commands) and smtp-data.c (DATA and delivery). */

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "conn.h"

/* Session states, as bits so a command lists the states that allow it. */
enum smtp_state {
	SMTP_GREETED = 1 << 0,	/* before LHLO/EHLO */
	SMTP_READY = 1 << 1,	/* no transaction */
	SMTP_MAIL = 1 << 2,	/* sender given, no recipient yet */
	SMTP_RCPT = 1 << 3,	/* one or more recipients */
	SMTP_DATA = 1 << 4,	/* receiving the message */
};

struct folder;
struct save;

struct smtp_rcpt {
	char *addr;		/* as the client gave it */
	char *user;		/* the store user (local part) */
	struct folder *folder;	/* the user's INBOX */
	struct save *save;	/* during DATA */
	int err;		/* first error of this recipient, or 0 */
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
	bool lmtp;
	enum smtp_state state;
	char *helo;
	char *sender;		/* "" is the null sender */
	struct smtp_rcpt *rcpts;
	size_t rcpt_count, rcpt_cap;
	/* DATA */
	enum smtp_data_state dstate;
	struct buf chunk;	/* unstuffed bytes not yet written */
	uint64_t data_size;
	bool too_big;
	bool closing_after;	/* QUIT-like: close when the reply is out */
};

void smtp_reply_errno(struct smtp_session *s, int err, const char *addr);
void smtp_transaction_reset(struct smtp_session *s);
/* DATA: begins the saves and switches to raw input (smtp-data.c). */
void smtp_data_begin(struct smtp_session *s);
size_t smtp_data_input(struct conn *c, const char *data, size_t len);
/* Aborts every save of the transaction. */
void smtp_data_abort(struct smtp_session *s);
/* After the replies to a transaction: close if the server is stopping. */
void smtp_after_transaction(struct smtp_session *s);

#endif
