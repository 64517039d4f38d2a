/* Reading the summary header fields of a message; see message-summary.h. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "date.h"
#include "header.h"
#include "message-summary.h"
#include "util.h"

/* Read size: most headers fit in one read. */
#define SUMMARY_READ_SIZE 16384

static char **field_slot(struct message_summary *sum, const char *name)
{
	static const struct {
		const char *name;
		size_t offset;
	} fields[] = {
		{ "subject", offsetof(struct message_summary, subject) },
		{ "from", offsetof(struct message_summary, from) },
		{ "sender", offsetof(struct message_summary, sender) },
		{ "reply-to", offsetof(struct message_summary, reply_to) },
		{ "to", offsetof(struct message_summary, to) },
		{ "cc", offsetof(struct message_summary, cc) },
		{ "bcc", offsetof(struct message_summary, bcc) },
		{ "date", offsetof(struct message_summary, date) },
		{ "message-id", offsetof(struct message_summary, message_id) },
		{ "in-reply-to",
		  offsetof(struct message_summary, in_reply_to) },
		{ "references", offsetof(struct message_summary, references) },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(fields); i++)
		if (strcasecmp(name, fields[i].name) == 0)
			return (char **)((char *)sum + fields[i].offset);
	return NULL;
}

static int summary_field(void *ctx, const struct header_field *f)
{
	struct message_summary *sum = ctx;
	char **slot = field_slot(sum, f->name);
	size_t i;

	if (slot == NULL || *slot != NULL)
		return 0;
	*slot = xmalloc(f->value_len + 1);
	for (i = 0; i < f->value_len; i++)
		(*slot)[i] = f->value[i] == '\0' ? ' ' : f->value[i];
	(*slot)[f->value_len] = '\0';
	return 0;
}

static void summary_start(struct message_summary *sum,
			  struct header_parser *hp)
{
	memset(sum, 0, sizeof(*sum));
	header_parser_init(hp, 0, summary_field, sum);
}

static void summary_end(struct message_summary *sum,
			struct header_parser *hp)
{
	header_parser_finish(hp);
	sum->header_size = header_parser_size(hp);
	header_parser_release(hp);
	if (sum->date != NULL &&
	    date_parse(sum->date, strlen(sum->date), &sum->date_time,
		       &sum->date_tz) == 0)
		sum->date_valid = true;
}

void message_summary_parse(const void *data, size_t len,
			   struct message_summary *sum)
{
	struct header_parser hp;
	size_t used;

	summary_start(sum, &hp);
	header_parser_feed(&hp, data, len, &used);
	summary_end(sum, &hp);
}

int message_summary_read_fd(int fd, uint64_t offset,
			    struct message_summary *sum)
{
	struct header_parser hp;
	char *chunk = xmalloc(SUMMARY_READ_SIZE);
	int ret = 0;

	summary_start(sum, &hp);
	for (;;) {
		ssize_t n = pread(fd, chunk, SUMMARY_READ_SIZE, (off_t)offset);
		size_t used;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			break;
		}
		if (n == 0 || header_parser_feed(&hp, chunk, (size_t)n,
						 &used) != 0)
			break;
		offset += (uint64_t)n;
	}
	summary_end(sum, &hp);
	free(chunk);
	return ret;
}

void message_summary_release(struct message_summary *sum)
{
	free(sum->subject);
	free(sum->from);
	free(sum->sender);
	free(sum->reply_to);
	free(sum->to);
	free(sum->cc);
	free(sum->bcc);
	free(sum->date);
	free(sum->message_id);
	free(sum->in_reply_to);
	free(sum->references);
	memset(sum, 0, sizeof(*sum));
}
