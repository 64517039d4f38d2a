/* RFC 5322 address list parsing; see address.h. */

#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "rfc2047.h"
#include "util.h"

enum tok_type {
	TOK_ATOM,	/* atext and dots */
	TOK_QUOTED,	/* the inside of a quoted string */
	TOK_DOMLIT,	/* a domain literal, brackets included */
	TOK_COMMENT,	/* the inside of a comment */
	TOK_SPECIAL,	/* one of < > @ , ; : */
};

struct tok {
	enum tok_type type;
	const char *p;
	size_t len;
	bool space_before;	/* whitespace or a comment precedes it */
	bool unclosed;
};

struct tokens {
	struct tok *v;
	size_t n, cap;
};

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_special(char c)
{
	return strchr("()<>@,;:\"[]\\", c) != NULL && c != '\0';
}

/* Index just past a delimited run that started at `i` (after the opening
 * byte), honouring backslash escapes and, for comments, nesting. */
static size_t skip_delimited(const char *s, size_t len, size_t i,
			     char open, char close, bool *unclosed)
{
	int depth = 1;

	for (; i < len; i++) {
		if (s[i] == '\\' && i + 1 < len)
			i++;
		else if (open != close && s[i] == open)
			depth++;
		else if (s[i] == close && --depth == 0)
			return i + 1;
	}
	*unclosed = true;
	return len;
}

static void tokenize(const char *s, size_t len, struct tokens *t)
{
	size_t i = 0;
	bool space = false;

	while (i < len) {
		struct tok *k;
		size_t start;

		if (is_space(s[i])) {
			space = true;
			i++;
			continue;
		}
		t->v = xgrow(t->v, &t->cap, t->n + 1, sizeof(*t->v));
		k = &t->v[t->n++];
		memset(k, 0, sizeof(*k));
		k->space_before = space;
		space = false;
		start = i;
		switch (s[i]) {
		case '"':
			i = skip_delimited(s, len, i + 1, '"', '"',
					   &k->unclosed);
			k->type = TOK_QUOTED;
			k->p = s + start + 1;
			k->len = i - start - 1 - !k->unclosed;
			break;
		case '(':
			i = skip_delimited(s, len, i + 1, '(', ')',
					   &k->unclosed);
			k->type = TOK_COMMENT;
			k->p = s + start + 1;
			k->len = i - start - 1 - !k->unclosed;
			space = true;
			break;
		case '[':
			i = skip_delimited(s, len, i + 1, '[', ']',
					   &k->unclosed);
			k->type = TOK_DOMLIT;
			k->p = s + start;
			k->len = i - start;
			break;
		case '<': case '>': case '@': case ',': case ';': case ':':
			k->type = TOK_SPECIAL;
			k->p = s + i++;
			k->len = 1;
			break;
		case ')': case ']': case '\\':
			/* Stray closers and escapes outside quotes. */
			t->n--;
			i++;
			break;
		default:
			while (i < len && !is_space(s[i]) && !is_special(s[i]))
				i++;
			k->type = TOK_ATOM;
			k->p = s + start;
			k->len = i - start;
			break;
		}
	}
}

/* Appends a token's text; quoted strings and comments are unescaped and
 * line breaks in them removed. */
static void tok_append(const struct tok *k, struct buf *out)
{
	size_t i;

	if (k->type != TOK_QUOTED && k->type != TOK_COMMENT) {
		buf_append(out, k->p, k->len);
		return;
	}
	for (i = 0; i < k->len; i++) {
		char c = k->p[i];

		if (c == '\\' && i + 1 < k->len)
			c = k->p[++i];
		else if (c == '\r' || c == '\n')
			continue;
		buf_putc(out, c);
	}
}

static bool is_sp(const struct tok *k, char c)
{
	return k->type == TOK_SPECIAL && k->p[0] == c;
}

struct parser {
	struct tokens t;
	size_t i;
	struct address *head, **tail;
	int count;
};

static struct address *add(struct parser *ps, enum address_kind kind)
{
	struct address *a = xcalloc(1, sizeof(*a));

