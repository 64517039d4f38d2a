#ifndef MAILTREE_IMAP_THREAD_INT_H
#define MAILTREE_IMAP_THREAD_INT_H

/* Internals of THREAD shared by imap-thread.c (the tree, sorting,
 * output, ORDEREDSUBJECT) and imap-thread-refs.c (REFERENCES). */

#include <stdint.h>
#include <time.h>

#include "imap-thread.h"

#define THREAD_NONE UINT32_MAX

/* A container (RFC 5256's term): a message, or a dummy standing for a
 * message that is referred to but not here.  Siblings are a doubly
 * linked list so that a container moves in O(1). */
struct thread_node {
	uint32_t parent, first_child, last_child, prev, next;
	int64_t msg;		/* index into msgs, or -1 for a dummy */
	time_t date;		/* sent date; a dummy's is its first child's */
	uint32_t seq;		/* tie-break; a dummy's is its first child's */
	char *id;		/* the Message-ID this container is for */
};

struct thread_ctx {
	const struct imap_msg_ref *msgs;
	size_t n;
	/* Node 0 is the root: its children are the threads. */
	struct thread_node *nodes;
	size_t count, cap;
	char **subjects;	/* per message: base subject, ASCII lowercase */
	bool *replies;		/* per message: a reply or forward */
};

void imap_thread_ctx_init(struct thread_ctx *ctx,
			  const struct imap_msg_ref *msgs, size_t n);
void imap_thread_ctx_release(struct thread_ctx *ctx);
/* Adds a container for msgs[msg] (or a dummy for -1); returns its index. */
uint32_t imap_thread_node_new(struct thread_ctx *ctx, int64_t msg);
/* Gives a container (a dummy so far) its message. */
void imap_thread_node_set_msg(struct thread_ctx *ctx, uint32_t node,
			      int64_t msg);
/* Stores the containers under node 0 (itself included) in pre-order:
 * a parent before its children.  Returns how many; order has room for
 * ctx->count. */
size_t imap_thread_preorder(const struct thread_ctx *ctx, uint32_t *order);
/* Makes child the last child of parent; child must have no parent. */
void imap_thread_link(struct thread_ctx *ctx, uint32_t parent,
		      uint32_t child);
/* Takes a container out of its parent's children. */
void imap_thread_unlink(struct thread_ctx *ctx, uint32_t child);
/* Sorts every set of siblings by sent date then sequence number, from the
 * leaves up, so that dummies take their first child's date. */
void imap_thread_sort(struct thread_ctx *ctx);
/* Appends the threads under node 0. */
void imap_thread_write(const struct thread_ctx *ctx, bool use_uid,
		       struct buf *out);
/* Builds the tree for REFERENCES (imap-thread-refs.c). */
void imap_thread_references(struct thread_ctx *ctx);

#endif
