/* SEARCH programs; see imap-search-parse.h. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "imap-date.h"
#include "imap-parser.h"
#include "imap-search-parse.h"
#include "util.h"

/* What a key takes after its name. */
enum key_arg {
	ARG_NONE,
	ARG_ATOM,		/* a keyword */
	ARG_STRING,		/* astring */
	ARG_HEADER,		/* field name, astring */
	ARG_DATE,
	ARG_NUMBER,
	ARG_SEQSET,
	ARG_MODSEQ,
	ARG_NOT,
	ARG_OR,
};

static const struct {
	const char *name;
	enum imap_search_type type;
	enum key_arg arg;
} keys[] = {
	{ "ALL", IMAP_SEARCH_ALL, ARG_NONE },
	{ "ANSWERED", IMAP_SEARCH_ANSWERED, ARG_NONE },
	{ "BCC", IMAP_SEARCH_BCC, ARG_STRING },
	{ "BEFORE", IMAP_SEARCH_BEFORE, ARG_DATE },
	{ "BODY", IMAP_SEARCH_BODY, ARG_STRING },
	{ "CC", IMAP_SEARCH_CC, ARG_STRING },
	{ "DELETED", IMAP_SEARCH_DELETED, ARG_NONE },
	{ "DRAFT", IMAP_SEARCH_DRAFT, ARG_NONE },
	{ "FLAGGED", IMAP_SEARCH_FLAGGED, ARG_NONE },
	{ "FROM", IMAP_SEARCH_FROM, ARG_STRING },
	{ "HEADER", IMAP_SEARCH_HEADER, ARG_HEADER },
	{ "KEYWORD", IMAP_SEARCH_KEYWORD, ARG_ATOM },
	{ "LARGER", IMAP_SEARCH_LARGER, ARG_NUMBER },
	{ "MODSEQ", IMAP_SEARCH_MODSEQ, ARG_MODSEQ },
	{ "NEW", IMAP_SEARCH_NEW, ARG_NONE },
	{ "NOT", IMAP_SEARCH_NOT, ARG_NOT },
	{ "OLD", IMAP_SEARCH_OLD, ARG_NONE },
	{ "ON", IMAP_SEARCH_ON, ARG_DATE },
	{ "OR", IMAP_SEARCH_OR, ARG_OR },
	{ "RECENT", IMAP_SEARCH_RECENT, ARG_NONE },
	{ "SEEN", IMAP_SEARCH_SEEN, ARG_NONE },
	{ "SENTBEFORE", IMAP_SEARCH_SENTBEFORE, ARG_DATE },
	{ "SENTON", IMAP_SEARCH_SENTON, ARG_DATE },
	{ "SENTSINCE", IMAP_SEARCH_SENTSINCE, ARG_DATE },
	{ "SINCE", IMAP_SEARCH_SINCE, ARG_DATE },
	{ "SMALLER", IMAP_SEARCH_SMALLER, ARG_NUMBER },
	{ "SUBJECT", IMAP_SEARCH_SUBJECT, ARG_STRING },
	{ "TEXT", IMAP_SEARCH_TEXT, ARG_STRING },
	{ "TO", IMAP_SEARCH_TO, ARG_STRING },
	{ "UID", IMAP_SEARCH_UID, ARG_SEQSET },
	{ "UNANSWERED", IMAP_SEARCH_UNANSWERED, ARG_NONE },
	{ "UNDELETED", IMAP_SEARCH_UNDELETED, ARG_NONE },
	{ "UNDRAFT", IMAP_SEARCH_UNDRAFT, ARG_NONE },
	{ "UNFLAGGED", IMAP_SEARCH_UNFLAGGED, ARG_NONE },
	{ "UNKEYWORD", IMAP_SEARCH_UNKEYWORD, ARG_ATOM },
	{ "UNSEEN", IMAP_SEARCH_UNSEEN, ARG_NONE },
};

struct ctx {
	struct imap_search *search;
	const char *error;
};

void imap_search_init(struct imap_search *search)
{
	memset(search, 0, sizeof(*search));
}

static void key_free(struct imap_search_key *key)
{
	struct imap_search_key *next;

	/* Siblings in a loop, children by recursion: the depth of the
	 * recursion is the nesting depth, which parsing bounded. */
	for (; key != NULL; key = next) {
		next = key->next;
		key_free(key->children);
		free(key->str);
		free(key->header);
		free(key->modseq_entry);
		imap_seqset_release(&key->seqset);
		free(key);
	}
}

void imap_search_release(struct imap_search *search)
{
	key_free(search->root);
	imap_search_init(search);
}

bool imap_search_charset_ok(const char *charset)
{
	return strcasecmp(charset, "UTF-8") == 0 ||
		strcasecmp(charset, "US-ASCII") == 0;
}

static int bad(struct ctx *c, const char *text)
{
	if (c->error == NULL)
		c->error = text;
	return -EINVAL;
}

