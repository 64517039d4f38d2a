/* MIME header parameters with RFC 2231; see mime-param.h. */

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "charset.h"
#include "mime-param.h"
#include "rfc2047.h"
#include "util.h"

/* Parameter pieces collected before joining; bounds the work on a header
 * made of nothing but parameters. */
#define PIECES_MAX (MIME_PARAMS_MAX * 4)
#define NAME_MAX_LEN 128

struct piece {
	char *base;	/* lowercased name without the RFC 2231 suffix */
	int section;	/* -2 plain, -1 "name*", else the "*N" number */
	bool extended;	/* value is charset'lang'%XX encoded */
	struct buf val;
};

struct lexer {
	const char *s;
	size_t len, i;
};

static void skip_cfws(struct lexer *lx)
{
	int depth = 0;

	for (; lx->i < lx->len; lx->i++) {
		char c = lx->s[lx->i];

		if (depth > 0) {
			if (c == '\\' && lx->i + 1 < lx->len)
				lx->i++;
			else if (c == '(')
				depth++;
			else if (c == ')')
				depth--;
		} else if (c == '(') {
			depth = 1;
		} else if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
			return;
		}
	}
}

static void append_capped(struct buf *b, char c)
{
	if (b->len < MIME_PARAM_VALUE_MAX)
		buf_putc(b, c);
}

/* Reads everything up to the next ';' outside quotes and comments,
 * without comments, trimmed. */
static void read_leading(struct lexer *lx, struct buf *out)
{
	skip_cfws(lx);
	while (lx->i < lx->len && lx->s[lx->i] != ';') {
		char c = lx->s[lx->i];

		if (c == '(') {
			skip_cfws(lx);
			if (out->len > 0)
				append_capped(out, ' ');
			continue;
		}
		append_capped(out, (char)tolower((unsigned char)c));
		lx->i++;
	}
	while (out->len > 0 && (out->data[out->len - 1] == ' ' ||
				out->data[out->len - 1] == '\t' ||
				out->data[out->len - 1] == '\r' ||
				out->data[out->len - 1] == '\n'))
		buf_truncate(out, out->len - 1);
}

static void skip_to_semicolon(struct lexer *lx)
{
	bool quoted = false;

	for (; lx->i < lx->len; lx->i++) {
		char c = lx->s[lx->i];

		if (quoted && c == '\\')
			lx->i++;
		else if (c == '"')
			quoted = !quoted;
		else if (c == ';' && !quoted)
			return;
	}
}

static void read_value(struct lexer *lx, struct buf *val)
{
	if (lx->i < lx->len && lx->s[lx->i] == '"') {
		for (lx->i++; lx->i < lx->len; lx->i++) {
			char c = lx->s[lx->i];

			if (c == '\\' && lx->i + 1 < lx->len)
				c = lx->s[++lx->i];
			else if (c == '"')
				break;
			else if (c == '\r' || c == '\n')
				continue;
			append_capped(val, c);
		}
		lx->i++;
		skip_to_semicolon(lx);
		return;
	}
	while (lx->i < lx->len && lx->s[lx->i] != ';')
		append_capped(val, lx->s[lx->i++]);
	/* A token ends at whitespace; what follows is a comment or junk. */
	while (val->len > 0 && isspace((unsigned char)val->data[val->len - 1]))
		buf_truncate(val, val->len - 1);
	if (val->len > 0 && val->data[val->len - 1] == ')') {
		char *cut = strstr(val->data, " (");

		if (cut == NULL)
			cut = strstr(val->data, "\t(");
		if (cut != NULL)
			buf_truncate(val, (size_t)(cut - val->data));
	}
}