	a->kind = kind;
	*ps->tail = a;
	ps->tail = &a->next;
	ps->count++;
	return a;
}

static void set_name(struct address *a, struct buf *name)
{
	struct buf dec = BUF_INIT;

	if (name->len == 0)
		return;
	rfc2047_decode(name->data, name->len, &dec);
	a->name = xstrndup(name->data, name->len);
	a->name_utf8 = buf_detach(&dec);
}

/* Builds a phrase from tokens [from, to): words joined by one space,
 * comments left out.  Specials that have no business in a phrase (an '@'
 * in "user@host <user@host>") are kept as text. */
static void phrase(const struct parser *ps, size_t from, size_t to,
		   struct buf *out)
{
	size_t i;

	for (i = from; i < to; i++) {
		const struct tok *k = &ps->t.v[i];

		if (k->type == TOK_COMMENT)
			continue;
		if (out->len > 0 && k->space_before)
			buf_putc(out, ' ');
		tok_append(k, out);
	}
}

/* Fills mailbox and domain from an addr-spec in tokens [from, to): the
 * last '@' splits it; whitespace inside is dropped (obsolete syntax). */
static void addr_spec(struct parser *ps, size_t from, size_t to,
		      struct address *a)
{
	struct buf local = BUF_INIT, domain = BUF_INIT;
	size_t i, at = to;

	for (i = from; i < to; i++)
		if (is_sp(&ps->t.v[i], '@'))
			at = i;
	for (i = from; i < to; i++) {
		const struct tok *k = &ps->t.v[i];

		if (k->type == TOK_COMMENT || i == at)
			continue;
		tok_append(k, i < at ? &local : &domain);
		if (k->unclosed)
			a->invalid = true;
	}
	if (at == to || local.len == 0 || domain.len == 0)
		a->invalid = true;
	a->mailbox = buf_detach(&local);
	a->domain = buf_detach(&domain);
}

/* The last comment in [from, to), used as a name for "a@b (Name)". */
static void comment_name(struct parser *ps, size_t from, size_t to,
			 struct address *a)
{
	struct buf name = BUF_INIT;
	size_t i;

	for (i = to; i > from; i--) {
		if (ps->t.v[i - 1].type == TOK_COMMENT) {
			tok_append(&ps->t.v[i - 1], &name);
			break;
		}
	}
	set_name(a, &name);
	buf_release(&name);
}

/* Parses "<[@route,@route:]addr-spec>" starting after '<'. */
static void angle_addr(struct parser *ps, struct address *a)
{
	struct buf route = BUF_INIT;
	size_t start = ps->i, end, i, colon = 0;
	bool closed = false;

	for (end = start; end < ps->t.n; end++) {
		if (is_sp(&ps->t.v[end], '>')) {
			closed = true;
			break;
		}
		if (is_sp(&ps->t.v[end], ':') && colon == 0)
			colon = end;
	}
	/* A route: '@' first, and a colon before the addr-spec. */
	if (colon > start && is_sp(&ps->t.v[start], '@')) {
		for (i = start; i < colon; i++) {
			if (ps->t.v[i].type != TOK_COMMENT)
				tok_append(&ps->t.v[i], &route);
		}
		a->route = buf_detach(&route);
		start = colon + 1;
	}
	addr_spec(ps, start, end, a);
	if (end == ps->i && closed) {
		/* "<>", the null return path: empty but not invalid. */
		a->invalid = false;
	}
	if (!closed)
		a->invalid = true;
	ps->i = closed ? end + 1 : end;
}

