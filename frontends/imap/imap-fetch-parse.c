/* FETCH attributes and modifiers; see imap-fetch-parse.h. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "imap-fetch-parse.h"
#include "imap-parser.h"
#include "imap-quote.h"
#include "util.h"

void imap_fetch_init(struct imap_fetch *fetch)
{
	memset(fetch, 0, sizeof(*fetch));
}

static void body_release(struct imap_fetch_body *b)
{
	size_t i;

	for (i = 0; i < b->field_count; i++)
		free(b->fields[i]);
	free(b->fields);
}

void imap_fetch_release(struct imap_fetch *fetch)
{
	size_t i;

	for (i = 0; i < fetch->body_count; i++)
		body_release(&fetch->bodies[i]);
	free(fetch->bodies);
	imap_fetch_init(fetch);
}

static const struct {
	const char *name;
	unsigned int items;
} simple_items[] = {
	{ "ENVELOPE", IMAP_FETCH_ENVELOPE },
	{ "FLAGS", IMAP_FETCH_FLAGS },
	{ "INTERNALDATE", IMAP_FETCH_INTERNALDATE },
	{ "RFC822", IMAP_FETCH_RFC822 },
	{ "RFC822.HEADER", IMAP_FETCH_RFC822_HEADER },
	{ "RFC822.SIZE", IMAP_FETCH_RFC822_SIZE },
	{ "RFC822.TEXT", IMAP_FETCH_RFC822_TEXT },
	{ "BODY", IMAP_FETCH_BODY },
	{ "BODYSTRUCTURE", IMAP_FETCH_BODYSTRUCTURE },
	{ "UID", IMAP_FETCH_UID },
	{ "MODSEQ", IMAP_FETCH_MODSEQ },
};

static const struct {
	const char *name;
	enum imap_fetch_kind kind;
	bool peek;
} section_items[] = {
	{ "BODY", IMAP_FETCH_KIND_BODY, false },
	{ "BODY.PEEK", IMAP_FETCH_KIND_BODY, true },
	{ "BINARY", IMAP_FETCH_KIND_BINARY, false },
	{ "BINARY.PEEK", IMAP_FETCH_KIND_BINARY, true },
	{ "BINARY.SIZE", IMAP_FETCH_KIND_BINARY_SIZE, true },
};

static const struct {
	const char *name;
	enum imap_fetch_text text;
} section_texts[] = {
	{ "HEADER", IMAP_FETCH_TEXT_HEADER },
	{ "HEADER.FIELDS", IMAP_FETCH_TEXT_HEADER_FIELDS },
	{ "HEADER.FIELDS.NOT", IMAP_FETCH_TEXT_HEADER_FIELDS_NOT },
	{ "MIME", IMAP_FETCH_TEXT_MIME },
	{ "TEXT", IMAP_FETCH_TEXT_TEXT },
};

/* field-name of RFC 5322: printable ASCII without ':' (and no space). */
static bool valid_field_name(const char *s, size_t len)
{
	size_t i;

	if (len == 0)
		return false;
	for (i = 0; i < len; i++)
		if (s[i] <= 0x20 || s[i] >= 0x7f || s[i] == ':')
			return false;
	return true;
}

static int parse_fields(struct imap_fetch_body *b, const struct imap_arg *arg,
			const char **error_r)
{
	const struct imap_list *list;
	const char *s;
	size_t i, len;

	if (!imap_arg_get_list(arg, &list) || list->count == 0) {
		*error_r = "HEADER.FIELDS needs a list of field names";
		return -EINVAL;
	}
	b->fields = xcalloc(list->count, sizeof(*b->fields));
	for (i = 0; i < list->count; i++) {
		if (!imap_arg_get_astring(&list->args[i], &s, &len) ||
		    !valid_field_name(s, len)) {
			*error_r = "Invalid header field name";
			return -EINVAL;
		}
		b->fields[b->field_count++] = xstrndup(s, len);
	}
	return 0;
}

