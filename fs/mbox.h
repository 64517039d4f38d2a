#ifndef MAILTREE_MBOX_H
#define MAILTREE_MBOX_H

/*
 * Streaming mbox reading and writing, for `mailtree import` and `export`.
 *
 * Reader.  Input is fed in chunks of any size (or read from an fd); each
 * message reaches the caller as begin / data... / end callbacks, so memory
 * stays bounded whatever the size of a message.  The rules:
 *
 *  - The input may start with a UTF-8 BOM and empty lines; after them the
 *    first line must start with "From " (else -EINVAL).  That first line is
 *    a separator whatever follows "From ".
 *  - Any later line starting with "From " is a separator when it looks
 *    like one: "From SENDER DATE" where DATE parses (asctime order as
 *    written by MTAs, "Thu Sep 26 17:18:40 +0000 2025" as Gmail writes it,
 *    RFC 5322 order, with optional zones and a UUCP "remote from" tail),
 *    or "From SENDER" alone when SENDER is "-" (Mozilla) or has an '@'.
 *    So an unescaped "From Russia with love" in a body stays in the body.
 *    Lines longer than MBOX_LINE_MAX are never separators.
 *  - Content-Length (Solaris, SysV, old Netscape mboxes): when the header
 *    has one and the byte at (body start + length) is end-of-file or starts
 *    a "From " line, possibly after one line end, the "From " line there is
 *    the separator and separator-like lines before it are body.  Otherwise
 *    the header is ignored.  Checking needs the bytes up to that point, so
 *    a body with a separator-like line is held back at most
 *    MBOX_HOLD_MAX bytes (see mbox_reader_set_hold_max()); past that the
 *    Content-Length is not trusted.
 *  - The message is every byte between its From_ line and the next
 *    separator (or end of input), except that one trailing empty line
 *    ("\n" or "\r\n") is dropped: writers put a blank line before each
 *    From_ line, and we own it.  A message followed directly by a From_
 *    line keeps its final line end.  This is what Python's mailbox and
 *    mutt do.  (mime4j keeps the blank line in the message; MimeKit drops
 *    the line end before From_ even when the line is not empty.)
 *  - Un-escaping, per line, is chosen by enum mbox_format: mboxrd (the
 *    default) removes one '>' from ">From ", ">>From " ...; mboxo removes
 *    it only from ">From "; MBOX_FORMAT_RAW leaves lines alone (mboxcl2).
 *    Runs of '>' of any length count, also in lines longer than the
 *    line buffer.
 *  - All other bytes, CR, NUL and 8-bit ones included, pass through.
 *
 * Writer.  Writes mboxrd: "From SENDER DATE" (asctime in UTC,
 * MAILER-DAEMON when there is no sender), the message with every line
 * matching /^>*From / given one more '>', and one empty line.  A message
 * that does not end in "\n" gets one first: mboxrd cannot represent a
 * missing final newline, so such a message reads back with "\n" added.
 * Any other message reads back byte for byte.
 *
 * Functions return 0 or a negative errno unless said otherwise.
 */

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* Reader line buffer: a longer line passes through in pieces. */
#define MBOX_LINE_MAX	1024
/* Default bound on bytes held back to check a Content-Length. */
#define MBOX_HOLD_MAX	(16u << 20)
/* Longest envelope sender the writer accepts. */
#define MBOX_SENDER_MAX	512

enum mbox_format {
	MBOX_FORMAT_MBOXRD = 0,
	MBOX_FORMAT_MBOXO,
	MBOX_FORMAT_RAW,
};

/* What a From_ line says.  The strings stay valid until the next message
 * begins. */
struct mbox_envelope {
	const char *line;	/* the From_ line without its line end */
	const char *sender;	/* "" when absent or Mozilla's "-" */
	int64_t date;		/* seconds since the epoch, if has_date */
	int has_date;		/* 0 when the line has no date we can parse */
	uint64_t index;		/* 0 for the first message */
	uint64_t offset;	/* input offset of the From_ line */
	uint64_t msg_offset;	/* input offset of the message's first byte */
};

