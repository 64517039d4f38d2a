/* The SEARCH engine: compiling a program and matching the keys that the
 * message's in-memory state answers; see imap-search.h. */

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "folder.h"
#include "imap-search-int.h"
#include "index.h"
#include "maildir-name.h"
#include "util.h"

/* Is `name` one of the fields the index caches? */
static bool field_cached(const char *name)
{
	size_t i;

	for (i = 0; index_cached_headers[i] != NULL; i++)
		if (strcasecmp(name, index_cached_headers[i]) == 0)
			return true;
	return false;
}

static void compile_node(struct imap_search_node *n,
			 const struct imap_search_key *key,
			 imap_search_keyword_cb *keyword_index, void *ctx);

/* Compiles a sibling chain into n->children, keys that read no file
 * first, so that they can decide before a file is opened. */
static void compile_children(struct imap_search_node *n,
			     const struct imap_search_key *first,
			     imap_search_keyword_cb *keyword_index, void *ctx)
{
	const struct imap_search_key *k;
	struct imap_search_node tmp;
	size_t i, j, count = 0;

	for (k = first; k != NULL; k = k->next)
		count++;
	n->children = xcalloc(count ? count : 1, sizeof(*n->children));
	for (k = first; k != NULL; k = k->next) {
		compile_node(&n->children[n->n_children], k, keyword_index,
			     ctx);
		if (n->children[n->n_children].needs_file)
			n->needs_file = true;
		n->n_children++;
	}
	/* A stable insertion sort on one bit; AND and OR commute, and
	 * OR's two children stay in the order given when both are alike. */
	for (i = 1; i < count; i++) {
		tmp = n->children[i];
		for (j = i; j > 0 && n->children[j - 1].needs_file &&
			    !tmp.needs_file; j--)
			n->children[j] = n->children[j - 1];
		n->children[j] = tmp;
	}
}

static void compile_node(struct imap_search_node *n,
			 const struct imap_search_key *key,
			 imap_search_keyword_cb *keyword_index, void *ctx)
{
	memset(n, 0, sizeof(*n));
	n->type = key->type;
	n->key = key;
	n->keyword = -1;
	switch (key->type) {
	case IMAP_SEARCH_KEYWORD:
	case IMAP_SEARCH_UNKEYWORD:
		if (keyword_index != NULL)
			n->keyword = keyword_index(ctx, key->str);
		if (n->keyword > 31)
			n->keyword = -1;
		n->forwarded = strcasecmp(key->str, FOLDER_FORWARDED) == 0;
		break;
	case IMAP_SEARCH_SUBJECT:
		n->field = "Subject";
		break;
	case IMAP_SEARCH_FROM:
		n->field = "From";
		break;
	case IMAP_SEARCH_TO:
		n->field = "To";
		break;
	case IMAP_SEARCH_CC:
		n->field = "Cc";
		break;
	case IMAP_SEARCH_BCC:
		n->field = "Bcc";
		break;
	case IMAP_SEARCH_HEADER:
		n->field = key->header;
		n->reads_file = !field_cached(key->header);
		break;
	case IMAP_SEARCH_BODY:
	case IMAP_SEARCH_TEXT:
		n->reads_file = true;
		break;
	case IMAP_SEARCH_NOT:
	case IMAP_SEARCH_OR:
	case IMAP_SEARCH_AND:
		compile_children(n, key->children, keyword_index, ctx);
		break;
	default:
		break;
	}
	if (n->field != NULL || n->reads_file) {
		imap_casefold_needle_init(&n->needle, key->str, key->len);
		n->has_needle = true;
	}
	if (n->reads_file)
		n->needs_file = true;
}

int imap_search_compile(const struct imap_search *search,
			imap_search_keyword_cb *keyword_index, void *ctx,
			struct imap_search_prog **prog_r)
{
	struct imap_search_prog *prog = xcalloc(1, sizeof(*prog));
	struct imap_search_key all = { .type = IMAP_SEARCH_ALL };

