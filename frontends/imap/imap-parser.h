#ifndef MAILTREE_IMAP_PARSER_H
#define MAILTREE_IMAP_PARSER_H

/*
 * The IMAP command parser: RFC 3501 section 9 arguments, with LITERAL+ and
 * LITERAL- (RFC 7888), literal8 (RFC 3516) and UTF-8 quoted strings
 * (RFC 6855).  It knows the syntax of arguments, not of commands: the
 * result is a tag, a command name and a tree of arguments, which the
 * command's own code (or imap-fetch-parse.h, imap-search-parse.h,
 * imap-seqset.h) interprets.
 *
 * The parser is fed whole lines, as the line reader returns them, and the
 * bytes of literals, as raw mode delivers them:
 *
 *   r = imap_parser_feed_line(p, line, len, flags);
 *     IMAP_PARSE_DONE      the command is complete: imap_parser_tag(),
 *                          imap_parser_name(), imap_parser_args()
 *     IMAP_PARSE_LITERAL   the line ended in {N}, {N+} or ~{N}: look at
 *                          imap_parser_literal() and BEFORE sending
 *                          "+ OK" (synchronizing literals only) call one of
 *                          imap_parser_literal_accept()  keep it in memory
 *                          imap_parser_literal_sink()    stream it away
 *                          imap_parser_literal_refuse()  reply NO/BAD
 *                          then, while imap_parser_wants() says
 *                          IMAP_PARSER_WANT_LITERAL, feed raw bytes with
 *                          imap_parser_feed_literal(); the line after the
 *                          literal goes to imap_parser_feed_line() again
 *     IMAP_PARSE_SKIPPED   the line belonged to a command that already
 *                          failed (after a refused or bad non-synchronizing
 *                          literal); there is nothing to reply
 *     negative errno       the command is bad: reply "tag BAD text" with
 *                          imap_parser_error() (tag NULL: untagged "* BAD").
 *                          -EINVAL for syntax, -E2BIG for a limit, or the
 *                          error a literal sink returned.  The client may
 *                          still send the rest of the command (a
 *                          non-synchronizing literal it had announced):
 *                          keep feeding while imap_parser_wants() asks,
 *                          those lines then return IMAP_PARSE_SKIPPED.
 *
 * Synchronizing literals are never reported as wanted bytes before the
 * caller decided, so the size can be checked before the continuation is
 * sent (style.md).  Everything the parser keeps is bounded by
 * struct imap_parser_limits; streamed literals are not kept at all.
 *
 * Deliberate leniencies: runs of spaces count as one, trailing spaces are
 * ignored, a bare LF ends a line as CRLF does, '\' may start an atom (for
 * flags), and '[', ']', '%' and '*' are atom characters (astrings, LIST
 * patterns, "1:*").  A '[' right after BODY, BODY.PEEK, BINARY,
 * BINARY.PEEK or BINARY.SIZE opens a section (see struct imap_arg).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "imap-arg.h"

/* Limits, with the reasons for the defaults in imap-parser.c. */
struct imap_parser_limits {
	size_t max_line;	/* one line without CRLF */
	size_t max_literal;	/* one literal kept in memory */
	size_t max_command;	/* all lines + literals kept in memory */
	unsigned int max_depth;	/* nested lists and sections */
	unsigned int max_args;	/* arguments in all lists together */
};

#define IMAP_PARSER_DEFAULT_MAX_LINE	8192
#define IMAP_PARSER_DEFAULT_MAX_LITERAL	(64 * 1024)
#define IMAP_PARSER_DEFAULT_MAX_COMMAND	(256 * 1024)
#define IMAP_PARSER_DEFAULT_MAX_DEPTH	16
#define IMAP_PARSER_DEFAULT_MAX_ARGS	4096

/* Fills in the defaults. */
void imap_parser_limits_default(struct imap_parser_limits *limits);

enum imap_parse_result {
	IMAP_PARSE_SKIPPED = 0,
	IMAP_PARSE_DONE = 1,
	IMAP_PARSE_LITERAL = 2,
};

