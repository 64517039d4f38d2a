/* THREAD: the tree of containers, sorting, output and ORDEREDSUBJECT;
 * see imap-thread.h. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "imap-base-subject.h"
#include "imap-thread-int.h"
#include "util.h"

int imap_thread_alg_parse(const char *name, enum imap_thread_alg *alg_r)
{
	if (strcasecmp(name, "ORDEREDSUBJECT") == 0)
		*alg_r = IMAP_THREAD_ORDEREDSUBJECT;
	else if (strcasecmp(name, "REFERENCES") == 0)
		*alg_r = IMAP_THREAD_REFERENCES;
	else
		return -EINVAL;
	return 0;
}

void imap_thread_ctx_init(struct thread_ctx *ctx,
			  const struct imap_msg_ref *msgs, size_t n)
{
	struct buf b = BUF_INIT;
	const char *v;
	size_t i, j, len;

	memset(ctx, 0, sizeof(*ctx));
	ctx->msgs = msgs;
	ctx->n = n;
	ctx->subjects = xcalloc(n + 1, sizeof(*ctx->subjects));
	ctx->replies = xcalloc(n + 1, sizeof(*ctx->replies));
	for (i = 0; i < n; i++) {
		buf_reset(&b);
		if (imap_msg_ref_header(&msgs[i], "Subject", &v, &len))
			ctx->replies[i] = imap_base_subject(v, len, &b);
		/* i;ascii-casemap */
		for (j = 0; j < b.len; j++)
			if (b.data[j] >= 'A' && b.data[j] <= 'Z')
				b.data[j] += 'a' - 'A';
		ctx->subjects[i] = xstrdup(b.data);
	}
	buf_release(&b);
	imap_thread_node_new(ctx, -1);		/* the root */
}

void imap_thread_ctx_release(struct thread_ctx *ctx)
{
	size_t i;

	for (i = 0; i < ctx->n; i++)
		free(ctx->subjects[i]);
	for (i = 0; i < ctx->count; i++)
		free(ctx->nodes[i].id);
	free(ctx->subjects);
	free(ctx->replies);
	free(ctx->nodes);
	memset(ctx, 0, sizeof(*ctx));
}

void imap_thread_node_set_msg(struct thread_ctx *ctx, uint32_t node,
			      int64_t msg)
{
	struct thread_node *t = &ctx->nodes[node];
	int tz;

	t->msg = msg;
	if (msg >= 0) {
		imap_msg_ref_sent_date(&ctx->msgs[msg], &t->date, &tz);
		t->seq = ctx->msgs[msg].seq;
	}
}

uint32_t imap_thread_node_new(struct thread_ctx *ctx, int64_t msg)
{
	struct thread_node *t;

	ctx->nodes = xgrow(ctx->nodes, &ctx->cap, ctx->count + 1,
			   sizeof(*ctx->nodes));
	t = &ctx->nodes[ctx->count];
	memset(t, 0, sizeof(*t));
	t->parent = t->first_child = t->last_child = THREAD_NONE;
	t->prev = t->next = THREAD_NONE;
	imap_thread_node_set_msg(ctx, (uint32_t)ctx->count, msg);
	return (uint32_t)ctx->count++;
}

void imap_thread_link(struct thread_ctx *ctx, uint32_t parent,
		      uint32_t child)
{
	struct thread_node *p = &ctx->nodes[parent], *c = &ctx->nodes[child];

	c->parent = parent;
	c->next = THREAD_NONE;
	c->prev = p->last_child;
	if (p->last_child != THREAD_NONE)
		ctx->nodes[p->last_child].next = child;
	else
		p->first_child = child;
	p->last_child = child;
}

void imap_thread_unlink(struct thread_ctx *ctx, uint32_t child)
{
	struct thread_node *c = &ctx->nodes[child], *p;

	if (c->parent == THREAD_NONE)
		return;
	p = &ctx->nodes[c->parent];
	if (c->prev != THREAD_NONE)
		ctx->nodes[c->prev].next = c->next;
	else
		p->first_child = c->next;
	if (c->next != THREAD_NONE)
		ctx->nodes[c->next].prev = c->prev;
	else
		p->last_child = c->prev;
	c->parent = c->prev = c->next = THREAD_NONE;
}

size_t imap_thread_preorder(const struct thread_ctx *ctx, uint32_t *order)
{
	uint32_t *stack = xmalloc((ctx->count + 1) * sizeof(*stack));
	size_t top = 0, k = 0;
	uint32_t v, c;

	/* Each container is pushed once: the tree has no cycles. */
	stack[top++] = 0;
	while (top > 0) {
		v = stack[--top];
		order[k++] = v;
		for (c = ctx->nodes[v].first_child; c != THREAD_NONE;
		     c = ctx->nodes[c].next)
			stack[top++] = c;
	}
	free(stack);
	return k;
}

struct sort_item {
	time_t date;
	uint32_t seq, node;
};

static int sort_item_cmp(const void *a, const void *b)
{
	const struct sort_item *x = a, *y = b;

	if (x->date != y->date)
		return x->date < y->date ? -1 : 1;
	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return x->node < y->node ? -1 : x->node > y->node;
}

