/*
 * SEARCH (RFC 3501 6.4.4) with ESEARCH (RFC 4731), SEARCHRES (RFC 5182)
 * and CONDSTORE's MODSEQ (RFC 7162), SORT and THREAD (RFC 5256).
 *
 * The program is compiled on the event loop (keyword names resolved
 * against the folder) and matched over a snapshot of the view's
 * messages (imap-msg-ref.h).  A program that only reads what the index
 * holds (flags, sizes, dates, cached header fields) runs on the loop;
 * one that reads message files (BODY, TEXT, uncached headers) runs on
 * the thread pool over a snapshot that owns copies of the cached header
 * fields and the files' paths, so the pool never touches the shared
 * folder.  SORT and THREAD then order the matches by the cached fields.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "conn.h"
#include "folder.h"
#include "imap-int.h"
#include "imap-search.h"
#include "imap-sort.h"
#include "imap-thread.h"
#include "maildir-name.h"
#include "util.h"

enum search_kind { KIND_SEARCH, KIND_SORT, KIND_THREAD };

struct search_ctx {
	struct imap_session *s;
	enum search_kind kind;
	struct imap_search search;
	struct imap_search_prog *prog;
	struct imap_sort_program sort;
	enum imap_thread_alg alg;
	struct imap_msg_ref *refs;
	size_t n;
	char **paths;		/* on the pool: each message's file */
	char *dir;		/* the folder, to find renamed files */
	struct buf arena;	/* copies of the cached headers */
	bool *match;
	uint32_t max_seq, max_uid;
	struct imap_seqset saved;	/* "$" as it was at the start */
	bool saved_valid;
	int err;
};

static void search_free(struct search_ctx *sc)
{
	size_t i;

	if (sc->paths != NULL)
		for (i = 0; i < sc->n; i++)
			free(sc->paths[i]);
	free(sc->paths);
	free(sc->dir);
	imap_search_prog_free(&sc->prog);
	imap_search_release(&sc->search);
	imap_seqset_release(&sc->saved);
	buf_release(&sc->arena);
	free(sc->refs);
	free(sc->match);
	free(sc);
}

static int keyword_index(void *ctx, const char *name)
{
	int idx = folder_keyword_index(ctx, name, false);

	return idx < 0 ? -1 : idx;
}

/* A file renamed by a flag change since the snapshot: look for its base
 * name in cur/ and new/. */
static int open_renamed(const char *dir, const char *path, int *fd_r)
{
	const char *base = strrchr(path, '/');
	static const char *const subs[] = { "cur", "new" };
	struct buf p = BUF_INIT;
	size_t blen, i;
	int ret = -ENOENT;

	base = base != NULL ? base + 1 : path;
	blen = maildir_name_base_len(base);
	for (i = 0; i < 2 && ret == -ENOENT; i++) {
		DIR *d;
		struct dirent *de;

		buf_reset(&p);
		buf_printf(&p, "%s/%s", dir, subs[i]);
		if ((d = opendir(p.data)) == NULL)
			continue;
		while ((de = readdir(d)) != NULL)
			if (strncmp(de->d_name, base, blen) == 0 &&
			    maildir_name_base_len(de->d_name) == blen) {
				buf_printf(&p, "/%s", de->d_name);
				*fd_r = open(p.data, O_RDONLY | O_CLOEXEC);
				ret = *fd_r < 0 ? -errno : 0;
				break;
			}
		closedir(d);
	}
	buf_release(&p);
	return ret;
}

static int open_msg(void *ctx, const struct imap_msg_ref *m, int *fd_r)
{
	struct search_ctx *sc = ctx;
	const char *path = sc->paths[(size_t)m->ctx];

	*fd_r = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd_r >= 0)
		return 0;
	if (errno != ENOENT)
		return -errno;
	return open_renamed(sc->dir, path, fd_r);
}

static void match_all(struct search_ctx *sc, bool files)
{
	struct imap_search_env env = {
		.max_seq = sc->max_seq, .max_uid = sc->max_uid,
		.saved = sc->saved_valid ? &sc->saved : NULL,
		.open_msg = files ? open_msg : NULL, .ctx = sc,
	};
	size_t i;
	int r;

	for (i = 0; i < sc->n; i++) {
		r = imap_search_match(sc->prog, &env, &sc->refs[i]);
		if (r < 0 && r != -ENOENT && sc->err == 0)
			sc->err = r;
		sc->match[i] = r == 1;
	}
}