int address_list_parse(const char *s, size_t len, struct address **list_r)
{
	struct parser ps;
	struct buf name = BUF_INIT;
	bool in_group = false;

	memset(&ps, 0, sizeof(ps));
	ps.tail = &ps.head;
	tokenize(s, len, &ps.t);
	while (ps.i < ps.t.n && ps.count < ADDRESS_LIST_MAX) {
		size_t start = ps.i, end;
		struct tok *k;
		struct address *a;

		/* Collect words up to the next separator. */
		for (end = start; end < ps.t.n; end++) {
			k = &ps.t.v[end];
			if (is_sp(k, '<') || is_sp(k, ',') || is_sp(k, ';') ||
			    (is_sp(k, ':') && !in_group) || is_sp(k, '>'))
				break;
		}
		k = end < ps.t.n ? &ps.t.v[end] : NULL;
		ps.i = end + 1;
		buf_reset(&name);
		if (k != NULL && is_sp(k, ':')) {
			a = add(&ps, ADDRESS_GROUP_START);
			phrase(&ps, start, end, &name);
			set_name(a, &name);
			in_group = true;
			continue;
		}
		if (k != NULL && is_sp(k, '<')) {
			a = add(&ps, ADDRESS_MAILBOX);
			phrase(&ps, start, end, &name);
			set_name(a, &name);
			angle_addr(&ps, a);
			if (a->name == NULL)
				comment_name(&ps, end, ps.i, a);
			/* Anything up to the next separator is junk. */
			while (ps.i < ps.t.n && !is_sp(&ps.t.v[ps.i], ',') &&
			       !is_sp(&ps.t.v[ps.i], ';'))
				ps.i++;
			continue;
		}
		/* A bare addr-spec, or nothing between two commas. */
		if (end > start) {
			size_t i;
			bool words = false;

			for (i = start; i < end; i++)
				if (ps.t.v[i].type != TOK_COMMENT)
					words = true;
			if (words) {
				a = add(&ps, ADDRESS_MAILBOX);
				addr_spec(&ps, start, end, a);
				comment_name(&ps, start, end, a);
			}
		}
		if (k != NULL && is_sp(k, ';') && in_group) {
			add(&ps, ADDRESS_GROUP_END);
			in_group = false;
		}
	}
	if (in_group)
		add(&ps, ADDRESS_GROUP_END);
	buf_release(&name);
	free(ps.t.v);
	*list_r = ps.head;
	return ps.count;
}

void address_list_free(struct address **list)
{
	struct address *a = *list, *next;

	for (; a != NULL; a = next) {
		next = a->next;
		free(a->name);
		free(a->name_utf8);
		free(a->route);
		free(a->mailbox);
		free(a->domain);
		free(a);
	}
	*list = NULL;
}

/* A display name as written in a header: quoted when it holds a character
 * that would otherwise split or end it (RFC 5322 specials), so that
 * "Doe, J." <j@x.org> stays one address in a comma-separated list. */
static void put_display_name(struct buf *out, const char *name)
{
	const char *p;

	if (strpbrk(name, ",;:<>@\"()[]\\") == NULL) {
		buf_puts(out, name);
		return;
	}
	buf_putc(out, '"');
	for (p = name; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			buf_putc(out, '\\');
		buf_putc(out, *p);
	}
	buf_putc(out, '"');
}

void address_list_format(const struct address *a, struct buf *out)
{
	bool first = true;

	for (; a != NULL; a = a->next) {
		switch (a->kind) {
		case ADDRESS_GROUP_START:
			if (!first)
				buf_puts(out, ", ");
			if (a->name_utf8 != NULL)
				buf_puts(out, a->name_utf8);
			buf_puts(out, ":");
			first = true;
			continue;
		case ADDRESS_GROUP_END:
			buf_puts(out, ";");
			first = false;
			continue;
		case ADDRESS_MAILBOX:
			break;
		}
		buf_puts(out, first ? (out->len > 0 &&
				       out->data[out->len - 1] == ':' ? " " : "")
				    : ", ");
		first = false;
		if (a->name_utf8 != NULL && a->name_utf8[0] != '\0') {
			put_display_name(out, a->name_utf8);
			buf_puts(out, " <");
		}
		rfc2047_clean_text(a->mailbox, strlen(a->mailbox), out);
		if (a->domain[0] != '\0') {
			buf_putc(out, '@');
			rfc2047_clean_text(a->domain, strlen(a->domain), out);
		}
		if (a->name_utf8 != NULL && a->name_utf8[0] != '\0')
			buf_putc(out, '>');
	}
}