static struct imap_search_key *key_new(struct ctx *c,
				       enum imap_search_type type)
{
	struct imap_search_key *key = xcalloc(1, sizeof(*key));

	key->type = type;
	imap_seqset_init(&key->seqset);
	c->search->key_count++;
	return key;
}

static int parse_key(struct ctx *c, const struct imap_list *list, size_t *i,
		     unsigned int depth, struct imap_search_key **key_r);

/* Parses keys from list[*i] to its end into a sibling chain. */
static int parse_key_list(struct ctx *c, const struct imap_list *list,
			  size_t i, unsigned int depth,
			  struct imap_search_key **first_r)
{
	struct imap_search_key **tail = first_r;
	int r;

	*first_r = NULL;
	if (i >= list->count)
		return bad(c, "Missing search key");
	while (i < list->count) {
		if ((r = parse_key(c, list, &i, depth, tail)) < 0)
			return r;
		tail = &(*tail)->next;
	}
	return 0;
}

static int parse_modseq(struct ctx *c, struct imap_search_key *key,
			const struct imap_list *list, size_t *i)
{
	const struct imap_arg *a = &list->args[*i];
	const char *s, *type;
	size_t len;

	/* MODSEQ [entry-name entry-type-req] mod-sequence-valzer */
	if (imap_arg_get_string(a, &s, &len)) {
		if (len < 8 || strncasecmp(s, "/flags/", 7) != 0 ||
		    memchr(s, '\0', len) != NULL || *i + 2 >= list->count ||
		    !imap_arg_get_atom(&list->args[*i + 1], &type))
			return bad(c, "Invalid MODSEQ entry");
		if (strcasecmp(type, "all") == 0)
			key->modseq_type = IMAP_SEARCH_ENTRY_ALL;
		else if (strcasecmp(type, "shared") == 0)
			key->modseq_type = IMAP_SEARCH_ENTRY_SHARED;
		else if (strcasecmp(type, "priv") == 0)
			key->modseq_type = IMAP_SEARCH_ENTRY_PRIV;
		else
			return bad(c, "Invalid MODSEQ entry type");
		key->modseq_entry = xstrndup(s, len);
		*i += 2;
		a = &list->args[*i];
	}
	if (!imap_arg_get_number64(a, &key->number))
		return bad(c, "Invalid MODSEQ value");
	(*i)++;
	c->search->modseq = true;
	return 0;
}

static int parse_seqset(struct ctx *c, struct imap_search_key *key,
			const struct imap_arg *a)
{
	if (a->type != IMAP_ARG_ATOM || (a->flags & IMAP_ARG_SECTION) ||
	    imap_seqset_parse(&key->seqset, a->str, a->len) < 0)
		return bad(c, "Invalid sequence set");
	if (key->seqset.dollar)
		c->search->dollar = true;
	return 0;
}

static int parse_arg(struct ctx *c, struct imap_search_key *key,
		     enum key_arg arg, const struct imap_list *list, size_t *i,
		     unsigned int depth)
{
	const struct imap_arg *a;
	const char *s;
	size_t len;
	uint32_t n;
	int r;

	if (arg == ARG_NONE)
		return 0;
	if (*i >= list->count)
		return bad(c, "Missing search key argument");
	a = &list->args[*i];
	switch (arg) {
	case ARG_NONE:
		break;
	case ARG_ATOM:
		if (!imap_arg_get_atom(a, &s))
			return bad(c, "Invalid keyword");
		key->str = xstrdup(s);
		key->len = a->len;
		break;
	case ARG_HEADER:
		if (!imap_arg_get_astring(a, &s, &len) || len == 0 ||
		    memchr(s, ':', len) != NULL)
			return bad(c, "Invalid header field name");
		key->header = xstrndup(s, len);
		(*i)++;
		if (*i >= list->count)
			return bad(c, "Missing search key argument");
		a = &list->args[*i];
		/* fall through */
	case ARG_STRING:
		if (!imap_arg_get_astring(a, &s, &len))
			return bad(c, "Invalid search string");
		key->str = xstrndup(s, len);
		key->len = len;
		break;
	case ARG_DATE:
		if (!imap_arg_get_astring(a, &s, &len) ||
		    a->type == IMAP_ARG_LITERAL ||
		    imap_date_parse(s, len, &key->date) < 0)
			return bad(c, "Invalid date");
		break;
	case ARG_NUMBER:
		if (!imap_arg_get_number(a, &n))
			return bad(c, "Invalid number");
		key->number = n;
		break;
	case ARG_SEQSET:
		if ((r = parse_seqset(c, key, a)) < 0)
			return r;
		break;
	case ARG_MODSEQ:
		return parse_modseq(c, key, list, i);
	case ARG_NOT:
		return parse_key(c, list, i, depth + 1, &key->children);
	case ARG_OR:
		if ((r = parse_key(c, list, i, depth + 1, &key->children)) < 0)
			return r;
		if (*i >= list->count)
			return bad(c, "OR needs two search keys");
		return parse_key(c, list, i, depth + 1,
				 &key->children->next);
	}
	(*i)++;
	return 0;
}

