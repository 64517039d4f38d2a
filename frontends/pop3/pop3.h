#ifndef MAILTREE_POP3_H
#define MAILTREE_POP3_H

/*
 * POP3 (RFC 1939) with CAPA, RESP-CODES, PIPELINING, AUTH-RESP-CODE
 * (RFC 2449, 3206), STLS (RFC 2595) and SASL (RFC 5034).
 *
 *   pop3.c           the session: states and the command table
 *   pop3-retr.c      RETR and TOP, streamed from the file in chunks
 *   pop3-maildrop.c  the maildrop: INBOX as of login, its session lock,
 *                    and the expunges at QUIT
 *   pop3-parse.c     the command line parser and the message encoder
 *                    below, fuzzed by tests/fuzz/fuzz-pop3-parse.c
 *
 * Functions return 0 or a negative errno unless documented otherwise.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct proto;
extern const struct proto proto_pop3;

/* RFC 2449 4: keywords are 3 or 4 characters. */
#define POP3_MAX_VERB 4

struct pop3_command {
	char verb[POP3_MAX_VERB + 1];	/* upper-cased */
	const char *args;	/* into the line: after one space, or "" */
};

/*
 * Splits a command line (NUL-terminated, without its CRLF) into an
 * upper-cased verb and the rest.  args points into line and is valid as
 * long as line is.  -EINVAL for an empty line, a verb that is not 3 or 4
 * letters, or a verb not followed by a space or the end.
 */
int pop3_parse_command(const char *line, struct pop3_command *cmd_r);
/*
 * Parses the next argument of args as a decimal number 1..UINT32_MAX
 * (a message number or a line count with allow_zero).  *rest_r points
 * after it and its trailing spaces.  -EINVAL for anything else.
 */
int pop3_parse_number(const char *args, bool allow_zero, uint32_t *num_r,
		      const char **rest_r);

/*
 * The encoder turns the bytes of a stored message (LF line endings,
 * possibly with CRLF, bare CR or no final newline) into a POP3 multi-line
 * body: every LF not after a CR becomes CRLF, a '.' at the start of a
 * line is doubled.  `sent` counts the message bytes it produced without
 * the stuffed dots: it equals the message's vsize at the end of RETR, as
 * LIST reports.  For TOP, `top` limits the body lines after the header.
 */
struct pop3_enc {
	bool bol;		/* at the start of a line */
	bool prev_cr;		/* the last byte was CR */
	bool line_blank;	/* this line so far holds only CRs */
	bool in_body;		/* past the empty line ending the header */
	bool limit;		/* TOP: stop after `top` body lines */
	bool done;		/* the TOP limit is reached */
	uint32_t top;		/* body lines still to send */
	uint64_t sent;
};

/* RETR: whole message.  TOP: header and `lines` body lines. */
void pop3_enc_init(struct pop3_enc *e, bool limit, uint32_t lines);
/* Encodes in[0..len) into out; stops early once e->done. */
void pop3_enc_feed(struct pop3_enc *e, const char *in, size_t len,
		   struct buf *out);
/* Ends the body: a CRLF if the message did not end with one, then
 * ".\r\n". */
void pop3_enc_finish(struct pop3_enc *e, struct buf *out);

#endif
