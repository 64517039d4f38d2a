/*
 * THREAD=REFERENCES (RFC 5256 section 3, steps 1 to 5; imap-thread.c
 * sorts and writes the result): parent/child links from References and
 * In-Reply-To, the root set, pruning of dummies, and grouping of the
 * threads by base subject.
 */

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "imap-thread-int.h"
#include "strmap.h"
#include "util.h"

/*
 * The next msg-id in [*pp, end): the text between '<' and '>' with
 * whitespace taken out (folding may have put some there).  An empty
 * one, or an unclosed '<', is skipped.  Returns false at the end.
 */
static bool next_msgid(const char **pp, const char *end, struct buf *id)
{
	const char *p = *pp;

	for (;;) {
		while (p < end && *p != '<')
			p++;
		if (p >= end) {
			*pp = p;
			return false;
		}
		buf_reset(id);
		for (p++; p < end && *p != '>' && *p != '<'; p++)
			if (*p != ' ' && *p != '\t' && *p != '\r' &&
			    *p != '\n')
				buf_putc(id, *p);
		if (p < end && *p == '>' && id->len > 0) {
			*pp = p + 1;
			return true;
		}
	}
}

struct refs_ctx {
	struct thread_ctx *t;
	struct strmap ids;
	struct buf id;
};

/* The container for the Message-ID in r->id, made (as a dummy) when new. */
static uint32_t container_for(struct refs_ctx *r)
{
	size_t v;
	uint32_t node;
	char *key;

	if (strmap_get(&r->ids, r->id.data, r->id.len, &v))
		return (uint32_t)v;
	node = imap_thread_node_new(r->t, -1);
	key = xstrndup(r->id.data, r->id.len);
	r->t->nodes[node].id = key;
	strmap_put(&r->ids, key, r->id.len, node);
	return node;
}

/* Is a the same as b or one of its ancestors?  Then making a a child of
 * b would close a loop. */
static bool is_ancestor(const struct thread_ctx *t, uint32_t a, uint32_t b)
{
	/* Without children a is nobody's ancestor: the usual case, and
	 * it keeps a long In-Reply-To chain linear. */
	if (t->nodes[a].first_child == THREAD_NONE)
		return a == b;
	for (; b != THREAD_NONE; b = t->nodes[b].parent)
		if (b == a)
			return true;
	return false;
}

/* Step 1 for one message. */
static void link_message(struct refs_ctx *r, size_t i)
{
	struct thread_ctx *t = r->t;
	const struct imap_msg_ref *m = &t->msgs[i];
	const char *v, *p, *end;
	uint32_t self = THREAD_NONE, prev = THREAD_NONE, c;
	size_t len;
	bool any = false;

	/* A missing or duplicate Message-ID makes a container of its own,
	 * which nothing can refer to. */
	if (imap_msg_ref_header(m, "Message-ID", &v, &len)) {
		p = v;
		if (next_msgid(&p, v + len, &r->id)) {
			self = container_for(r);
			if (t->nodes[self].msg >= 0)
				self = THREAD_NONE;
		}
	}
	if (self == THREAD_NONE)
		self = imap_thread_node_new(t, -1);
	imap_thread_node_set_msg(t, self, (int64_t)i);

	/* 1A: link each reference to the one before it, unless it has a
	 * parent already or the link would make a loop. */
	if (imap_msg_ref_header(m, "References", &v, &len)) {
		for (p = v, end = v + len; next_msgid(&p, end, &r->id);) {
			c = container_for(r);
			any = true;
			if (prev != THREAD_NONE &&
			    t->nodes[c].parent == THREAD_NONE &&
			    !is_ancestor(t, c, prev))
				imap_thread_link(t, prev, c);
			prev = c;
		}
	}
	/* Without usable References, the first msg-id of In-Reply-To. */
	if (!any && imap_msg_ref_header(m, "In-Reply-To", &v, &len)) {
		p = v;
		if (next_msgid(&p, v + len, &r->id))
			prev = container_for(r);
	}
	/* 1B: the message's parent is the last reference; an older link
	 * (from a truncated References elsewhere) gives way. */
	imap_thread_unlink(t, self);
	if (prev != THREAD_NONE && !is_ancestor(t, self, prev))
		imap_thread_link(t, prev, self);
}

/*
 * Step 3, from the leaves up: a dummy without children goes; a dummy's
 * children take its place, except at the root when there are several of
 * them.  Below the root no dummy is left afterwards, so a spliced child
 * never needs pruning again.
 */