	compile_node(&prog->root, search->root != NULL ? search->root : &all,
		     keyword_index, ctx);
	/* An empty program (never parsed) matches everything; it must not
	 * point at `all`, which goes out of scope. */
	if (search->root == NULL)
		prog->root.key = NULL;
	*prog_r = prog;
	return 0;
}

static void node_release(struct imap_search_node *n)
{
	size_t i;

	for (i = 0; i < n->n_children; i++)
		node_release(&n->children[i]);
	free(n->children);
	if (n->has_needle)
		imap_casefold_needle_release(&n->needle);
}

void imap_search_prog_free(struct imap_search_prog **prog)
{
	if (*prog == NULL)
		return;
	node_release(&(*prog)->root);
	free(*prog);
	*prog = NULL;
}

bool imap_search_needs_file(const struct imap_search_prog *prog)
{
	return prog->root.needs_file;
}

static bool has_flag(const struct imap_msg_ref *m, uint32_t flag)
{
	return (m->flags & flag) != 0;
}

static bool match_keyword(const struct imap_search_node *n,
			  const struct imap_msg_ref *m)
{
	if (n->forwarded && has_flag(m, MFLAG_PASSED))
		return true;
	return n->keyword >= 0 && (m->keywords >> n->keyword) & 1;
}

/* BEFORE, ON and SINCE on a day number. */
static bool match_day(enum imap_search_type type, long day, time_t key)
{
	long want = (long)(key / 86400);

	switch (type) {
	case IMAP_SEARCH_BEFORE:
	case IMAP_SEARCH_SENTBEFORE:
		return day < want;
	case IMAP_SEARCH_ON:
	case IMAP_SEARCH_SENTON:
		return day == want;
	default:
		return day >= want;
	}
}

static long sent_day(const struct imap_msg_ref *m)
{
	time_t t;
	int tz;

	if (imap_msg_ref_sent_date(m, &t, &tz))
		return imap_msg_ref_zone_day(t, tz);
	return imap_msg_ref_local_day(m->internal_date);
}

static bool match_set(const struct imap_seqset *set, uint32_t n, uint32_t max,
		      const struct imap_search_env *env,
		      const struct imap_msg_ref *m)
{
	if (set->dollar)
		return env->saved != NULL &&
			imap_seqset_contains(env->saved, m->uid, env->max_uid);
	return imap_seqset_contains(set, n, max);
}

/* SUBJECT, FROM, ..., HEADER of a cached field. */
static int match_cached_field(const struct imap_search_node *n,
			      struct imap_search_file *f)
{
	struct buf text = BUF_INIT;
	const char *v;
	size_t len;
	bool found;

	if (!imap_msg_ref_header(f->m, n->field, &v, &len))
		return 0;
	if (n->needle.len == 0)
		return 1;
	/* A value the index cut is read whole from the file, if it can
	 * be; else the part kept is searched. */
	if (imap_msg_ref_header_cut(len) && f->env->open_msg != NULL)
		return imap_search_file_header(f, n->field, &n->needle);
	imap_search_decode_header(n->field, v, len, &text);
	found = imap_casefold_find(&n->needle, text.data, text.len);
	buf_release(&text);
	return found;
}

static int match_node(const struct imap_search_node *n,
		      struct imap_search_file *f)
{
	const struct imap_msg_ref *m = f->m;
	const struct imap_search_env *env = f->env;
	const struct imap_search_key *key = n->key;
	int r, r2;
	size_t i;

