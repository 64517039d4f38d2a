/* FETCH BODY[section] and BINARY[section] content; see imap-section.h. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "decode.h"
#include "header.h"
#include "imap-crlf.h"
#include "imap-fetch-parse.h"
#include "imap-header-filter.h"
#include "imap-section.h"
#include "mime.h"
#include "util.h"

/* Reads while looking for the end of a message header: most fit. */
#define HEADER_END_READ (16 * 1024)

/* The content is one or two segments one after the other. */
enum seg_kind {
	SEG_RAW,	/* file bytes, CRLF-converted */
	SEG_BASE64,	/* file bytes, base64-decoded */
	SEG_QP,		/* file bytes, CRLF-converted, then QP-decoded */
	SEG_MEM,	/* sec->mem */
};

struct seg {
	enum seg_kind kind;
	uint64_t start, end;
};

struct imap_section {
	int fd;
	bool nil;
	bool binary;		/* exact bytes: no NUL replacement */
	bool has_nul;
	uint64_t size;
	struct seg segs[2];
	unsigned int nsegs;
	struct buf mem;

	/* The producer: where it is and what it made but nobody took. */
	unsigned int cur;
	bool started;
	uint64_t pos;
	struct imap_crlf crlf;
	bool want_prev;		/* the next read starts a byte early */
	struct cte_decoder dec;
	struct buf tmp;
	struct buf pend;
	size_t pend_off;
	char *chunk;

	uint64_t skip;		/* bytes still to drop: the origin */
	uint64_t left;		/* bytes still to give */
};

static void add_seg(struct imap_section *sec, enum seg_kind kind,
		    uint64_t start, uint64_t end)
{
	sec->segs[sec->nsegs].kind = kind;
	sec->segs[sec->nsegs].start = start;
	sec->segs[sec->nsegs].end = end < start ? start : end;
	sec->nsegs++;
}

static void producer_reset(struct imap_section *sec)
{
	sec->cur = 0;
	sec->started = false;
	buf_reset(&sec->pend);
	sec->pend_off = 0;
}

static void seg_start(struct imap_section *sec, const struct seg *seg)
{
	sec->pos = seg->start;
	/* Whether the byte before is a CR decides if a LF at the start is
	 * bare: the first read takes it too. */
	sec->want_prev = (seg->kind == SEG_RAW || seg->kind == SEG_QP) &&
			 seg->start > 0 && seg->start < seg->end;
	imap_crlf_init(&sec->crlf, false, !sec->binary);
	decode_cte_init(&sec->dec,
			seg->kind == SEG_BASE64 ? CTE_BASE64 : CTE_QP);
	sec->started = true;
}

/* Makes sure sec->pend has unread bytes.  Returns 1, 0 at the end of the
 * content, or a negative errno. */
static int refill(struct imap_section *sec)
{
	while (sec->pend_off == sec->pend.len) {
		const struct seg *seg;
		const char *data;
		uint64_t want, from;
		ssize_t got;

		buf_reset(&sec->pend);
		sec->pend_off = 0;
		if (sec->cur == sec->nsegs)
			return 0;
		seg = &sec->segs[sec->cur];
		if (!sec->started)
			seg_start(sec, seg);
		if (seg->kind == SEG_MEM || sec->pos >= seg->end) {
			if (seg->kind == SEG_MEM)
				buf_append(&sec->pend, sec->mem.data,
					   sec->mem.len);
			else if (seg->kind != SEG_RAW)
				decode_cte_finish(&sec->dec, &sec->pend);
			sec->cur++;
			sec->started = false;
			continue;
		}
		from = sec->pos - (sec->want_prev ? 1 : 0);
		want = seg->end - from;
		if (want > IMAP_CRLF_CHUNK)
			want = IMAP_CRLF_CHUNK;
		got = pread_full(sec->fd, sec->chunk, (size_t)want, from);
		if (got < 0)
			return (int)got;
		data = sec->chunk;
		if (sec->want_prev && got > 0) {
			imap_crlf_init(&sec->crlf, data[0] == '\r',
				       !sec->binary);
			sec->want_prev = false;
			data++;
			got--;
		}
		if (got == 0)
			return -EIO;	/* shorter than the tree says */
		sec->pos += (uint64_t)got;
		switch (seg->kind) {
		case SEG_RAW:
			imap_crlf_convert(&sec->crlf, data, (size_t)got,
					  &sec->pend);
			break;
		case SEG_BASE64:
			decode_cte_feed(&sec->dec, data, (size_t)got,
					&sec->pend);
			break;
		case SEG_QP:
			buf_reset(&sec->tmp);
			imap_crlf_convert(&sec->crlf, data, (size_t)got,
					  &sec->tmp);
			decode_cte_feed(&sec->dec, sec->tmp.data, sec->tmp.len,
					&sec->pend);
			break;
		case SEG_MEM:
			break;
		}
	}
	return 1;
}