static int parse_key(struct ctx *c, const struct imap_list *list, size_t *i,
		     unsigned int depth, struct imap_search_key **key_r)
{
	const struct imap_arg *a = &list->args[*i];
	const struct imap_list *group;
	struct imap_search_key *key;
	size_t k;
	char first;

	*key_r = NULL;
	if (depth >= IMAP_SEARCH_MAX_DEPTH)
		return bad(c, "Search keys nested too deeply");
	if (imap_arg_get_list(a, &group)) {
		key = *key_r = key_new(c, IMAP_SEARCH_AND);
		(*i)++;
		return parse_key_list(c, group, 0, depth + 1, &key->children);
	}
	if (a->type != IMAP_ARG_ATOM || (a->flags & IMAP_ARG_SECTION))
		return bad(c, "Invalid search key");
	first = a->str[0];
	if ((first >= '0' && first <= '9') || first == '*' || first == '$') {
		key = *key_r = key_new(c, IMAP_SEARCH_SEQSET);
		(*i)++;
		return parse_seqset(c, key, a);
	}
	for (k = 0; k < ARRAY_SIZE(keys); k++)
		if (strcasecmp(a->str, keys[k].name) == 0)
			break;
	if (k == ARRAY_SIZE(keys))
		return bad(c, "Unknown search key");
	key = *key_r = key_new(c, keys[k].type);
	(*i)++;
	return parse_arg(c, key, keys[k].arg, list, i, depth);
}

static int parse_program(struct imap_search *search,
			 const struct imap_list *list, size_t i,
			 const char **error_r)
{
	struct ctx c = { search, NULL };
	int r;

	search->root = key_new(&c, IMAP_SEARCH_AND);
	r = parse_key_list(&c, list, i, 0, &search->root->children);
	if (r < 0) {
		*error_r = c.error;
		imap_search_release(search);
	}
	return r;
}

static int parse_return(struct imap_search *search, const struct imap_arg *a,
			const char **error_r)
{
	static const struct {
		const char *name;
		unsigned int bit;
	} opts[] = {
		{ "MIN", IMAP_SEARCH_RETURN_MIN },
		{ "MAX", IMAP_SEARCH_RETURN_MAX },
		{ "ALL", IMAP_SEARCH_RETURN_ALL },
		{ "COUNT", IMAP_SEARCH_RETURN_COUNT },
		{ "SAVE", IMAP_SEARCH_RETURN_SAVE },
	};
	const struct imap_list *list;
	size_t i, k;

	if (!imap_arg_get_list(a, &list)) {
		*error_r = "RETURN needs a list of options";
		return -EINVAL;
	}
	search->esearch = true;
	for (i = 0; i < list->count; i++) {
		for (k = 0; k < ARRAY_SIZE(opts); k++)
			if (imap_arg_atom_equals(&list->args[i], opts[k].name))
				break;
		if (k == ARRAY_SIZE(opts)) {
			*error_r = "Unknown RETURN option";
			return -EINVAL;
		}
		search->return_opts |= opts[k].bit;
	}
	/* RFC 4731 3.1: an empty list means ALL. */
	if (search->return_opts == 0)
		search->return_opts = IMAP_SEARCH_RETURN_ALL;
	return 0;
}

int imap_search_parse(struct imap_search *search, const struct imap_arg *args,
		      size_t count, const char **error_r)
{
	struct imap_list list = { (struct imap_arg *)args, count };
	const char *charset;
	size_t len, i = 0;
	int r;

	imap_search_release(search);
	*error_r = NULL;
	if (i + 1 < count && imap_arg_atom_equals(&args[i], "RETURN")) {
		if ((r = parse_return(search, &args[i + 1], error_r)) < 0) {
			imap_search_init(search);
			return r;
		}
		i += 2;
	}
	if (i < count && imap_arg_atom_equals(&args[i], "CHARSET")) {
		if (i + 1 >= count ||
		    !imap_arg_get_astring(&args[i + 1], &charset, &len)) {
			*error_r = "CHARSET needs a name";
			imap_search_init(search);
			return -EINVAL;
		}
		if (!imap_search_charset_ok(charset)) {
			*error_r = "Unsupported charset";
			imap_search_init(search);
			return -EILSEQ;
		}
		i += 2;
	}
	return parse_program(search, &list, i, error_r);
}

int imap_search_parse_keys(struct imap_search *search,
			   const struct imap_arg *args, size_t count,
			   const char **error_r)
{
	struct imap_list list = { (struct imap_arg *)args, count };

	imap_search_release(search);
	*error_r = NULL;
	return parse_program(search, &list, 0, error_r);
}
