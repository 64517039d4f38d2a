#ifndef MAILTREE_MESSAGE_SUMMARY_H
#define MAILTREE_MESSAGE_SUMMARY_H

/*
 * The header fields the index keeps for every message, read cheaply:
 * only the header block is read (streaming, stopping at the empty line),
 * and only the fields below are kept.
 *
 * Values are raw and unfolded as header.h describes (encoded words not
 * decoded; see rfc2047.h and address.h for that), except that NUL bytes
 * are replaced by spaces so they are usable as C strings.  A field that
 * is absent is NULL; when a field occurs more than once the first one
 * wins.  Each value is capped at HEADER_VALUE_MAX_DEFAULT bytes.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct message_summary {
	char *subject;
	char *from;
	char *sender;
	char *reply_to;
	char *to;
	char *cc;
	char *bcc;
	char *date;
	char *message_id;
	char *in_reply_to;
	char *references;
	uint64_t header_size;	/* bytes, the ending empty line included */
	bool date_valid;	/* `date` parsed; the next two are set */
	time_t date_time;
	int date_tz;		/* minutes east of UTC */
};

/*
 * Reads the header of the message starting at `offset` in `fd` (with
 * pread, so the file position is unchanged).  Returns 0 or a negative
 * errno from reading; *sum is filled either way and must be released.
 */
int message_summary_read_fd(int fd, uint64_t offset,
			    struct message_summary *sum);

/* The same for a message in memory; cannot fail. */
void message_summary_parse(const void *data, size_t len,
			   struct message_summary *sum);

void message_summary_release(struct message_summary *sum);

#endif
