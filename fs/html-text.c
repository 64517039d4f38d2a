/* Streaming HTML-to-text reduction; see html-text.h. */

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "html-text.h"
#include "utf8.h"
#include "util.h"

enum {
	H_TEXT,
	H_TAG_OPEN,	/* after '<' */
	H_TAG_NAME,
	H_TAG_REST,	/* attributes, up to '>' */
	H_DECL,		/* "<!" or "<?" */
	H_COMMENT,	/* "<!--" up to "-->" */
	H_ENTITY,	/* after '&' */
};

enum { SKIP_NONE, SKIP_SCRIPT, SKIP_STYLE, SKIP_HEAD };

static const char *const block_tags[] = {
	"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6",
	"table", "ul", "ol", "blockquote", "pre", "hr", "dd", "dt", "title",
	"section", "article", "header", "footer", "form",
};

static const struct {
	const char *name;
	uint32_t cp;
} entities[] = {
	{ "amp", '&' }, { "lt", '<' }, { "gt", '>' }, { "quot", '"' },
	{ "apos", '\'' }, { "nbsp", 0xa0 }, { "copy", 0xa9 },
	{ "reg", 0xae }, { "trade", 0x2122 }, { "mdash", 0x2014 },
	{ "ndash", 0x2013 }, { "hellip", 0x2026 }, { "euro", 0x20ac },
	{ "laquo", 0xab }, { "raquo", 0xbb }, { "lsquo", 0x2018 },
	{ "rsquo", 0x2019 }, { "ldquo", 0x201c }, { "rdquo", 0x201d },
	{ "bull", 0x2022 }, { "middot", 0xb7 }, { "deg", 0xb0 },
	{ "pound", 0xa3 }, { "yen", 0xa5 }, { "cent", 0xa2 },
	{ "sect", 0xa7 }, { "times", 0xd7 }, { "shy", 0xad },
	{ "agrave", 0xe0 }, { "aacute", 0xe1 }, { "acirc", 0xe2 },
	{ "auml", 0xe4 }, { "ccedil", 0xe7 }, { "egrave", 0xe8 },
	{ "eacute", 0xe9 }, { "ecirc", 0xea }, { "iacute", 0xed },
	{ "ntilde", 0xf1 }, { "oacute", 0xf3 }, { "ouml", 0xf6 },
	{ "uacute", 0xfa }, { "uuml", 0xfc }, { "szlig", 0xdf },
	{ "Auml", 0xc4 }, { "Ouml", 0xd6 }, { "Uuml", 0xdc },
	{ "Eacute", 0xc9 },
};

void html_text_init(struct html_text *h)
{
	memset(h, 0, sizeof(*h));
	h->state = H_TEXT;
}

static void put_cp(struct buf *out, uint32_t cp)
{
	/* What has no place in text becomes U+FFFD. */
	if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ||
	    (cp < 0x20 && cp != '\t' && cp != '\n') ||
	    (cp >= 0x7f && cp < 0xa0))
		cp = 0xfffd;
	utf8_put(out, cp);
}

/* Writes pending whitespace before visible text. */
static void text_start(struct html_text *h, struct buf *out)
{
	if (h->space_pending && h->started && h->newlines == 0)
		buf_putc(out, ' ');
	h->space_pending = false;
	h->started = true;
	h->newlines = 0;
}

static void text_byte(struct html_text *h, char c, struct buf *out)
{
	if (h->skip != SKIP_NONE)
		return;
	if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f') {
		h->space_pending = true;
		return;
	}
	if ((unsigned char)c < 0x20 || c == 0x7f)
		return;
	text_start(h, out);
	buf_putc(out, c);
}

static void line_break(struct html_text *h, struct buf *out)
{
	h->space_pending = false;
	/* At most one empty line in a row, none at the start. */
	if (!h->started || h->newlines >= 2)
		return;
	buf_putc(out, '\n');
	h->newlines++;
}

static void tag_end(struct html_text *h, struct buf *out)
{
	size_t i;

	h->tag[h->tag_len] = '\0';
	if (strcmp(h->tag, "script") == 0 || strcmp(h->tag, "style") == 0 ||
	    strcmp(h->tag, "head") == 0) {
		unsigned int which = h->tag[1] == 'c' ? SKIP_SCRIPT :
				     h->tag[1] == 't' ? SKIP_STYLE : SKIP_HEAD;

		if (!h->tag_closing)
			h->skip = which;
		else if (h->skip == which)
			h->skip = SKIP_NONE;
		return;
	}
	if (h->skip != SKIP_NONE)
		return;
	for (i = 0; i < ARRAY_SIZE(block_tags); i++) {
		if (strcmp(h->tag, block_tags[i]) == 0) {
			line_break(h, out);
			if (strcmp(h->tag, "p") == 0 && !h->tag_closing)
				line_break(h, out);
			return;
		}
	}
	/* Inline tags separate words only if the source had spaces. */
}

