/* The streaming MIME structure parser; see mime.h. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "header.h"
#include "mime.h"
#include "util.h"

/* Room after the boundary on a boundary line: "--", then whitespace
 * (transport padding) and the line break. */
#define BOUNDARY_LINE_SLACK 80
/* Read size of mime_parse_fd(). */
#define MIME_READ_SIZE 65536

/* The Content-* fields of the header being read; first one wins. */
enum {
	F_TYPE, F_DISP, F_CTE, F_ID, F_DESC, F_LANG, F_MD5, F_LOC, F_COUNT,
};

static const char *const field_names[F_COUNT] = {
	"content-type", "content-disposition",
	"content-transfer-encoding", "content-id", "content-description",
	"content-language", "content-md5", "content-location",
};

struct mime_parser {
	struct mime_limits lim;
	struct mime_part *root;
	struct mime_part *cur;		/* innermost open part */
	unsigned int n_parts;
	unsigned int active_boundaries;
	bool in_header;			/* cur's header is being read */
	bool parts_stopped;		/* max_parts reached */

	struct header_parser hp;
	struct buf fields[F_COUNT];
	bool have[F_COUNT];

	uint64_t offset;		/* bytes fed so far */
	uint64_t lfs;			/* LFs in the lines completed */

	/* The current line: its start, length so far and, while it may be
	 * a boundary line, its bytes. */
	uint64_t line_start;
	uint64_t line_len;
	struct buf lb;
	size_t cap;
	bool lb_flushed;	/* header: the prefix went to the parser */
	bool not_candidate;	/* body: cannot be a boundary line */
	bool eol_cr;		/* the LF ending the line had a CR before */
	char last_byte;

	/* The previous line. */
	unsigned int prev_eol_len;
	uint64_t prev_content_len;
};

static int field_cb(void *ctx, const struct header_field *f)
{
	struct mime_parser *mp = ctx;
	unsigned int i;

	if (f->name_len < 8 || strncasecmp(f->name, "content-", 8) != 0)
		return 0;
	for (i = 0; i < F_COUNT; i++) {
		if (strcasecmp(f->name, field_names[i]) != 0 || mp->have[i])
			continue;
		mp->have[i] = true;
		buf_append(&mp->fields[i], f->value, f->value_len);
	}
	return 0;
}

/* A heap copy of a header value with NULs made spaces. */
static char *value_dup(const struct buf *b)
{
	char *s = xmalloc(b->len + 1);
	size_t i;

	for (i = 0; i < b->len; i++)
		s[i] = b->data[i] == '\0' ? ' ' : b->data[i];
	s[b->len] = '\0';
	return s;
}

static void start_header(struct mime_parser *mp, struct mime_part *p)
{
	unsigned int i;

	mp->cur = p;
	mp->in_header = true;
	header_parser_reset(&mp->hp);
	for (i = 0; i < F_COUNT; i++) {
		buf_reset(&mp->fields[i]);
		mp->have[i] = false;
	}
}

static struct mime_part *new_part(struct mime_parser *mp,
				  struct mime_part *parent)
{
	struct mime_part *p;

	if (mp->n_parts >= mp->lim.max_parts) {
		/* From here on the rest is the body of the open part. */
		mp->root->flags |= MIME_PART_TOO_MANY_PARTS;
		mp->parts_stopped = true;
		return NULL;
	}
	p = xcalloc(1, sizeof(*p));
	mp->n_parts++;
	p->parent = parent;
	if (parent != NULL) {
		p->depth = parent->depth + 1;
		if (parent->last_child != NULL)
			parent->last_child->next = p;
		else
			parent->children = p;
		parent->last_child = p;
		parent->n_children++;
	}
	return p;
}