struct mbox_message_end {
	uint64_t index;
	uint64_t size;		/* bytes handed to data(), after un-escaping */
	uint64_t end_offset;	/* input offset just past the message */
};

/*
 * Callbacks.  A negative return stops the reader, which then returns that
 * value from every call.  data() gets at most 64 KiB at a time; the
 * pointer is valid during the call only.
 */
struct mbox_callbacks {
	int (*begin)(void *ctx, const struct mbox_envelope *env);
	int (*data)(void *ctx, const void *data, size_t len);
	int (*end)(void *ctx, const struct mbox_message_end *end);
};

struct mbox_reader;

struct mbox_reader *mbox_reader_new(enum mbox_format format,
				    const struct mbox_callbacks *cb,
				    void *ctx);
void mbox_reader_free(struct mbox_reader **rp);
/* For tests: lowers (or raises) the Content-Length hold bound. */
void mbox_reader_set_hold_max(struct mbox_reader *r, size_t max);
/* Feeds the next bytes of the mbox. */
int mbox_reader_feed(struct mbox_reader *r, const void *data, size_t len);
/* Signals end of input and ends the last message. */
int mbox_reader_finish(struct mbox_reader *r);
/* Feeds everything readable from fd, then finishes; fd stays open. */
int mbox_reader_read_fd(struct mbox_reader *r, int fd);
/* Messages begun so far. */
uint64_t mbox_reader_count(const struct mbox_reader *r);
/* Why the last call failed, or "" when none did. */
const char *mbox_reader_error(const struct mbox_reader *r);

/*
 * Parses a From_ line (without its line end, starting with "From ").
 * Stores the sender (as mbox_envelope.sender) in *sender and the date in
 * *date_r / *has_date_r.  Returns 1 when the line has the shape of a
 * separator as described above, 0 when it does not.
 */
int mbox_parse_from_line(const char *line, size_t len, struct buf *sender,
			 int64_t *date_r, int *has_date_r);
/* Parses the date part of a From_ line into *t_r; -EINVAL if it is not
 * one.  A date without a zone is taken as UTC. */
int mbox_parse_date(const char *s, size_t len, int64_t *t_r);
/* Appends "From SENDER DATE\n"; -EINVAL for a sender longer than
 * MBOX_SENDER_MAX.  Bytes of the sender that would break the line
 * (controls, space) become '_'. */
int mbox_format_from_line(struct buf *out, const char *sender, int64_t date);

/* The writer.  Output goes to fd, or is appended to *sink when sink is not
 * NULL.  Writes are buffered; end() and flush() push them out.  After an
 * error the output may end in part of a message: a caller appending to an
 * mbox file truncates it back to its size before begin(). */
struct mbox_writer {
	int fd;
	struct buf *sink;
	struct buf out;		/* pending output */
	int in_message;
	int at_line_start;
	/* A line start that may be ">*From ": its '>' count and how much of
	 * "From " matched so far, not yet written. */
	int quote_active;
	uint64_t quote_gt;
	size_t quote_from;
	char last;		/* last message byte written, '\n' if none */
	uint64_t size;		/* message bytes taken */
};

void mbox_writer_init(struct mbox_writer *w, int fd);
void mbox_writer_init_buf(struct mbox_writer *w, struct buf *sink);
/* Starts a message; sender NULL or "" writes MAILER-DAEMON. */
int mbox_writer_begin(struct mbox_writer *w, const char *sender,
		      int64_t date);
int mbox_writer_data(struct mbox_writer *w, const void *data, size_t len);
/* Ends the message: final newline if missing, then the empty line. */
int mbox_writer_end(struct mbox_writer *w);
/* Writes one whole message read from in_fd (until EOF). */
int mbox_writer_copy_fd(struct mbox_writer *w, const char *sender,
			int64_t date, int in_fd);
int mbox_writer_flush(struct mbox_writer *w);
/* Frees the pending output (flush first to keep it). */
void mbox_writer_release(struct mbox_writer *w);

#endif