static void entity_end(struct html_text *h, struct buf *out, bool semi)
{
	uint32_t cp = 0;
	size_t i;
	bool known = false;

	h->ent[h->ent_len] = '\0';
	if (h->ent[0] == '#') {
		bool hex = h->ent[1] == 'x' || h->ent[1] == 'X';
		const char *start = h->ent + (hex ? 2 : 1);
		char *end;
		unsigned long v = 0;

		if (isxdigit((unsigned char)*start))
			v = strtoul(start, &end, hex ? 16 : 10);
		else
			end = (char *)start;
		if (*end == '\0' && end != start) {
			cp = v > 0x10ffff ? 0xfffd : (uint32_t)v;
			known = true;
		}
	} else {
		for (i = 0; i < ARRAY_SIZE(entities); i++) {
			if (strcmp(h->ent, entities[i].name) == 0) {
				cp = entities[i].cp;
				known = true;
				break;
			}
		}
	}
	h->state = H_TEXT;
	if (h->skip != SKIP_NONE)
		return;
	if (!known) {
		/* Not an entity: the text as written. */
		text_start(h, out);
		buf_putc(out, '&');
		buf_append(out, h->ent, h->ent_len);
		if (semi)
			buf_putc(out, ';');
		return;
	}
	if (cp == 0xa0) {
		text_start(h, out);
		buf_putc(out, ' ');
		return;
	}
	text_start(h, out);
	put_cp(out, cp);
}

void html_text_feed(struct html_text *h, const char *data, size_t len,
		    struct buf *out)
{
	size_t i = 0;

	while (i < len) {
		char c = data[i];

		switch (h->state) {
		case H_TEXT:
			if (c == '<')
				h->state = H_TAG_OPEN;
			else if (c == '&') {
				h->state = H_ENTITY;
				h->ent_len = 0;
			} else
				text_byte(h, c, out);
			break;
		case H_TAG_OPEN:
			h->tag_len = 0;
			h->tag_closing = false;
			h->quote = 0;
			if (c == '/') {
				h->tag_closing = true;
				h->state = H_TAG_NAME;
			} else if (c == '!' || c == '?') {
				h->state = H_DECL;
				h->dashes = 0;
			} else if (isalpha((unsigned char)c)) {
				h->state = H_TAG_NAME;
				continue;
			} else {
				/* "a < b": not a tag. */
				h->state = H_TEXT;
				text_byte(h, '<', out);
				continue;
			}
			break;
		case H_TAG_NAME:
			if (isalnum((unsigned char)c)) {
				if (h->tag_len + 1 < HTML_TAG_NAME_MAX)
					h->tag[h->tag_len++] =
						(char)tolower((unsigned char)c);
				break;
			}
			h->state = H_TAG_REST;
			continue;
		case H_TAG_REST:
			if (h->quote != 0) {
				if (c == h->quote)
					h->quote = 0;
			} else if (c == '"' || c == '\'') {
				h->quote = c;
			} else if (c == '>') {
				h->state = H_TEXT;
				tag_end(h, out);
			}
			break;
		case H_DECL:
			if (c == '-' && h->dashes < 2 && ++h->dashes == 2) {
				h->state = H_COMMENT;
				h->dashes = 0;
			} else if (c == '>') {
				h->state = H_TEXT;
			} else if (c != '-') {
				h->dashes = 3;	/* not a comment */
			}
			break;
		case H_COMMENT:
			if (c == '>' && h->dashes >= 2)
				h->state = H_TEXT;
			h->dashes = c == '-' ? h->dashes + 1 : 0;
			break;
		case H_ENTITY:
			if (c == ';') {
				entity_end(h, out, true);
				break;
			}
			if ((isalnum((unsigned char)c) ||
			     (c == '#' && h->ent_len == 0)) &&
			    h->ent_len + 1 < HTML_ENTITY_MAX) {
				h->ent[h->ent_len++] = c;
				break;
			}
			entity_end(h, out, false);
			continue;
		}
		i++;
	}
}

void html_text_finish(struct html_text *h, struct buf *out)
{
	if (h->state == H_ENTITY)
		entity_end(h, out, false);
	h->state = H_TEXT;
}