/* Fills the part's fields from the header just read. */
static void apply_fields(struct mime_parser *mp, struct mime_part *p)
{
	const struct mime_param *prm;
	struct buf value = BUF_INIT;
	struct mime_part *parent = p->parent;

	if (mp->have[F_TYPE])
		mime_param_parse_content_type(mp->fields[F_TYPE].data,
					      mp->fields[F_TYPE].len, &p->type,
					      &p->subtype, &p->params);
	if (p->type == NULL) {
		/* RFC 2046 section 5.1.5: parts of a digest default to
		 * message/rfc822. */
		bool digest = parent != NULL && !(p->flags & MIME_PART_MESSAGE)
			      && mime_part_is(parent, "multipart", "digest");

		p->type = xstrdup(digest ? "message" : "text");
		p->subtype = xstrdup(digest ? "rfc822" : "plain");
	}
	if (mp->have[F_DISP]) {
		mime_param_parse(mp->fields[F_DISP].data,
				 mp->fields[F_DISP].len, &value,
				 &p->disp_params);
		if (value.len > 0)
			p->disposition = buf_detach(&value);
	}
	prm = mime_params_find(&p->disp_params, "filename");
	if (prm == NULL || prm->value[0] == '\0')
		prm = mime_params_find(&p->params, "name");
	if (prm != NULL && prm->value[0] != '\0')
		p->filename = xstrdup(prm->value);
	if (mp->have[F_CTE]) {
		p->cte_raw = value_dup(&mp->fields[F_CTE]);
		p->cte = decode_cte_parse(p->cte_raw);
	}
	if (mp->have[F_ID])
		p->content_id = value_dup(&mp->fields[F_ID]);
	if (mp->have[F_DESC])
		p->description = value_dup(&mp->fields[F_DESC]);
	if (mp->have[F_LANG])
		p->language = value_dup(&mp->fields[F_LANG]);
	if (mp->have[F_MD5])
		p->md5 = value_dup(&mp->fields[F_MD5]);
	if (mp->have[F_LOC])
		p->location = value_dup(&mp->fields[F_LOC]);
	buf_release(&value);
}

/*
 * The header of the current part ended at `body_offset`: by its empty
 * line, or `interrupted` by a boundary line or the end of the input, in
 * which case the body is empty and not looked into.
 */
static void header_end(struct mime_parser *mp, uint64_t body_offset,
		       bool interrupted)
{
	struct mime_part *p = mp->cur, *m;
	const struct mime_param *b;

	if (!header_parser_done(&mp->hp))
		header_parser_finish(&mp->hp);
	mp->in_header = false;
	apply_fields(mp, p);
	p->body_offset = body_offset;
	p->lf_at_body = mp->lfs;
	if (interrupted) {
		p->flags |= MIME_PART_NO_BODY_SEP;
		return;
	}
	if (strcmp(p->type, "multipart") == 0) {
		b = mime_params_find(&p->params, "boundary");
		if (b == NULL || b->raw[0] == '\0' ||
		    strlen(b->raw) > mp->lim.max_boundary ||
		    p->depth >= mp->lim.max_depth || mp->parts_stopped) {
			p->flags |= MIME_PART_OPAQUE;
			return;
		}
		p->boundary = xstrdup(b->raw);
		p->boundary_len = strlen(b->raw);
		p->flags |= MIME_PART_MULTIPART;
		mp->active_boundaries++;
		return;
	}
	if (strcmp(p->type, "message") == 0 &&
	    (strcmp(p->subtype, "rfc822") == 0 ||
	     strcmp(p->subtype, "global") == 0)) {
		/* An encoded message cannot be parsed in place. */
		if (p->cte == CTE_BASE64 || p->cte == CTE_QP ||
		    p->cte == CTE_UNKNOWN || p->depth >= mp->lim.max_depth ||
		    (m = new_part(mp, p)) == NULL) {
			p->flags |= MIME_PART_OPAQUE;
			return;
		}
		p->flags |= MIME_PART_HAS_MESSAGE;
		m->flags |= MIME_PART_MESSAGE;
		m->hdr_offset = body_offset;
		start_header(mp, m);
	}
}

/* Ends the body of an open part, at a boundary line or at the end. */
static void part_close(struct mime_parser *mp, struct mime_part *p,
		       bool at_boundary)
{
	uint64_t end;

	if (at_boundary) {
		/* The line break before the boundary line is the
		 * boundary's, unless a child's empty body starts after it
		 * (a header ended by an empty line right before the
		 * boundary): a part never ends before its children. */
		end = mp->line_start - mp->prev_eol_len;
		if (p->last_child != NULL && p->last_child->body_end > end)
			end = p->last_child->body_end;
	} else {
		end = mp->offset;
	}
	p->body_end = end > p->body_offset ? end : p->body_offset;
	if (end <= p->body_offset)
		p->body_lines = 0;
	else if (!at_boundary)
		p->body_lines = mp->lfs - p->lf_at_body +
				(mp->prev_eol_len == 0 &&
				 mp->prev_content_len > 0);
	else if (end == mp->line_start - mp->prev_eol_len)
		p->body_lines = mp->lfs - 1 - p->lf_at_body +
				(mp->prev_content_len > 0);
	else
		p->body_lines = mp->lfs - p->lf_at_body;
	if (p->boundary != NULL && !p->closed) {
		p->closed = true;
		mp->active_boundaries--;
	}
}