/* section-spec of RFC 3501, or section-binary of RFC 3516. */
static int parse_section(struct imap_fetch_body *b,
			 const struct imap_list *sec, const char **error_r)
{
	const char *s, *end, *text;
	uint64_t n;
	size_t i;

	b->text = IMAP_FETCH_TEXT_ALL;
	if (sec->count == 0)
		return 0;
	if (!imap_arg_get_atom(&sec->args[0], &s))
		goto bad;
	end = s + sec->args[0].len;
	/* section-part = nz-number *("." nz-number) */
	while (s < end && *s >= '1' && *s <= '9') {
		const char *dot = memchr(s, '.', (size_t)(end - s));
		const char *stop = dot != NULL ? dot : end;

		if (b->part_count >= IMAP_FETCH_MAX_PARTS) {
			*error_r = "Section part number too deep";
			return -EINVAL;
		}
		if (!imap_arg_parse_number(s, (size_t)(stop - s), UINT32_MAX, &n))
			goto bad;
		b->parts[b->part_count++] = (uint32_t)n;
		if (dot == NULL) {
			s = end;
			break;
		}
		s = dot + 1;
		if (s == end)
			goto bad;
	}
	if (s == end) {
		if (b->part_count == 0 || sec->count != 1)
			goto bad;
		return 0;
	}
	if (b->kind != IMAP_FETCH_KIND_BODY)
		goto bad;	/* BINARY takes part numbers only */
	text = s;
	for (i = 0; i < ARRAY_SIZE(section_texts); i++)
		if (strcasecmp(text, section_texts[i].name) == 0)
			break;
	if (i == ARRAY_SIZE(section_texts))
		goto bad;
	b->text = section_texts[i].text;
	if (b->text == IMAP_FETCH_TEXT_MIME && b->part_count == 0) {
		*error_r = "MIME needs a part number";
		return -EINVAL;
	}
	if (b->text == IMAP_FETCH_TEXT_HEADER_FIELDS ||
	    b->text == IMAP_FETCH_TEXT_HEADER_FIELDS_NOT) {
		if (sec->count != 2) {
			*error_r = "HEADER.FIELDS needs a list of field names";
			return -EINVAL;
		}
		return parse_fields(b, &sec->args[1], error_r);
	}
	if (sec->count != 1)
		goto bad;
	return 0;
bad:
	*error_r = "Invalid section";
	return -EINVAL;
}

/* partial = "<" number "." nz-number ">" */
static int parse_partial(struct imap_fetch_body *b, const char *s,
			 const char **error_r)
{
	const char *dot = strchr(s, '.');
	uint64_t origin, length;

	if (dot == NULL ||
	    !imap_arg_parse_number(s, (size_t)(dot - s), UINT32_MAX, &origin) ||
	    !imap_arg_parse_number(dot + 1, strlen(dot + 1), UINT32_MAX,
			       &length) || length == 0) {
		*error_r = "Invalid partial range";
		return -EINVAL;
	}
	b->partial = true;
	b->origin = (uint32_t)origin;
	b->length = (uint32_t)length;
	return 0;
}

static int parse_body(struct imap_fetch *fetch, const struct imap_arg *arg,
		      const char **error_r)
{
	struct imap_fetch_body *b;
	size_t i;
	int r;

	for (i = 0; i < ARRAY_SIZE(section_items); i++)
		if (strcasecmp(arg->str, section_items[i].name) == 0)
			break;
	if (i == ARRAY_SIZE(section_items)) {
		*error_r = "Unknown FETCH attribute";
		return -EINVAL;
	}
	fetch->bodies = xgrow(fetch->bodies, &fetch->body_cap,
			      fetch->body_count + 1, sizeof(*fetch->bodies));
	b = &fetch->bodies[fetch->body_count++];
	memset(b, 0, sizeof(*b));
	b->kind = section_items[i].kind;
	b->peek = section_items[i].peek;
	if ((r = parse_section(b, &arg->section, error_r)) < 0)
		return r;
	if (arg->flags & IMAP_ARG_PARTIAL) {
		if (b->kind == IMAP_FETCH_KIND_BINARY_SIZE) {
			*error_r = "BINARY.SIZE takes no partial range";
			return -EINVAL;
		}
		return parse_partial(b, arg->partial, error_r);
	}
	return 0;
}

static int parse_att(struct imap_fetch *fetch, const struct imap_arg *arg,
		     const char **error_r)
{
	size_t i;

	if (arg->type != IMAP_ARG_ATOM) {
		*error_r = "Invalid FETCH attribute";
		return -EINVAL;
	}
	if (arg->flags & IMAP_ARG_SECTION)
		return parse_body(fetch, arg, error_r);
	for (i = 0; i < ARRAY_SIZE(simple_items); i++) {
		if (strcasecmp(arg->str, simple_items[i].name) == 0) {
			fetch->items |= simple_items[i].items;
			return 0;
		}
	}
	*error_r = "Unknown FETCH attribute";
	return -EINVAL;
}