static void match_work(void *arg)
{
	match_all(arg, true);
}

/* The snapshot of the view; with `copy`, headers and paths are copied
 * for the pool. */
static void snapshot(struct search_ctx *sc, bool copy)
{
	struct imap_session *s = sc->s;
	struct imap_view *v = &s->view;
	struct folder *f = imap_view_folder(s);
	struct buf path = BUF_INIT;
	size_t i, j = 0;

	sc->refs = xcalloc(v->count + 1, sizeof(*sc->refs));
	sc->match = xcalloc(v->count + 1, sizeof(*sc->match));
	if (copy) {
		sc->paths = xcalloc(v->count + 1, sizeof(*sc->paths));
		sc->dir = xstrdup(f->dir);
	}
	for (i = 0; i < v->count; i++) {
		const struct message *m;
		struct imap_msg_ref *r;

		while (j < f->count && f->msgs[j].uid < v->uids[i])
			j++;
		if (j >= f->count || f->msgs[j].uid != v->uids[i])
			continue;	/* expunged, not yet reported */
		m = &f->msgs[j];
		r = &sc->refs[sc->n];
		r->seq = (uint32_t)i + 1;
		r->uid = m->uid;
		r->flags = m->flags | (imap_view_is_recent(s, m->uid) ?
				       IMAP_MSG_RECENT : 0);
		r->keywords = m->keywords;
		r->modseq = m->modseq;
		r->vsize = m->vsize;
		r->internal_date = m->internal_date;
		r->headers = m->headers;
		r->headers_len = m->headers_len;
		r->ctx = (void *)sc->n;
		if (copy) {
			/* Offsets now; pointers once the arena stops moving. */
			r->headers = (const char *)(uintptr_t)sc->arena.len;
			buf_append(&sc->arena, m->headers, m->headers_len);
			buf_reset(&path);
			folder_msg_path(f, m, &path);
			sc->paths[sc->n] = buf_detach(&path);
		}
		sc->n++;
	}
	if (copy)
		for (i = 0; i < sc->n; i++)
			sc->refs[i].headers = sc->arena.data +
				(uintptr_t)sc->refs[i].headers;
	sc->max_seq = (uint32_t)v->count;
	sc->max_uid = v->count > 0 ? v->uids[v->count - 1] : 0;
	buf_release(&path);
}
/*
 * SEARCHRES (RFC 5182 2.1): "$" becomes the UIDs found, or only the
 * minimum and/or maximum when SAVE comes with MIN/MAX and not with ALL
 * or COUNT.
 */
static void save_result(struct imap_session *s, const struct search_ctx *sc,
			unsigned int opts)
{
	bool edges = (opts & (IMAP_SEARCH_RETURN_MIN |
			      IMAP_SEARCH_RETURN_MAX)) &&
		     !(opts & (IMAP_SEARCH_RETURN_ALL |
			       IMAP_SEARCH_RETURN_COUNT));
	size_t i, first = sc->n, last = sc->n;

	imap_seqset_clear(&s->saved);
	for (i = 0; i < sc->n; i++) {
		if (!sc->match[i])
			continue;
		if (first == sc->n)
			first = i;
		last = i;
		if (!edges)
			imap_seqset_add_range(&s->saved, sc->refs[i].uid,
					      sc->refs[i].uid);
	}
	if (edges && first < sc->n) {
		if (opts & IMAP_SEARCH_RETURN_MIN)
			imap_seqset_add_range(&s->saved, sc->refs[first].uid,
					      sc->refs[first].uid);
		if (opts & IMAP_SEARCH_RETURN_MAX)
			imap_seqset_add_range(&s->saved, sc->refs[last].uid,
					      sc->refs[last].uid);
	}
	s->saved_valid = true;
}


/* ---- the replies ---- */