static bool all_wsp(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return false;
	return true;
}

/* The open multipart whose boundary line this is, or NULL. */
static struct mime_part *find_boundary(struct mime_parser *mp,
				       const char *s, size_t len,
				       bool *close_r)
{
	struct mime_part *p;
	int pass;

	if (len < 2 || s[0] != '-' || s[1] != '-')
		return NULL;
	for (pass = 0; pass < 2; pass++) {
		for (p = mp->cur; p != NULL; p = p->parent) {
			const char *rest;
			size_t rlen;
			bool close;

			if (p->boundary == NULL || p->closed ||
			    len - 2 < p->boundary_len ||
			    memcmp(s + 2, p->boundary, p->boundary_len) != 0)
				continue;
			rest = s + 2 + p->boundary_len;
			rlen = len - 2 - p->boundary_len;
			close = rlen >= 2 && rest[0] == '-' && rest[1] == '-';
			if (close) {
				rest += 2;
				rlen -= 2;
			}
			/* Pass 0 wants an exact match, pass 1 a prefix. */
			if (pass == 1 || all_wsp(rest, rlen)) {
				*close_r = close;
				return p;
			}
		}
	}
	return NULL;
}

static void handle_boundary(struct mime_parser *mp, struct mime_part *mp_a,
			    bool close)
{
	struct mime_part *p, *c;

	for (p = mp->cur; p != mp_a; p = p->parent) {
		if (p == mp->cur && mp->in_header)
			header_end(mp, mp->line_start, true);
		part_close(mp, p, true);
	}
	mp->cur = mp_a;
	mp->in_header = false;
	if (close) {
		mp_a->closed = true;
		mp->active_boundaries--;
		return;
	}
	c = new_part(mp, mp_a);
	if (c == NULL)
		return;
	c->hdr_offset = mp->line_start + mp->line_len;
	start_header(mp, c);
}

static void header_feed(struct mime_parser *mp, const char *p, size_t n)
{
	size_t used;

	/* The header parser can only stop at a line's LF, which is always
	 * the end of what it is given here. */
	header_parser_feed(&mp->hp, p, n, &used);
}

/* Bytes of the current line (the whole rest of it, or part of it). */
static void line_bytes(struct mime_parser *mp, const char *p, size_t n)
{
	if (n >= 2)
		mp->eol_cr = p[n - 2] == '\r';
	else
		mp->eol_cr = mp->line_len > 0 && mp->last_byte == '\r';
	mp->last_byte = p[n - 1];
	mp->line_len += n;
	if (mp->in_header) {
		if (mp->lb_flushed) {
			header_feed(mp, p, n);
		} else if (mp->lb.len + n <= mp->cap) {
			buf_append(&mp->lb, p, n);
		} else {
			/* Too long for a boundary line. */
			header_feed(mp, mp->lb.data, mp->lb.len);
			header_feed(mp, p, n);
			buf_reset(&mp->lb);
			mp->lb_flushed = true;
		}
		return;
	}
	if (mp->not_candidate || mp->active_boundaries == 0 ||
	    mp->parts_stopped)
		return;
	if (mp->lb.len + n > mp->cap) {
		mp->not_candidate = true;
		return;
	}
	buf_append(&mp->lb, p, n);
	if (mp->lb.data[0] != '-' ||
	    (mp->lb.len >= 2 && mp->lb.data[1] != '-'))
		mp->not_candidate = true;
}