void imap_thread_sort(struct thread_ctx *ctx)
{
	uint32_t *order = xmalloc(ctx->count * sizeof(*order));
	struct sort_item *items = xmalloc(ctx->count * sizeof(*items));
	struct thread_node *p;
	size_t k, i, cnt;
	uint32_t c;

	/* Reverse pre-order: children before their parents. */
	for (k = imap_thread_preorder(ctx, order); k-- > 0;) {
		p = &ctx->nodes[order[k]];
		cnt = 0;
		for (c = p->first_child; c != THREAD_NONE;
		     c = ctx->nodes[c].next) {
			items[cnt].date = ctx->nodes[c].date;
			items[cnt].seq = ctx->nodes[c].seq;
			items[cnt++].node = c;
		}
		qsort(items, cnt, sizeof(*items), sort_item_cmp);
		p->first_child = p->last_child = THREAD_NONE;
		for (i = 0; i < cnt; i++) {
			ctx->nodes[items[i].node].parent = THREAD_NONE;
			imap_thread_link(ctx, order[k], items[i].node);
		}
		if (p->msg < 0 && cnt > 0) {
			p->date = items[0].date;
			p->seq = items[0].seq;
		}
	}
	free(order);
	free(items);
}

static void open_group(struct buf *out)
{
	if (out->len > 0 && out->data[out->len - 1] >= '0' &&
	    out->data[out->len - 1] <= '9')
		buf_putc(out, ' ');
	buf_putc(out, '(');
}

/*
 * Writes one thread without recursion, since References chains can be
 * as deep as the mailbox is large.  A chain of only children is written
 * "1 2 3"; several children each get their parentheses, "1 (2)(3 4)".
 * stack[] holds, per open parenthesis, the sibling still to write.
 */
static void write_thread(const struct thread_ctx *ctx, uint32_t cur,
			 bool use_uid, uint32_t *stack, struct buf *out)
{
	const struct thread_node *t;
	size_t top = 0;
	uint32_t c, s;

	open_group(out);
	for (;;) {
		for (;;) {
			t = &ctx->nodes[cur];
			if (t->msg >= 0) {
				if (out->data[out->len - 1] != '(')
					buf_putc(out, ' ');
				buf_printf(out, "%u", use_uid ?
					   ctx->msgs[t->msg].uid :
					   ctx->msgs[t->msg].seq);
			}
			c = t->first_child;
			if (c == THREAD_NONE)
				break;
			if (ctx->nodes[c].next != THREAD_NONE) {
				stack[top++] = ctx->nodes[c].next;
				open_group(out);
			}
			cur = c;
		}
		/* Close the groups that are complete; open the next
		 * sibling's, if any. */
		for (;;) {
			if (top == 0)
				goto done;
			buf_putc(out, ')');
			s = stack[--top];
			if (s != THREAD_NONE)
				break;
		}
		stack[top++] = ctx->nodes[s].next;
		open_group(out);
		cur = s;
	}
done:
	buf_putc(out, ')');
}

void imap_thread_write(const struct thread_ctx *ctx, bool use_uid,
		       struct buf *out)
{
	uint32_t *stack = xmalloc((ctx->count + 1) * sizeof(*stack));
	uint32_t r;

	for (r = ctx->nodes[0].first_child; r != THREAD_NONE;
	     r = ctx->nodes[r].next)
		write_thread(ctx, r, use_uid, stack, out);
	free(stack);
}

struct subject_item {
	const char *subject;
	time_t date;
	uint32_t seq, msg;
};

static int subject_item_cmp(const void *a, const void *b)
{
	const struct subject_item *x = a, *y = b;
	int r = strcmp(x->subject, y->subject);

	if (r != 0)
		return r;
	if (x->date != y->date)
		return x->date < y->date ? -1 : 1;
	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return x->msg < y->msg ? -1 : x->msg > y->msg;
}

/*
 * ORDEREDSUBJECT: messages sorted by base subject, then sent date; each
 * run of one subject is a thread whose first message is the parent of
 * all the others.  Threads are in the order of their first messages.
 */
static void ordered_subject(struct thread_ctx *ctx)
{
	struct subject_item *items = xcalloc(ctx->n + 1, sizeof(*items));
	uint32_t parent = THREAD_NONE, node;
	size_t i;
	int tz;

	for (i = 0; i < ctx->n; i++) {
		items[i].subject = ctx->subjects[i];
		imap_msg_ref_sent_date(&ctx->msgs[i], &items[i].date, &tz);
		items[i].seq = ctx->msgs[i].seq;
		items[i].msg = (uint32_t)i;
	}
	qsort(items, ctx->n, sizeof(*items), subject_item_cmp);
	for (i = 0; i < ctx->n; i++) {
		node = imap_thread_node_new(ctx, items[i].msg);
		if (i == 0 || strcmp(items[i].subject,
				     items[i - 1].subject) != 0) {
			imap_thread_link(ctx, 0, node);
			parent = node;
		} else {
			imap_thread_link(ctx, parent, node);
		}
	}
	free(items);
}

int imap_thread_run(enum imap_thread_alg alg, const struct imap_msg_ref *msgs,
		    size_t n, bool use_uid, struct buf *out)
{
	struct thread_ctx ctx;

	imap_thread_ctx_init(&ctx, msgs, n);
	if (alg == IMAP_THREAD_ORDEREDSUBJECT)
		ordered_subject(&ctx);
	else
		imap_thread_references(&ctx);
	imap_thread_sort(&ctx);
	imap_thread_write(&ctx, use_uid, out);
	imap_thread_ctx_release(&ctx);
	return 0;
}
