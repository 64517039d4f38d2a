/* FETCH ENVELOPE; see imap-envelope.h. */

#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "address.h"
#include "buf.h"
#include "imap-envelope.h"
#include "imap-quote.h"
#include "message-summary.h"
#include "util.h"

static void write_nstring(struct buf *out, const char *s)
{
	imap_quote_nstring(out, s, s != NULL ? strlen(s) : 0);
}

static void write_address(struct buf *out, const struct address *a)
{
	switch (a->kind) {
	case ADDRESS_GROUP_START:
		/* The group name goes where the mailbox goes; it may be
		 * empty but never NIL, which would mark the group's end. */
		buf_puts(out, "(NIL NIL ");
		write_nstring(out, a->name != NULL ? a->name : "");
		buf_puts(out, " NIL)");
		break;
	case ADDRESS_GROUP_END:
		buf_puts(out, "(NIL NIL NIL NIL)");
		break;
	case ADDRESS_MAILBOX:
		buf_putc(out, '(');
		write_nstring(out, a->name);
		/* RFC 3501 7.4.2 puts the at-domain-list (the obsolete
		 * source route, "@a,@b") second; NIL when there is none. */
		buf_putc(out, ' ');
		write_nstring(out, a->route);
		buf_putc(out, ' ');
		write_nstring(out, a->mailbox != NULL ? a->mailbox : "");
		buf_putc(out, ' ');
		write_nstring(out, a->domain != NULL ? a->domain : "");
		buf_putc(out, ')');
		break;
	}
}

/* Writes the address list of `value`; returns false (and writes nothing)
 * when it holds no address at all. */
static bool write_addresses(struct buf *out, const char *value)
{
	struct address *list = NULL, *a;

	if (value == NULL)
		return false;
	address_list_parse(value, strlen(value), &list);
	if (list == NULL)
		return false;
	buf_putc(out, '(');
	for (a = list; a != NULL; a = a->next)
		write_address(out, a);
	buf_putc(out, ')');
	address_list_free(&list);
	return true;
}

static void write_address_field(struct buf *out, const char *value,
				const char *fallback)
{
	if (write_addresses(out, value))
		return;
	if (fallback == NULL || !write_addresses(out, fallback))
		buf_puts(out, "NIL");
}

void imap_envelope_write(const struct message_summary *sum, struct buf *out)
{
	buf_putc(out, '(');
	write_nstring(out, sum->date);
	buf_putc(out, ' ');
	write_nstring(out, sum->subject);
	buf_putc(out, ' ');
	write_address_field(out, sum->from, NULL);
	buf_putc(out, ' ');
	write_address_field(out, sum->sender, sum->from);
	buf_putc(out, ' ');
	write_address_field(out, sum->reply_to, sum->from);
	buf_putc(out, ' ');
	write_address_field(out, sum->to, NULL);
	buf_putc(out, ' ');
	write_address_field(out, sum->cc, NULL);
	buf_putc(out, ' ');
	write_address_field(out, sum->bcc, NULL);
	buf_putc(out, ' ');
	write_nstring(out, sum->in_reply_to);
	buf_putc(out, ' ');
	write_nstring(out, sum->message_id);
	buf_putc(out, ')');
}

/* Where each cached field goes in a summary. */
static char **summary_slot(struct message_summary *sum, const char *name,
			   size_t len)
{
	static const struct {
		const char *name;
		size_t off;
	} slots[] = {
		{ "Subject", offsetof(struct message_summary, subject) },
		{ "From", offsetof(struct message_summary, from) },
		{ "Sender", offsetof(struct message_summary, sender) },
		{ "Reply-To", offsetof(struct message_summary, reply_to) },
		{ "To", offsetof(struct message_summary, to) },
		{ "Cc", offsetof(struct message_summary, cc) },
		{ "Bcc", offsetof(struct message_summary, bcc) },
		{ "Date", offsetof(struct message_summary, date) },
		{ "Message-ID", offsetof(struct message_summary, message_id) },
		{ "In-Reply-To",
		  offsetof(struct message_summary, in_reply_to) },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(slots); i++)
		if (strlen(slots[i].name) == len &&
		    strncasecmp(slots[i].name, name, len) == 0)
			return (char **)((char *)sum + slots[i].off);
	return NULL;
}

void imap_envelope_write_cached(const char *headers, size_t len,
				struct buf *out)
{
	struct message_summary sum;
	const char *p = headers, *end = headers + len;

	memset(&sum, 0, sizeof(sum));
	while (p != NULL && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *line_end = nl != NULL ? nl : end;
		const char *colon = memchr(p, ':', (size_t)(line_end - p));
		char **slot;

		if (colon != NULL &&
		    (slot = summary_slot(&sum, p, (size_t)(colon - p))) &&
		    *slot == NULL) {
			const char *v = colon + 1;

			if (v < line_end && *v == ' ')
				v++;
			*slot = xstrndup(v, (size_t)(line_end - v));
		}
		p = nl != NULL ? nl + 1 : NULL;
	}
	imap_envelope_write(&sum, out);
	message_summary_release(&sum);
}
