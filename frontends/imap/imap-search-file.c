/*
 * The SEARCH keys that read the message file: HEADER of fields the index
 * does not cache, BODY and TEXT.  The file is streamed: header fields go
 * through header.h one chunk at a time, body parts through mime-body.h,
 * and the text reaches a KMP matcher (imap-casefold.h) whose state
 * carries over chunk boundaries, so memory stays bounded whatever the
 * message's size.
 */

#include <errno.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "address.h"
#include "header.h"
#include "html-text.h"
#include "imap-search-int.h"
#include "mime-body.h"
#include "rfc2047.h"

#define READ_CHUNK 16384

static const char *const address_fields[] = {
	"From", "Sender", "Reply-To", "To", "Cc", "Bcc",
	"Resent-From", "Resent-Sender", "Resent-To", "Resent-Cc",
	"Resent-Bcc", NULL
};

void imap_search_decode_header(const char *name, const char *value,
			       size_t len, struct buf *out)
{
	struct address *list;
	size_t i;

	for (i = 0; address_fields[i] != NULL; i++) {
		if (strcasecmp(name, address_fields[i]) != 0)
			continue;
		address_list_parse(value, len, &list);
		address_list_format(list, out);
		address_list_free(&list);
		return;
	}
	rfc2047_decode(value, len, out);
}

void imap_search_file_init(struct imap_search_file *f,
			   const struct imap_search_env *env,
			   const struct imap_msg_ref *m)
{
	f->env = env;
	f->m = m;
	f->fd = -1;
	f->tree = NULL;
}

void imap_search_file_release(struct imap_search_file *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
	mime_part_free(&f->tree);
}

static int file_open(struct imap_search_file *f)
{
	if (f->fd >= 0)
		return 0;
	if (f->env->open_msg == NULL)
		return -EWOULDBLOCK;
	return f->env->open_msg(f->env->ctx, f->m, &f->fd);
}

/* A search through header fields. */
struct header_search {
	const char *name;	/* NULL: every field, as "Name: value" */
	struct imap_casefold_match match;
	struct buf text;
};

static int header_field(void *ctx, const struct header_field *field)
{
	struct header_search *hs = ctx;

	if (hs->name != NULL && !header_field_is(field, hs->name))
		return 0;
	/* Any field present matches an empty needle. */
	if (hs->match.needle->len == 0) {
		hs->match.found = true;
		return 0;
	}
	buf_reset(&hs->text);
	if (hs->name == NULL) {
		buf_append(&hs->text, field->name, field->name_len);
		buf_puts(&hs->text, ": ");
	}
	imap_search_decode_header(field->name, field->value,
				  field->value_len, &hs->text);
	imap_casefold_match_feed(&hs->match, hs->text.data, hs->text.len);
	imap_casefold_match_break(&hs->match);
	return 0;
}

/* Feeds the header block at [start, end) of the file to a search; stops
 * at its empty line or at the first match. */
static int search_header_range(int fd, uint64_t start, uint64_t end,
			       struct header_search *hs)
{
	struct header_parser hp;
	char chunk[READ_CHUNK];
	size_t want, used;
	ssize_t n;
	int r = 0;

	header_parser_init(&hp, 0, header_field, hs);
	while (start < end && !hs->match.found) {
		want = end - start < sizeof(chunk) ? (size_t)(end - start)
						   : sizeof(chunk);
		n = pread(fd, chunk, want, (off_t)start);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			break;
		}
		if (n == 0)
			break;
		start += (uint64_t)n;
		r = header_parser_feed(&hp, chunk, (size_t)n, &used);
		if (r != 0)
			break;
	}
	if (r >= 0 && !hs->match.found && !header_parser_done(&hp))
		header_parser_finish(&hp);
	header_parser_release(&hp);
	return r < 0 ? r : 0;
}

int imap_search_file_header(struct imap_search_file *f, const char *name,
			    const struct imap_casefold_needle *needle)
{
	struct header_search hs;
	int r;

	if ((r = file_open(f)) < 0)
		return r;
	hs.name = name;
	hs.text = (struct buf)BUF_INIT;
	imap_casefold_match_init(&hs.match, needle);
	/* An empty needle still needs a field to be there. */
	hs.match.found = false;
	r = search_header_range(f->fd, 0, UINT64_MAX, &hs);
	buf_release(&hs.text);
	return r < 0 ? r : hs.match.found;
}

/* A search through the decoded text of a part. */
struct body_search {
	struct imap_casefold_match match;
	bool html;
	struct html_text h;
	struct buf text;
};

static int body_chunk(void *ctx, const char *data, size_t len)
{
	struct body_search *bs = ctx;

	if (!bs->html)
		return imap_casefold_match_feed(&bs->match, data, len) ? 1 : 0;
	buf_reset(&bs->text);
	html_text_feed(&bs->h, data, len, &bs->text);
	return imap_casefold_match_feed(&bs->match, bs->text.data,
					bs->text.len) ? 1 : 0;
}

/* Searches one part's body, if it is text. */
static int search_part(int fd, const struct mime_part *part,
		       struct body_search *bs)
{
	int r;

	if (part->children != NULL ||
	    (part->flags & (MIME_PART_MULTIPART | MIME_PART_HAS_MESSAGE)) ||
	    !mime_part_is(part, "text", NULL))
		return 0;
	bs->html = mime_part_is(part, "text", "html");
	if (bs->html)
		html_text_init(&bs->h);
	r = mime_body_stream(fd, part, MIME_BODY_UTF8, body_chunk, bs);
	if (r == 0 && bs->html && !bs->match.found) {
		buf_reset(&bs->text);
		html_text_finish(&bs->h, &bs->text);
		imap_casefold_match_feed(&bs->match, bs->text.data,
					 bs->text.len);
	}
	imap_casefold_match_break(&bs->match);
	return r;
}

int imap_search_file_body(struct imap_search_file *f,
			  const struct imap_casefold_needle *needle)
{
	struct body_search bs;
	struct header_search hs;
	const struct mime_part *part;
	int r;

	if ((r = file_open(f)) < 0)
		return r;
	if (f->tree == NULL && (r = mime_parse_fd(f->fd, NULL, &f->tree)) < 0)
		return r;
	imap_casefold_match_init(&bs.match, needle);
	bs.text = (struct buf)BUF_INIT;
	hs.text = (struct buf)BUF_INIT;
	hs.name = NULL;
	for (part = f->tree; part != NULL && r == 0 && !bs.match.found;
	     part = mime_part_next(part)) {
		if (part != f->tree && (part->flags & MIME_PART_MESSAGE)) {
			/* An attached message's header is body text of
			 * the message that carries it. */
			imap_casefold_match_init(&hs.match, needle);
			r = search_header_range(f->fd, part->hdr_offset,
						part->body_offset, &hs);
			bs.match.found = hs.match.found;
		}
		if (r == 0 && !bs.match.found)
			r = search_part(f->fd, part, &bs);
	}
	buf_release(&bs.text);
	buf_release(&hs.text);
	return r < 0 ? r : bs.match.found;
}