static void reply_search(struct search_ctx *sc, struct buf *out)
{
	struct imap_session *s = sc->s;
	struct imap_cmd *cmd = &s->cmd;
	unsigned int opts = sc->search.return_opts;
	struct imap_seqset all, uids;
	uint64_t modseq = 0, min_modseq = 0, max_modseq = 0;
	uint32_t min = 0, max = 0, count = 0, num;
	size_t i;

	imap_seqset_init(&all);
	imap_seqset_init(&uids);
	for (i = 0; i < sc->n; i++) {
		if (!sc->match[i])
			continue;
		num = cmd->uid ? sc->refs[i].uid : sc->refs[i].seq;
		if (min == 0) {
			min = num;
			min_modseq = sc->refs[i].modseq;
		}
		max = num;
		max_modseq = sc->refs[i].modseq;
		count++;
		if (sc->refs[i].modseq > modseq)
			modseq = sc->refs[i].modseq;
		imap_seqset_add_range(&all, num, num);
		imap_seqset_add_range(&uids, sc->refs[i].uid, sc->refs[i].uid);
	}
	if (opts & IMAP_SEARCH_RETURN_SAVE)
		save_result(s, sc, opts);
	if (!sc->search.esearch) {
		buf_puts(out, "* SEARCH");
		for (i = 0; i < sc->n; i++)
			if (sc->match[i])
				buf_printf(out, " %u", cmd->uid ?
					   sc->refs[i].uid : sc->refs[i].seq);
		if (sc->search.modseq && count > 0)
			buf_printf(out, " (MODSEQ %llu)",
				   (unsigned long long)modseq);
		buf_puts(out, "\r\n");
	} else if (opts != IMAP_SEARCH_RETURN_SAVE) {
		/* With only MIN and/or MAX returned, MODSEQ is the highest
		 * of the messages returned, not of all that matched (RFC
		 * 4731 3.2). */
		if (!(opts & (IMAP_SEARCH_RETURN_ALL |
			      IMAP_SEARCH_RETURN_COUNT))) {
			modseq = 0;
			if (opts & IMAP_SEARCH_RETURN_MIN)
				modseq = min_modseq;
			if ((opts & IMAP_SEARCH_RETURN_MAX) &&
			    max_modseq > modseq)
				modseq = max_modseq;
		}
		buf_printf(out, "* ESEARCH (TAG \"%s\")%s", cmd->tag,
			   cmd->uid ? " UID" : "");
		if ((opts & IMAP_SEARCH_RETURN_MIN) && count > 0)
			buf_printf(out, " MIN %u", min);
		if ((opts & IMAP_SEARCH_RETURN_MAX) && count > 0)
			buf_printf(out, " MAX %u", max);
		if (opts & IMAP_SEARCH_RETURN_COUNT)
			buf_printf(out, " COUNT %u", count);
		if ((opts & IMAP_SEARCH_RETURN_ALL) && count > 0) {
			buf_puts(out, " ALL ");
			imap_seqset_format(&all, out);
		}
		if (sc->search.modseq && count > 0)
			buf_printf(out, " MODSEQ %llu",
				   (unsigned long long)modseq);
		buf_puts(out, "\r\n");
	}
	imap_seqset_release(&all);
	imap_seqset_release(&uids);
}

static int reply_sort_thread(struct search_ctx *sc, struct buf *out)
{
	struct imap_cmd *cmd = &sc->s->cmd;
	struct imap_msg_ref *hits;
	uint32_t *order;
	size_t i, n = 0;
	int ret = 0;

	hits = xcalloc(sc->n + 1, sizeof(*hits));
	for (i = 0; i < sc->n; i++)
		if (sc->match[i])
			hits[n++] = sc->refs[i];
	if (sc->kind == KIND_THREAD) {
		/* RFC 5256: "THREAD" [SP 1*thread-list], no space when
		 * nothing matched. */
		buf_puts(out, n > 0 ? "* THREAD " : "* THREAD");
		if (n > 0)
			ret = imap_thread_run(sc->alg, hits, n, cmd->uid, out);
	} else {
		order = xcalloc(n + 1, sizeof(*order));
		ret = imap_sort_run(&sc->sort, hits, n, order);
		buf_puts(out, "* SORT");
		for (i = 0; ret == 0 && i < n; i++)
			buf_printf(out, " %u", cmd->uid ? hits[order[i]].uid :
				   hits[order[i]].seq);
		free(order);
	}
	buf_puts(out, "\r\n");
	free(hits);
	return ret;
}

static void search_reply(struct search_ctx *sc)
{
	struct imap_session *s = sc->s;
	struct imap_cmd *cmd = &s->cmd;
	struct buf out = BUF_INIT;
	int ret = sc->err;

	if (ret == 0) {
		if (sc->kind == KIND_SEARCH)
			reply_search(sc, &out);
		else
			ret = reply_sort_thread(sc, &out);
	}
	s->cmd_ctx = NULL;
	s->abort_cmd = NULL;
	search_free(sc);
	if (ret < 0) {
		imap_cmd_errno(cmd, ret, NULL);
	} else {
		conn_write(s->c, out.data, out.len);
		imap_cmd_ok(cmd, "%s completed.", cmd->name);
	}
	buf_release(&out);
}