/* The body of part `p` as BODY or BINARY gives it. */
static int add_body(struct imap_section *sec, const struct mime_part *p)
{
	enum seg_kind kind = SEG_RAW;

	if (sec->binary && !(p->flags & MIME_PART_MULTIPART) &&
	    !(p->flags & MIME_PART_HAS_MESSAGE)) {
		if (p->cte == CTE_BASE64)
			kind = SEG_BASE64;
		else if (p->cte == CTE_QP)
			kind = SEG_QP;
		else if (p->cte == CTE_UNKNOWN)
			return IMAP_SECTION_UNKNOWN_CTE;
	}
	add_seg(sec, kind, p->body_offset, p->body_end);
	return 0;
}

/* HEADER, TEXT or HEADER.FIELDS[.NOT] of a message whose header is
 * [hdr, body) and body [body, end). */
static int add_message_text(struct imap_section *sec,
			    const struct imap_fetch_body *b, uint64_t hdr,
			    uint64_t body, uint64_t end)
{
	int ret;

	switch (b->text) {
	case IMAP_FETCH_TEXT_HEADER:
		add_seg(sec, SEG_RAW, hdr, body);
		return 0;
	case IMAP_FETCH_TEXT_TEXT:
		add_seg(sec, SEG_RAW, body, end);
		return 0;
	case IMAP_FETCH_TEXT_HEADER_FIELDS:
	case IMAP_FETCH_TEXT_HEADER_FIELDS_NOT:
		ret = imap_header_filter(sec->fd, hdr, body, b->fields,
				b->field_count,
				b->text == IMAP_FETCH_TEXT_HEADER_FIELDS_NOT,
				&sec->mem);
		if (ret == 0)
			add_seg(sec, SEG_MEM, 0, 0);
		return ret;
	default:
		sec->nil = true;
		return 0;
	}
}

static int need_tree(int fd, struct mime_part **root_inout)
{
	if (*root_inout != NULL)
		return 0;
	return mime_parse_fd(fd, NULL, root_inout);
}

/* Sections of the message itself: BODY[], BINARY[], HEADER, TEXT ... */
static int resolve_top(struct imap_section *sec, struct mime_part **root_inout,
		       const struct imap_fetch_body *b)
{
	const struct mime_part *root;
	uint64_t header_size;
	struct stat st;
	int ret;

	if (b->text == IMAP_FETCH_TEXT_ALL && sec->binary) {
		if ((ret = need_tree(sec->fd, root_inout)) < 0)
			return ret;
		root = *root_inout;
		if (root->flags &
		    (MIME_PART_MULTIPART | MIME_PART_HAS_MESSAGE)) {
			add_seg(sec, SEG_RAW, root->hdr_offset, root->body_end);
			return 0;
		}
		add_seg(sec, SEG_RAW, root->hdr_offset, root->body_offset);
		return add_body(sec, root);
	}
	if (fstat(sec->fd, &st) < 0)
		return -errno;
	if (b->text == IMAP_FETCH_TEXT_ALL) {
		add_seg(sec, SEG_RAW, 0, (uint64_t)st.st_size);
		return 0;
	}
	if (*root_inout != NULL) {
		root = *root_inout;
		return add_message_text(sec, b, root->hdr_offset,
					root->body_offset, root->body_end);
	}
	/* The field filter stops at the header's empty line by itself. */
	if (b->text == IMAP_FETCH_TEXT_HEADER_FIELDS ||
	    b->text == IMAP_FETCH_TEXT_HEADER_FIELDS_NOT)
		return add_message_text(sec, b, 0, (uint64_t)st.st_size,
					(uint64_t)st.st_size);
	/* Finding where the header ends is much cheaper than parsing the
	 * whole message, and clients fetch headers of every message. */
	ret = header_end_fd(sec->fd, 0, sec->chunk, HEADER_END_READ,
			    &header_size);
	if (ret == 0)
		ret = add_message_text(sec, b, 0, header_size,
				       (uint64_t)st.st_size);
	return ret;
}

static int resolve_part(struct imap_section *sec,
			struct mime_part **root_inout,
			const struct imap_fetch_body *b)
{
	const struct mime_part *p, *m;
	struct buf num = BUF_INIT;
	unsigned int i;
	int ret;

	if ((ret = need_tree(sec->fd, root_inout)) < 0)
		return ret;
	for (i = 0; i < b->part_count; i++)
		buf_printf(&num, "%s%u", i > 0 ? "." : "", b->parts[i]);
	p = mime_part_find(*root_inout, num.data);
	buf_release(&num);
	if (p == NULL) {
		sec->nil = true;
		return 0;
	}
	switch (b->text) {
	case IMAP_FETCH_TEXT_ALL:
		return add_body(sec, p);
	case IMAP_FETCH_TEXT_MIME:
		add_seg(sec, SEG_RAW, p->hdr_offset, p->body_offset);
		return 0;
	default:
		/* HEADER and TEXT after a number: of a message/rfc822 part's
		 * embedded message only. */
		if (!(p->flags & MIME_PART_HAS_MESSAGE) ||
		    p->children == NULL) {
			sec->nil = true;
			return 0;
		}
		m = p->children;
		return add_message_text(sec, b, m->hdr_offset, m->body_offset,
					m->body_end);
	}
}