/* Splits "name*3*" into base, section and extended flag. */
static void split_name(char *name, struct piece *pc)
{
	char *star = strchr(name, '*');

	pc->section = -2;
	pc->extended = false;
	if (star != NULL) {
		char *p = star + 1;

		if (*p == '\0') {
			pc->section = -1;
			pc->extended = true;
			*star = '\0';
		} else if (isdigit((unsigned char)*p)) {
			long n = 0;

			while (isdigit((unsigned char)*p) && n < 100000)
				n = n * 10 + (*p++ - '0');
			if (*p == '\0' || (p[0] == '*' && p[1] == '\0')) {
				pc->section = (int)n;
				pc->extended = *p == '*';
				*star = '\0';
			}
		}
	}
	pc->base = xstrdup(name);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static void percent_decode(const char *s, size_t len, struct buf *out)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (s[i] == '%' && i + 2 < len && hexval(s[i + 1]) >= 0 &&
		    hexval(s[i + 2]) >= 0) {
			buf_putc(out, (char)(hexval(s[i + 1]) * 16 +
					     hexval(s[i + 2])));
			i += 2;
		} else {
			buf_putc(out, s[i]);
		}
	}
}

static int cmp_section(const void *a, const void *b)
{
	const struct piece *const *pa = a, *const *pb = b;

	return ((*pa)->section > (*pb)->section) -
	       ((*pa)->section < (*pb)->section);
}

/* Joins the RFC 2231 pieces of `base` into param `p`. */
static void join_2231(struct piece *pcs, size_t n, const char *base,
		      struct mime_param *p)
{
	struct piece *sel[MIME_PARAM_SECTIONS_MAX];
	struct buf raw = BUF_INIT, bytes = BUF_INIT, out = BUF_INIT;
	char *charset = NULL;
	size_t k = 0, i;

	for (i = 0; i < n && k < MIME_PARAM_SECTIONS_MAX; i++) {
		if (pcs[i].section < -1 || strcmp(pcs[i].base, base) != 0)
			continue;
		if (pcs[i].section == -1) {
			/* "name*=" stands alone. */
			sel[0] = &pcs[i];
			k = 1;
			break;
		}
		sel[k++] = &pcs[i];
	}
	qsort(sel, k, sizeof(sel[0]), cmp_section);
	for (i = 0; i < k; i++) {
		const char *v = sel[i]->val.data;
		size_t vlen = sel[i]->val.len;

		if (i > 0 && sel[i]->section == sel[i - 1]->section)
			continue;	/* duplicate section: keep the first */
		if (!sel[i]->extended) {
			buf_append(&bytes, v, vlen);
			continue;
		}
		if (i == 0) {
			/* charset'language'text; both may be empty. */
			const char *q1 = memchr(v, '\'', vlen), *q2 = NULL;

			if (q1 != NULL)
				q2 = memchr(q1 + 1, '\'',
					    vlen - (size_t)(q1 + 1 - v));
			if (q2 != NULL) {
				charset = xstrndup(v, (size_t)(q1 - v));
				vlen -= (size_t)(q2 + 1 - v);
				v = q2 + 1;
			}
		}
		percent_decode(v, vlen, &bytes);
	}
	buf_append(&raw, bytes.data, bytes.len);
	charset_to_utf8(charset, bytes.data, bytes.len, &out);
	buf_reset(&bytes);
	rfc2047_clean_text(out.data, out.len, &bytes);
	buf_truncate(&raw, MIME_PARAM_VALUE_MAX);
	buf_truncate(&bytes, MIME_PARAM_VALUE_MAX);
	p->raw = buf_detach(&raw);
	p->value = buf_detach(&bytes);
	free(charset);
	buf_release(&out);
}

