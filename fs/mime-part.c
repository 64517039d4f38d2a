/* The tree of MIME parts: walking, IMAP numbering, dumping; see mime.h. */

#include <stdlib.h>
#include <string.h>

#include "mime.h"
#include "util.h"

/* Section numbers beyond this many levels cannot name a part (the depth
 * limit is far lower); it bounds the parsing of a client's string. */
#define SECTION_MAX_LEVELS 256

static void part_free_one(struct mime_part *p)
{
	free(p->type);
	free(p->subtype);
	mime_params_release(&p->params);
	free(p->disposition);
	mime_params_release(&p->disp_params);
	free(p->filename);
	free(p->cte_raw);
	free(p->content_id);
	free(p->description);
	free(p->language);
	free(p->md5);
	free(p->location);
	free(p->boundary);
	free(p);
}

void mime_part_free(struct mime_part **rootp)
{
	struct mime_part *p = *rootp, *next;

	if (p == NULL)
		return;
	/* Iterative post-order walk: trees can be wide and deep. */
	p->parent = NULL;
	while (p != NULL) {
		if (p->children != NULL) {
			next = p->children;
			p->children = NULL;
			p = next;
			continue;
		}
		next = p->next != NULL ? p->next : p->parent;
		if (p == *rootp)
			next = NULL;
		part_free_one(p);
		p = next;
	}
	*rootp = NULL;
}

struct mime_part *mime_part_next(const struct mime_part *p)
{
	if (p->children != NULL)
		return p->children;
	while (p != NULL && p->next == NULL)
		p = p->parent;
	return p != NULL ? p->next : NULL;
}

unsigned int mime_part_count(const struct mime_part *root)
{
	const struct mime_part *p;
	unsigned int n = 0;

	/* Counting must stay inside root's subtree. */
	for (p = root; p != NULL; ) {
		n++;
		if (p->children != NULL) {
			p = p->children;
			continue;
		}
		while (p != root && p->next == NULL)
			p = p->parent;
		p = p == root ? NULL : p->next;
	}
	return n;
}

const char *mime_part_charset(const struct mime_part *part)
{
	const struct mime_param *p = mime_params_find(&part->params, "charset");

	return p != NULL && p->raw[0] != '\0' ? p->raw : NULL;
}

bool mime_part_is(const struct mime_part *part, const char *type,
		  const char *subtype)
{
	return strcmp(part->type, type) == 0 &&
	       (subtype == NULL || strcmp(part->subtype, subtype) == 0);
}

bool mime_part_is_attachment(const struct mime_part *part)
{
	if (part->disposition != NULL &&
	    strcmp(part->disposition, "attachment") == 0)
		return true;
	if (part->disposition != NULL &&
	    strcmp(part->disposition, "inline") == 0)
		return false;
	return part->filename != NULL;
}

static unsigned int child_index(const struct mime_part *p)
{
	const struct mime_part *c;
	unsigned int i = 1;

	for (c = p->parent->children; c != p; c = c->next)
		i++;
	return i;
}

void mime_part_section(const struct mime_part *p, struct buf *out)
{
	unsigned int idx[SECTION_MAX_LEVELS + 2];
	size_t n = 0, i;
	bool root_one = false;

	/* Collect numbers from the part up to the root, then print them
	 * in reverse. */
	for (; p != NULL && n < SECTION_MAX_LEVELS; p = p->parent) {
		if (p->parent == NULL) {
			/* The root's body is "1" unless it is multipart. */
			root_one = !(p->flags & MIME_PART_MULTIPART);
			break;
		}
		if (p->flags & MIME_PART_MESSAGE) {
			/* An embedded message: multipart ones share the
			 * number of their message/rfc822 part. */
			if (!(p->flags & MIME_PART_MULTIPART))
				idx[n++] = 1;
			continue;
		}
		idx[n++] = child_index(p);
	}
	if (root_one)
		idx[n++] = 1;
	for (i = n; i > 0; i--)
		buf_printf(out, "%s%u", i == n ? "" : ".", idx[i - 1]);
}

static struct mime_part *nth_child(const struct mime_part *p,
				   unsigned long n)
{
	struct mime_part *c;

	for (c = p->children; c != NULL && n > 1; c = c->next)
		n--;
	return n == 1 ? c : NULL;
}

struct mime_part *mime_part_find(const struct mime_part *root,
				 const char *section)
{
	const struct mime_part *p = root;
	bool msg_ctx = true;	/* p is a message, not yet a numbered part */
	const char *s = section;
	unsigned int levels = 0;

	if (*s == '\0')
		return NULL;
	while (*s != '\0') {
		unsigned long n = 0;

		if (*s < '1' || *s > '9' || ++levels > SECTION_MAX_LEVELS)
			return NULL;
		while (*s >= '0' && *s <= '9') {
			n = n * 10 + (unsigned long)(*s++ - '0');
			if (n > 1000000)
				return NULL;
		}
		if (*s == '.') {
			s++;
			if (*s == '\0')
				return NULL;
		} else if (*s != '\0') {
			return NULL;
		}
		if (!msg_ctx && (p->flags & MIME_PART_HAS_MESSAGE)) {
			p = p->children;	/* into the embedded message */
			msg_ctx = true;
		}
		if (p->flags & MIME_PART_MULTIPART)
			p = nth_child(p, n);
		else if (!msg_ctx || n != 1)
			return NULL;
		if (p == NULL)
			return NULL;
		msg_ctx = false;
	}
	return (struct mime_part *)p;
}

static void dump_params(const struct mime_params *params, struct buf *out)
{
	unsigned int i;

	for (i = 0; i < params->n; i++)
		buf_printf(out, " %s=\"%s\"", params->v[i].name,
			   params->v[i].value);
}

void mime_part_dump(const struct mime_part *root, struct buf *out)
{
	const struct mime_part *p;

	for (p = root; p != NULL; p = mime_part_next(p)) {
		unsigned int i;

		for (i = 0; i < p->depth; i++)
			buf_puts(out, "  ");
		buf_putc(out, '[');
		mime_part_section(p, out);
		buf_printf(out, "] %s/%s hdr=%llu body=%llu end=%llu "
			   "lines=%llu flags=%#x children=%u", p->type,
			   p->subtype, (unsigned long long)p->hdr_offset,
			   (unsigned long long)p->body_offset,
			   (unsigned long long)p->body_end,
			   (unsigned long long)p->body_lines, p->flags,
			   p->n_children);
		dump_params(&p->params, out);
		if (p->disposition != NULL) {
			buf_printf(out, " disp=%s", p->disposition);
			dump_params(&p->disp_params, out);
		}
		if (p->filename != NULL)
			buf_printf(out, " filename=\"%s\"", p->filename);
		if (p->cte_raw != NULL)
			buf_printf(out, " cte=%s(%d)", p->cte_raw, p->cte);
		if (p->content_id != NULL)
			buf_printf(out, " id=%s", p->content_id);
		if (p->description != NULL)
			buf_printf(out, " desc=\"%s\"", p->description);
		if (p->language != NULL)
			buf_printf(out, " lang=%s", p->language);
		if (p->md5 != NULL)
			buf_printf(out, " md5=%s", p->md5);
		if (p->location != NULL)
			buf_printf(out, " loc=%s", p->location);
		buf_putc(out, '\n');
	}
}