/* ( CHANGEDSINCE n VANISHED ) in any order, each at most once. */
static int parse_modifiers(struct imap_fetch *fetch,
			   const struct imap_arg *arg, const char **error_r)
{
	const struct imap_list *list;
	size_t i;

	if (!imap_arg_get_list(arg, &list) || list->count == 0)
		goto bad;
	for (i = 0; i < list->count; i++) {
		const struct imap_arg *a = &list->args[i];

		if (imap_arg_atom_equals(a, "CHANGEDSINCE")) {
			/* mod-sequence-value: 1 .. 2^63 - 1 */
			if (fetch->changedsince != 0 || i + 1 >= list->count ||
			    !imap_arg_get_number64(&list->args[i + 1],
						   &fetch->changedsince) ||
			    fetch->changedsince == 0) {
				*error_r = "Invalid CHANGEDSINCE";
				return -EINVAL;
			}
			i++;
		} else if (imap_arg_atom_equals(a, "VANISHED")) {
			if (fetch->vanished)
				goto bad;
			fetch->vanished = true;
		} else {
			goto bad;
		}
	}
	if (fetch->vanished && fetch->changedsince == 0) {
		*error_r = "VANISHED needs CHANGEDSINCE";
		return -EINVAL;
	}
	return 0;
bad:
	*error_r = "Invalid FETCH modifier";
	return -EINVAL;
}

int imap_fetch_parse(struct imap_fetch *fetch, const struct imap_arg *args,
		     size_t count, const char **error_r)
{
	const struct imap_list *list;
	size_t i;
	int r;

	imap_fetch_release(fetch);
	*error_r = NULL;
	if (count < 1 || count > 2) {
		*error_r = count == 0 ? "Missing FETCH attributes" :
			"Too many FETCH arguments";
		return -EINVAL;
	}
	if (imap_arg_atom_equals(&args[0], "ALL"))
		fetch->items = IMAP_FETCH_ALL;
	else if (imap_arg_atom_equals(&args[0], "FAST"))
		fetch->items = IMAP_FETCH_FAST;
	else if (imap_arg_atom_equals(&args[0], "FULL"))
		fetch->items = IMAP_FETCH_FULL;
	else if (imap_arg_get_list(&args[0], &list)) {
		if (list->count == 0) {
			*error_r = "Empty FETCH attribute list";
			r = -EINVAL;
			goto fail;
		}
		for (i = 0; i < list->count; i++)
			if ((r = parse_att(fetch, &list->args[i], error_r)) < 0)
				goto fail;
	} else if ((r = parse_att(fetch, &args[0], error_r)) < 0) {
		goto fail;
	}
	if (count == 2 && (r = parse_modifiers(fetch, &args[1], error_r)) < 0)
		goto fail;
	return 0;
fail:
	imap_fetch_release(fetch);
	return r;
}

bool imap_fetch_sets_seen(const struct imap_fetch *fetch)
{
	size_t i;

	if (fetch->items & (IMAP_FETCH_RFC822 | IMAP_FETCH_RFC822_TEXT))
		return true;
	for (i = 0; i < fetch->body_count; i++)
		if (!fetch->bodies[i].peek)
			return true;
	return false;
}

void imap_fetch_body_name(const struct imap_fetch_body *body,
			  struct buf *out)
{
	static const char *const kinds[] = {
		[IMAP_FETCH_KIND_BODY] = "BODY",
		[IMAP_FETCH_KIND_BINARY] = "BINARY",
		[IMAP_FETCH_KIND_BINARY_SIZE] = "BINARY.SIZE",
	};
	static const char *const texts[] = {
		[IMAP_FETCH_TEXT_ALL] = "",
		[IMAP_FETCH_TEXT_HEADER] = "HEADER",
		[IMAP_FETCH_TEXT_HEADER_FIELDS] = "HEADER.FIELDS",
		[IMAP_FETCH_TEXT_HEADER_FIELDS_NOT] = "HEADER.FIELDS.NOT",
		[IMAP_FETCH_TEXT_MIME] = "MIME",
		[IMAP_FETCH_TEXT_TEXT] = "TEXT",
	};
	unsigned int i;
	size_t f;

	buf_puts(out, kinds[body->kind]);
	buf_putc(out, '[');
	for (i = 0; i < body->part_count; i++)
		buf_printf(out, "%s%u", i > 0 ? "." : "", body->parts[i]);
	if (body->text != IMAP_FETCH_TEXT_ALL) {
		if (body->part_count > 0)
			buf_putc(out, '.');
		buf_puts(out, texts[body->text]);
	}
	if (body->field_count > 0) {
		buf_puts(out, " (");
		for (f = 0; f < body->field_count; f++) {
			if (f > 0)
				buf_putc(out, ' ');
			imap_quote_astring(out, body->fields[f],
					   strlen(body->fields[f]));
		}
		buf_putc(out, ')');
	}
	buf_putc(out, ']');
	if (body->partial)
		buf_printf(out, "<%u>", body->origin);
}