static void match_done(struct conn *c, void *arg)
{
	struct search_ctx *sc = arg;

	if (c->closing) {
		search_free(sc);
		return;
	}
	search_reply(sc);
}

/* ---- the commands ---- */

/* SORT (criteria) charset keys / THREAD alg charset keys: the charset,
 * then the keys. */
static int parse_charset_keys(struct imap_cmd *cmd, size_t first,
			      struct search_ctx *sc)
{
	const char *charset, *error;
	size_t len;
	int ret;

	if (cmd->count <= first + 1 ||
	    !imap_arg_get_astring(&cmd->args[first], &charset, &len)) {
		imap_cmd_bad(cmd, "%s needs a charset and search keys",
			     cmd->name);
		return -EINVAL;
	}
	if (!imap_search_charset_ok(charset)) {
		imap_cmd_no(cmd, "[BADCHARSET (UTF-8 US-ASCII)] Unsupported "
			    "charset");
		return -EILSEQ;
	}
	ret = imap_search_parse_keys(&sc->search, &cmd->args[first + 1],
				     cmd->count - first - 1, &error);
	if (ret < 0)
		imap_cmd_bad(cmd, "%s", error);
	return ret;
}

static void search_common(struct imap_cmd *cmd, enum search_kind kind)
{
	struct imap_session *s = cmd->s;
	struct search_ctx *sc = xcalloc(1, sizeof(*sc));
	const struct imap_list *list;
	const char *error, *name;
	bool files;
	int ret;

	sc->s = s;
	sc->kind = kind;
	imap_search_init(&sc->search);
	imap_seqset_init(&sc->saved);
	buf_init(&sc->arena);
	if (kind == KIND_SEARCH) {
		ret = imap_search_parse(&sc->search, cmd->args, cmd->count,
					&error);
		if (ret == -EILSEQ)
			imap_cmd_no(cmd, "[BADCHARSET (UTF-8 US-ASCII)] "
				    "Unsupported charset");
		else if (ret < 0)
			imap_cmd_bad(cmd, "%s", error);
	} else if (kind == KIND_SORT) {
		ret = -EINVAL;
		if (cmd->count < 1 || !imap_arg_get_list(&cmd->args[0], &list))
			imap_cmd_bad(cmd, "SORT needs a list of criteria");
		else if (imap_sort_parse(list->args, list->count, &sc->sort,
					 &error) < 0)
			imap_cmd_bad(cmd, "%s", error);
		else
			ret = parse_charset_keys(cmd, 1, sc);
	} else {
		ret = -EINVAL;
		if (cmd->count < 1 || !imap_arg_get_atom(&cmd->args[0], &name) ||
		    imap_thread_alg_parse(name, &sc->alg) < 0)
			imap_cmd_bad(cmd, "Unknown THREAD algorithm");
		else
			ret = parse_charset_keys(cmd, 1, sc);
	}
	if (ret < 0) {
		search_free(sc);
		return;
	}
	if (sc->search.modseq)
		imap_view_condstore_enable(s);
	ret = imap_search_compile(&sc->search, keyword_index,
				  imap_view_folder(s), &sc->prog);
	if (ret < 0) {
		search_free(sc);
		imap_cmd_errno(cmd, ret, NULL);
		return;
	}
	if (s->saved_valid) {
		size_t i;

		for (i = 0; i < s->saved.count; i++)
			imap_seqset_add_range(&sc->saved, s->saved.ranges[i].lo,
					      s->saved.ranges[i].hi);
		sc->saved_valid = true;
	}
	files = imap_search_needs_file(sc->prog);
	snapshot(sc, files);
	s->cmd_ctx = sc;
	s->abort_cmd = NULL;	/* the pool's done callback frees */
	if (files) {
		conn_queue_work(s->c, match_work, match_done, sc);
		return;
	}
	match_all(sc, false);
	search_reply(sc);
}

void imap_cmd_search(struct imap_cmd *cmd)
{
	search_common(cmd, KIND_SEARCH);
}

void imap_cmd_sort(struct imap_cmd *cmd)
{
	search_common(cmd, KIND_SORT);
}

void imap_cmd_thread(struct imap_cmd *cmd)
{
	search_common(cmd, KIND_THREAD);
}
