/* The forgiving dovecot-uidlist reader of check and repair; see repair.h. */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "repair.h"
#include "util.h"

void repair_uidlist_init(struct repair_uidlist *ru)
{
	memset(ru, 0, sizeof(*ru));
	uidlist_init(&ru->hdr, "");
	uidlist_init(&ru->one, "");
	ru->one.version = 3;
	buf_init(&ru->line);
}

void repair_uidlist_release(struct repair_uidlist *ru)
{
	size_t i;

	for (i = 0; i < ru->count; i++) {
		free(ru->recs[i].base);
		free(ru->recs[i].ext);
	}
	free(ru->recs);
	uidlist_release(&ru->hdr);
	uidlist_release(&ru->one);
	buf_release(&ru->line);
	memset(ru, 0, sizeof(*ru));
}

static bool keep_none(uint32_t uid, void *ctx)
{
	(void)uid;
	(void)ctx;
	return false;
}

/* Parses one record with the uidlist module's own parser, on a scratch
 * list that is emptied after each line, so no order is imposed. */
static void parse_record(struct repair_uidlist *ru, const char *line)
{
	const struct uidlist_rec *one;
	struct repair_uidrec *r;

	if (uidlist_parse_record(&ru->one, line) < 0) {
		ru->broken_lines++;
		return;
	}
	one = &ru->one.recs[0];
	ru->recs = xgrow(ru->recs, &ru->cap, ru->count + 1, sizeof(*ru->recs));
	r = &ru->recs[ru->count++];
	r->uid = one->uid;
	r->base = xstrdup(one->base);
	r->ext = one->ext ? xstrdup(one->ext) : NULL;
	r->line = ru->lines;
	r->dropped = false;
	if (r->uid <= ru->last_uid)
		ru->out_of_order++;
	else
		ru->last_uid = r->uid;
	if (r->uid > ru->max_uid)
		ru->max_uid = r->uid;
	uidlist_filter(&ru->one, keep_none, NULL);
}

static void end_line(struct repair_uidlist *ru)
{
	ru->lines++;
	if (ru->overlong || memchr(ru->line.data, '\0', ru->line.len)) {
		if (ru->lines == 1)
			ru->header_ok = false;
		else
			ru->broken_lines++;
	} else if (ru->lines == 1) {
		ru->header_ok = uidlist_parse_header(&ru->hdr,
						     ru->line.data) == 0;
		/* Courier's version 1 records have no ':' before the name. */
		if (ru->header_ok)
			ru->one.version = ru->hdr.version;
	} else {
		parse_record(ru, ru->line.data);
	}
	buf_reset(&ru->line);
	ru->overlong = false;
}

void repair_uidlist_feed(struct repair_uidlist *ru, const char *data,
			 size_t len)
{
	while (len > 0) {
		const char *nl = memchr(data, '\n', len);
		size_t n = nl ? (size_t)(nl - data) : len;

		/* Keep at most one byte past the limit: enough to know the
		 * line is too long, and memory stays bounded. */
		if (!ru->overlong) {
			size_t room = UIDLIST_MAX_LINE + 1 - ru->line.len;

			buf_append(&ru->line, data, n < room ? n : room);
			if (ru->line.len > UIDLIST_MAX_LINE) {
				ru->overlong = true;
				buf_reset(&ru->line);
			}
		}
		if (nl == NULL)
			break;
		end_line(ru);
		data += n + 1;
		len -= n + 1;
	}
}

static int cmp_rec(const void *a, const void *b)
{
	const struct repair_uidrec *x = a, *y = b;

	if (x->uid != y->uid)
		return x->uid < y->uid ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

void repair_uidlist_finish(struct repair_uidlist *ru)
{
	struct strmap by_base;
	uint32_t kept = 0;
	bool have = false;
	size_t i, old;

	/* A partial last line: a writer died mid-append, or the file was
	 * cut.  Its name may be cut too, so it is not trusted. */
	if (ru->line.len > 0 || ru->overlong) {
		if (ru->lines == 0)
			ru->lines = 1;	/* a header without its newline */
		else
			ru->broken_lines++;
		buf_reset(&ru->line);
		ru->overlong = false;
	}
	/* The same base name twice: the later line wins, as in Dovecot. */
	strmap_init(&by_base);
	for (i = 0; i < ru->count; i++) {
		const char *b = ru->recs[i].base;

		if (strmap_get(&by_base, b, strlen(b), &old)) {
			ru->recs[old].dropped = true;
			ru->dup_bases++;
		}
		strmap_put(&by_base, b, strlen(b), i);
	}
	strmap_release(&by_base);
	/* The same UID for two names: the first line keeps it. */
	if (ru->count > 0)
		qsort(ru->recs, ru->count, sizeof(*ru->recs), cmp_rec);
	for (i = 0; i < ru->count; i++) {
		if (ru->recs[i].dropped)
			continue;
		if (have && ru->recs[i].uid == kept) {
			ru->recs[i].dropped = true;
			ru->dup_uids++;
			continue;
		}
		have = true;
		kept = ru->recs[i].uid;
	}
}

int repair_uidlist_read(const char *path, struct repair_uidlist *ru)
{
	char chunk[16384];
	int fd, ret = 0;

	repair_uidlist_init(ru);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			ret = -errno;
		if (n <= 0)
			break;
		repair_uidlist_feed(ru, chunk, (size_t)n);
	}
	close(fd);
	repair_uidlist_finish(ru);
	return ret;
}