static void add_params(struct piece *pcs, size_t n,
		       struct mime_params *params)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		struct mime_param *p;
		bool has_2231 = false, seen = false;

		for (j = 0; j < params->n; j++)
			if (strcmp(params->v[j].name, pcs[i].base) == 0)
				seen = true;
		if (seen || params->n >= MIME_PARAMS_MAX)
			continue;
		for (j = 0; j < n; j++)
			if (pcs[j].section >= -1 &&
			    strcmp(pcs[j].base, pcs[i].base) == 0)
				has_2231 = true;
		params->v = xrealloc(params->v,
				     (params->n + 1) * sizeof(*params->v));
		p = &params->v[params->n++];
		p->name = xstrdup(pcs[i].base);
		if (has_2231) {
			join_2231(pcs, n, pcs[i].base, p);
		} else {
			struct buf dec = BUF_INIT;

			rfc2047_decode(pcs[i].val.data, pcs[i].val.len, &dec);
			buf_truncate(&dec, MIME_PARAM_VALUE_MAX);
			p->raw = xstrndup(pcs[i].val.data, pcs[i].val.len);
			p->value = buf_detach(&dec);
		}
	}
}

void mime_param_parse(const char *s, size_t len, struct buf *value,
		      struct mime_params *params)
{
	struct lexer lx = { s, len, 0 };
	struct piece *pcs = NULL;
	size_t n = 0, i;

	buf_reset(value);
	read_leading(&lx, value);
	while (lx.i < lx.len && n < PIECES_MAX) {
		char name[NAME_MAX_LEN + 1];
		size_t nl = 0;

		lx.i++;	/* the ';' */
		skip_cfws(&lx);
		while (lx.i < lx.len && lx.s[lx.i] != '=' &&
		       lx.s[lx.i] != ';' && !isspace((unsigned char)lx.s[lx.i])) {
			if (nl < NAME_MAX_LEN)
				name[nl++] = (char)tolower(
					(unsigned char)lx.s[lx.i]);
			lx.i++;
		}
		name[nl] = '\0';
		skip_cfws(&lx);
		if (nl == 0 || lx.i >= lx.len || lx.s[lx.i] != '=') {
			skip_to_semicolon(&lx);
			continue;
		}
		lx.i++;
		skip_cfws(&lx);
		pcs = xrealloc(pcs, (n + 1) * sizeof(*pcs));
		split_name(name, &pcs[n]);
		buf_init(&pcs[n].val);
		read_value(&lx, &pcs[n].val);
		n++;
		skip_to_semicolon(&lx);
	}
	add_params(pcs, n, params);
	for (i = 0; i < n; i++) {
		free(pcs[i].base);
		buf_release(&pcs[i].val);
	}
	free(pcs);
}

static bool is_token(const char *s, size_t len)
{
	size_t i;

	if (len == 0)
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = s[i];

		if (c <= ' ' || c >= 0x7f || strchr("()<>@,;:\\\"/[]?=", c))
			return false;
	}
	return true;
}

int mime_param_parse_content_type(const char *s, size_t len, char **type_r,
				  char **subtype_r,
				  struct mime_params *params)
{
	struct buf value = BUF_INIT;
	char *slash, *t, *st;
	size_t tl, sl;

	*type_r = *subtype_r = NULL;
	mime_param_parse(s, len, &value, params);
	slash = strchr(value.data, '/');
	if (slash == NULL) {
		buf_release(&value);
		return -EINVAL;
	}
	t = value.data;
	tl = (size_t)(slash - t);
	while (tl > 0 && isspace((unsigned char)t[tl - 1]))
		tl--;
	st = slash + 1;
	while (isspace((unsigned char)*st))
		st++;
	sl = strlen(st);
	if (!is_token(t, tl) || !is_token(st, sl)) {
		buf_release(&value);
		return -EINVAL;
	}
	*type_r = xstrndup(t, tl);
	*subtype_r = xstrndup(st, sl);
	buf_release(&value);
	return 0;
}

const struct mime_param *mime_params_find(const struct mime_params *params,
					  const char *name)
{
	unsigned int i;

	for (i = 0; i < params->n; i++)
		if (strcmp(params->v[i].name, name) == 0)
			return &params->v[i];
	return NULL;
}

void mime_params_release(struct mime_params *params)
{
	unsigned int i;

	for (i = 0; i < params->n; i++) {
		free(params->v[i].name);
		free(params->v[i].raw);
		free(params->v[i].value);
	}
	free(params->v);
	params->v = NULL;
	params->n = 0;
}