/*
 * One pass to learn the exact size, up to the end of the window.  Content
 * that one read produced whole (most messages and parts: up to a chunk)
 * is kept from this pass and given from memory, so it is read once; the
 * rest is produced again, chunk by chunk, as it is sent.
 */
static int measure(struct imap_section *sec, const struct imap_fetch_body *b)
{
	uint64_t total = 0, limit = UINT64_MAX;
	struct buf kept = BUF_INIT;
	unsigned int chunks = 0;
	int ret;

	if (b->partial)
		limit = (uint64_t)b->origin + b->length;
	while (total < limit) {
		size_t n;

		ret = refill(sec);
		if (ret < 0) {
			buf_release(&kept);
			return ret;
		}
		if (ret == 0)
			break;
		n = sec->pend.len - sec->pend_off;
		if (sec->binary &&
		    memchr(sec->pend.data + sec->pend_off, '\0', n) != NULL)
			sec->has_nul = true;
		total += n;
		/* The first chunk's buffer changes hands, no copy. */
		if (++chunks == 1 && sec->pend_off == 0)
			buf_swap(&kept, &sec->pend);
		else
			buf_reset(&kept);
		sec->pend_off = sec->pend.len;
	}
	if (!b->partial)
		sec->size = total;
	else if (total <= b->origin)
		sec->size = 0;
	else
		sec->size = total - b->origin < b->length
			    ? total - b->origin : b->length;
	producer_reset(sec);
	if (chunks <= 1 && kept.len == total) {
		buf_swap(&kept, &sec->pend);
		sec->cur = sec->nsegs;	/* nothing more to produce */
	}
	buf_release(&kept);
	sec->skip = b->partial ? b->origin : 0;
	sec->left = sec->size;
	return 0;
}

int imap_section_open(struct imap_section **sec_r, int fd,
		      struct mime_part **root_inout,
		      const struct imap_fetch_body *body)
{
	struct imap_section *sec = xcalloc(1, sizeof(*sec));
	int ret;

	sec->fd = fd;
	buf_init(&sec->mem);
	buf_init(&sec->tmp);
	buf_init(&sec->pend);
	/* BINARY applies to whole parts; anything else is read as BODY. */
	sec->binary = body->kind != IMAP_FETCH_KIND_BODY &&
		      body->text == IMAP_FETCH_TEXT_ALL;
	sec->chunk = xmalloc(IMAP_CRLF_CHUNK);
	if (body->part_count == 0)
		ret = resolve_top(sec, root_inout, body);
	else
		ret = resolve_part(sec, root_inout, body);
	if (ret == 0 && !sec->nil)
		ret = measure(sec, body);
	if (ret < 0) {
		imap_section_free(&sec);
		*sec_r = NULL;
		return ret;
	}
	*sec_r = sec;
	return 0;
}

uint64_t imap_section_size(const struct imap_section *sec)
{
	return sec->size;
}

bool imap_section_nil(const struct imap_section *sec)
{
	return sec->nil;
}

bool imap_section_has_nul(const struct imap_section *sec)
{
	return sec->has_nul;
}

ssize_t imap_section_read(struct imap_section *sec, void *buf, size_t len)
{
	char *out = buf;
	size_t done = 0;

	while (done < len && sec->left > 0) {
		size_t avail, n;
		int ret;

		if (sec->pend_off == sec->pend.len) {
			ret = refill(sec);
			if (ret < 0)
				return ret;
			if (ret == 0)
				return -EIO;	/* the file shrank */
		}
		avail = sec->pend.len - sec->pend_off;
		if (sec->skip > 0) {
			n = sec->skip < avail ? (size_t)sec->skip : avail;
			sec->skip -= n;
			sec->pend_off += n;
			continue;
		}
		n = avail;
		if (n > len - done)
			n = len - done;
		if (n > sec->left)
			n = (size_t)sec->left;
		memcpy(out + done, sec->pend.data + sec->pend_off, n);
		sec->pend_off += n;
		sec->left -= n;
		done += n;
	}
	return (ssize_t)done;
}

void imap_section_free(struct imap_section **secp)
{
	struct imap_section *sec = *secp;

	if (sec == NULL)
		return;
	buf_release(&sec->mem);
	buf_release(&sec->tmp);
	buf_release(&sec->pend);
	free(sec->chunk);
	free(sec);
	*secp = NULL;
}