static void prune(struct thread_ctx *t)
{
	uint32_t *order = xmalloc(t->count * sizeof(*order));
	uint32_t node, c, next, g, gnext;
	struct thread_node *d;
	size_t k;

	for (k = imap_thread_preorder(t, order); k-- > 0;) {
		node = order[k];
		for (c = t->nodes[node].first_child; c != THREAD_NONE;
		     c = next) {
			next = t->nodes[c].next;
			d = &t->nodes[c];
			if (d->msg >= 0)
				continue;
			if (node == 0 && d->first_child != THREAD_NONE &&
			    t->nodes[d->first_child].next != THREAD_NONE)
				continue;
			/* Move the children in front of the dummy, in
			 * their order, then drop it. */
			for (g = d->first_child; g != THREAD_NONE; g = gnext) {
				gnext = t->nodes[g].next;
				imap_thread_unlink(t, g);
				t->nodes[g].parent = node;
				t->nodes[g].next = c;
				t->nodes[g].prev = t->nodes[c].prev;
				if (t->nodes[c].prev != THREAD_NONE)
					t->nodes[t->nodes[c].prev].next = g;
				else
					t->nodes[node].first_child = g;
				t->nodes[c].prev = g;
			}
			imap_thread_unlink(t, c);
		}
	}
	free(order);
}

/* The message that gives a thread its subject: its own, or a dummy's
 * first child's. */
static int64_t subject_msg(const struct thread_ctx *t, uint32_t node)
{
	if (t->nodes[node].msg < 0 && t->nodes[node].first_child != THREAD_NONE)
		node = t->nodes[node].first_child;
	return t->nodes[node].msg;
}

/* Step 5: threads with the same base subject are merged. */
static void group_by_subject(struct thread_ctx *t)
{
	struct strmap table;
	uint32_t *roots = xmalloc((t->count + 1) * sizeof(*roots));
	size_t nroots = 0, i, v;
	uint32_t r, other, dummy, c, cnext;
	int64_t m, om;
	const char *subj;

	for (r = t->nodes[0].first_child; r != THREAD_NONE; r = t->nodes[r].next)
		roots[nroots++] = r;
	strmap_init(&table);
	for (i = 0; i < nroots; i++) {
		r = roots[i];
		m = subject_msg(t, r);
		if (m < 0 || (subj = t->subjects[m])[0] == '\0')
			continue;
		if (!strmap_get(&table, subj, strlen(subj), &v)) {
			strmap_put(&table, subj, strlen(subj), r);
			continue;
		}
		other = (uint32_t)v;
		om = subject_msg(t, other);
		/* A dummy is preferred, then a message that is not a
		 * reply over one that is. */
		if ((t->nodes[r].msg < 0 && t->nodes[other].msg >= 0) ||
		    (t->nodes[r].msg >= 0 && t->nodes[other].msg >= 0 &&
		     t->replies[om] && !t->replies[m]))
			strmap_put(&table, subj, strlen(subj), r);
	}
	for (i = 0; i < nroots; i++) {
		r = roots[i];
		m = subject_msg(t, r);
		if (m < 0 || (subj = t->subjects[m])[0] == '\0')
			continue;
		strmap_get(&table, subj, strlen(subj), &v);
		other = (uint32_t)v;
		if (other == r)
			continue;
		om = subject_msg(t, other);
		imap_thread_unlink(t, r);
		if (t->nodes[r].msg < 0 && t->nodes[other].msg < 0) {
			/* Both dummies: the children become siblings. */
			for (c = t->nodes[r].first_child; c != THREAD_NONE;
			     c = cnext) {
				cnext = t->nodes[c].next;
				imap_thread_unlink(t, c);
				imap_thread_link(t, other, c);
			}
		} else if (t->nodes[other].msg < 0 ||
			   (t->replies[m] && !t->replies[om])) {
			imap_thread_link(t, other, r);
		} else {
			/* Neither is the other's parent: a new dummy
			 * holds both, where the table's thread was. */
			dummy = imap_thread_node_new(t, -1);
			imap_thread_link(t, 0, dummy);
			imap_thread_unlink(t, other);
			imap_thread_link(t, dummy, other);
			imap_thread_link(t, dummy, r);
			strmap_put(&table, subj, strlen(subj), dummy);
		}
	}
	strmap_release(&table);
	free(roots);
}

void imap_thread_references(struct thread_ctx *t)
{
	struct refs_ctx r;
	uint32_t node;
	size_t i;

	r.t = t;
	strmap_init(&r.ids);
	r.id = (struct buf)BUF_INIT;
	for (i = 0; i < t->n; i++)
		link_message(&r, i);
	strmap_release(&r.ids);
	buf_release(&r.id);

	/* Step 2: the root set is every container without a parent. */
	for (node = 1; node < t->count; node++)
		if (t->nodes[node].parent == THREAD_NONE)
			imap_thread_link(t, 0, node);
	prune(t);
	/* Step 4, so that a dummy's first child is its earliest. */
	imap_thread_sort(t);
	group_by_subject(t);
}