enum imap_parser_want {
	IMAP_PARSER_WANT_LINE,
	IMAP_PARSER_WANT_LITERAL,	/* raw bytes: imap_parser_feed_literal() */
};

/* A literal announced at the end of a line. */
struct imap_literal_info {
	uint64_t size;
	bool sync;		/* {N}: the client waits for "+" */
	bool binary;		/* ~{N} */
	unsigned int depth;	/* 0: top-level argument, 1: inside a list.. */
	size_t index;		/* its position in that list */
};

/* Receives a streamed literal's bytes; a negative errno fails the command
 * (the rest of the literal is then discarded). */
typedef int imap_parser_sink(void *ctx, const void *data, size_t len);

struct imap_parser_frame;
struct imap_parser_chunk;

struct imap_parser {
	struct imap_parser_limits limits;
	int state;
	int error;			/* of the current command, or 0 */
	const char *error_text;
	char *tag, *name;
	struct imap_parser_frame *frames;	/* max_depth + 1 */
	unsigned int depth;
	size_t arg_count;		/* of the whole command */
	size_t command_size;		/* lines + kept literals */
	struct imap_parser_chunk *chunks;	/* the command's memory */
	struct imap_literal_info lit;
	uint64_t lit_left;		/* bytes still wanted */
	char *lit_data;			/* a kept literal being filled */
	size_t lit_len;
	imap_parser_sink *sink;
	void *sink_ctx;
	bool lit_nul;
	bool lit_discard;
	bool after_value;		/* a separator must come next */
	struct imap_list result;
	struct imap_list so_far;
};

/* limits may be NULL for the defaults. */
void imap_parser_init(struct imap_parser *p,
		      const struct imap_parser_limits *limits);
void imap_parser_release(struct imap_parser *p);
/* Forgets the current command (after a dropped over-long line, say). */
void imap_parser_reset(struct imap_parser *p);

/*
 * Parses one line: `len` bytes at `line` without the line ending, as
 * struct lr_line hands them over, with its flags (LR_HAS_NUL is a BAD).
 * Returns an enum imap_parse_result or a negative errno, as above.
 */
int imap_parser_feed_line(struct imap_parser *p, const char *line,
			  size_t len, unsigned int lr_flags);
/* What the parser needs next. */
enum imap_parser_want imap_parser_wants(const struct imap_parser *p);
/* Takes up to len literal bytes; returns how many it used. */
size_t imap_parser_feed_literal(struct imap_parser *p, const void *data,
				size_t len);

/* After IMAP_PARSE_LITERAL: the literal wanted. */
const struct imap_literal_info *imap_parser_literal(
	const struct imap_parser *p);
/* Keeps the literal in memory.  Returns 0, or -E2BIG if it is over
 * max_literal or would take the command over max_command (the caller
 * then refuses it). */
int imap_parser_literal_accept(struct imap_parser *p);
/* Hands the literal's bytes to sink as they come; it becomes an
 * IMAP_ARG_STREAMED argument.  Returns 0. */
int imap_parser_literal_sink(struct imap_parser *p, imap_parser_sink *sink,
			     void *ctx);
/* Refuses it: a synchronizing literal ends the command (the client waits
 * for a continuation that will not come); a non-synchronizing one is
 * discarded with the rest of the command. */
void imap_parser_literal_refuse(struct imap_parser *p);
/* The arguments parsed so far at the top level, while a literal is
 * wanted: what an APPEND needs to decide where the message goes. */
const struct imap_list *imap_parser_args_so_far(const struct imap_parser *p);

/* The tag, or NULL when the line had none that is valid.  The name is
 * the command name (the first atom after the tag) as the client sent it,
 * or NULL.  Valid until the next command starts. */
const char *imap_parser_tag(const struct imap_parser *p);
const char *imap_parser_name(const struct imap_parser *p);
/* After IMAP_PARSE_DONE: the arguments after the command name. */
const struct imap_list *imap_parser_args(const struct imap_parser *p);
/* After an error: a short text for the BAD reply. */
const char *imap_parser_error(const struct imap_parser *p);

#endif