static void line_end(struct mime_parser *mp, bool has_lf)
{
	unsigned int eol_len = has_lf ? 1 + mp->eol_cr : 0;
	uint64_t content_len = mp->line_len - eol_len;
	struct mime_part *a = NULL;
	bool close = false, buffered;

	buffered = mp->in_header ? !mp->lb_flushed
				 : !mp->not_candidate && mp->lb.len > 0;
	if (buffered && mp->active_boundaries > 0 && !mp->parts_stopped)
		a = find_boundary(mp, mp->lb.data, (size_t)content_len,
				  &close);
	if (a != NULL)
		handle_boundary(mp, a, close);
	else if (mp->in_header && !mp->lb_flushed)
		header_feed(mp, mp->lb.data, mp->lb.len);
	if (has_lf)
		mp->lfs++;
	if (a == NULL && mp->in_header && header_parser_done(&mp->hp))
		header_end(mp, mp->line_start + mp->line_len, false);
	mp->prev_eol_len = eol_len;
	mp->prev_content_len = content_len;
	mp->line_start += mp->line_len;
	mp->line_len = 0;
	buf_reset(&mp->lb);
	mp->lb_flushed = false;
	mp->not_candidate = false;
}

struct mime_parser *mime_parser_new(const struct mime_limits *limits)
{
	static const struct mime_limits defaults = MIME_LIMITS_DEFAULT;
	struct mime_parser *mp = xcalloc(1, sizeof(*mp));
	unsigned int i;

	mp->lim = limits != NULL ? *limits : defaults;
	if (mp->lim.max_parts == 0)
		mp->lim.max_parts = 1;
	/* Section numbers are built on the stack for up to 256 levels. */
	if (mp->lim.max_depth > MIME_DEPTH_HARD_MAX)
		mp->lim.max_depth = MIME_DEPTH_HARD_MAX;
	mp->cap = mp->lim.max_boundary + BOUNDARY_LINE_SLACK;
	buf_init(&mp->lb);
	for (i = 0; i < F_COUNT; i++)
		buf_init(&mp->fields[i]);
	header_parser_init(&mp->hp, mp->lim.max_header_value, field_cb, mp);
	mp->root = new_part(mp, NULL);
	mp->root->flags |= MIME_PART_MESSAGE;
	start_header(mp, mp->root);
	return mp;
}

void mime_parser_feed(struct mime_parser *mp, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		const char *nl = memchr(p, '\n', len);
		size_t n = nl != NULL ? (size_t)(nl - p) + 1 : len;

		line_bytes(mp, p, n);
		mp->offset += n;
		p += n;
		len -= n;
		if (nl != NULL)
			line_end(mp, true);
	}
}

void mime_parser_free(struct mime_parser **mpp)
{
	struct mime_parser *mp = *mpp;
	unsigned int i;

	if (mp == NULL)
		return;
	header_parser_release(&mp->hp);
	for (i = 0; i < F_COUNT; i++)
		buf_release(&mp->fields[i]);
	buf_release(&mp->lb);
	mime_part_free(&mp->root);
	free(mp);
	*mpp = NULL;
}

struct mime_part *mime_parser_finish(struct mime_parser **mpp)
{
	struct mime_parser *mp = *mpp;
	struct mime_part *p, *root;

	if (mp->line_len > 0)
		line_end(mp, false);
	if (mp->in_header)
		header_end(mp, mp->offset, true);
	for (p = mp->cur; p != NULL; p = p->parent)
		part_close(mp, p, false);
	root = mp->root;
	mp->root = NULL;
	mime_parser_free(mpp);
	return root;
}

struct mime_part *mime_parse_buf(const void *data, size_t len,
				 const struct mime_limits *limits)
{
	struct mime_parser *mp = mime_parser_new(limits);

	mime_parser_feed(mp, data, len);
	return mime_parser_finish(&mp);
}

int mime_parse_fd(int fd, const struct mime_limits *limits,
		  struct mime_part **root_r)
{
	struct mime_parser *mp = mime_parser_new(limits);
	char *chunk = xmalloc(MIME_READ_SIZE);
	off_t off = 0;

	for (;;) {
		ssize_t n = pread(fd, chunk, MIME_READ_SIZE, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = -errno;

			free(chunk);
			mime_parser_free(&mp);
			*root_r = NULL;
			return err;
		}
		if (n == 0)
			break;
		mime_parser_feed(mp, chunk, (size_t)n);
		off += n;
	}
	free(chunk);
	*root_r = mime_parser_finish(&mp);
	return 0;
}