	switch (n->type) {
	case IMAP_SEARCH_ALL:
		return 1;
	case IMAP_SEARCH_ANSWERED:
		return has_flag(m, MFLAG_ANSWERED);
	case IMAP_SEARCH_DELETED:
		return has_flag(m, MFLAG_DELETED);
	case IMAP_SEARCH_DRAFT:
		return has_flag(m, MFLAG_DRAFT);
	case IMAP_SEARCH_FLAGGED:
		return has_flag(m, MFLAG_FLAGGED);
	case IMAP_SEARCH_NEW:
		return has_flag(m, IMAP_MSG_RECENT) && !has_flag(m, MFLAG_SEEN);
	case IMAP_SEARCH_OLD:
		return !has_flag(m, IMAP_MSG_RECENT);
	case IMAP_SEARCH_RECENT:
		return has_flag(m, IMAP_MSG_RECENT);
	case IMAP_SEARCH_SEEN:
		return has_flag(m, MFLAG_SEEN);
	case IMAP_SEARCH_UNANSWERED:
		return !has_flag(m, MFLAG_ANSWERED);
	case IMAP_SEARCH_UNDELETED:
		return !has_flag(m, MFLAG_DELETED);
	case IMAP_SEARCH_UNDRAFT:
		return !has_flag(m, MFLAG_DRAFT);
	case IMAP_SEARCH_UNFLAGGED:
		return !has_flag(m, MFLAG_FLAGGED);
	case IMAP_SEARCH_UNSEEN:
		return !has_flag(m, MFLAG_SEEN);
	case IMAP_SEARCH_KEYWORD:
		return match_keyword(n, m);
	case IMAP_SEARCH_UNKEYWORD:
		return !match_keyword(n, m);
	case IMAP_SEARCH_BCC:
	case IMAP_SEARCH_CC:
	case IMAP_SEARCH_FROM:
	case IMAP_SEARCH_SUBJECT:
	case IMAP_SEARCH_TO:
		return match_cached_field(n, f);
	case IMAP_SEARCH_HEADER:
		if (!n->reads_file)
			return match_cached_field(n, f);
		return imap_search_file_header(f, n->field, &n->needle);
	case IMAP_SEARCH_BODY:
		return imap_search_file_body(f, &n->needle);
	case IMAP_SEARCH_TEXT:
		r = imap_search_file_header(f, NULL, &n->needle);
		return r != 0 ? r : imap_search_file_body(f, &n->needle);
	case IMAP_SEARCH_BEFORE:
	case IMAP_SEARCH_ON:
	case IMAP_SEARCH_SINCE:
		return match_day(n->type,
				 imap_msg_ref_local_day(m->internal_date),
				 key->date);
	case IMAP_SEARCH_SENTBEFORE:
	case IMAP_SEARCH_SENTON:
	case IMAP_SEARCH_SENTSINCE:
		return match_day(n->type, sent_day(m), key->date);
	case IMAP_SEARCH_LARGER:
		return m->vsize > key->number;
	case IMAP_SEARCH_SMALLER:
		return m->vsize < key->number;
	case IMAP_SEARCH_UID:
		return match_set(&key->seqset, m->uid, env->max_uid, env, m);
	case IMAP_SEARCH_SEQSET:
		return match_set(&key->seqset, m->seq, env->max_seq, env, m);
	case IMAP_SEARCH_MODSEQ:
		return m->modseq >= key->number;
	case IMAP_SEARCH_NOT:
		r = match_node(&n->children[0], f);
		return r < 0 ? r : !r;
	case IMAP_SEARCH_OR:
		/* An error on one side does not matter if the other
		 * matches. */
		r = match_node(&n->children[0], f);
		if (r == 1)
			return 1;
		r2 = match_node(&n->children[1], f);
		if (r2 == 1)
			return 1;
		return r < 0 ? r : r2;
	case IMAP_SEARCH_AND:
		for (i = 0; i < n->n_children; i++)
			if ((r = match_node(&n->children[i], f)) <= 0)
				return r;
		return 1;
	}
	return 0;
}

int imap_search_match(const struct imap_search_prog *prog,
		      const struct imap_search_env *env,
		      const struct imap_msg_ref *m)
{
	struct imap_search_file f;
	int r;

	imap_search_file_init(&f, env, m);
	r = match_node(&prog->root, &f);
	imap_search_file_release(&f);
	return r;
}
