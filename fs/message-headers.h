#ifndef MAILTREE_MESSAGE_HEADERS_H
#define MAILTREE_MESSAGE_HEADERS_H

/*
 * Collects chosen header fields of a message while its bytes stream past,
 * for the index: fed any chunks of the message, it keeps the first
 * occurrence of each wanted field, unfolded and cut at max_value bytes,
 * and ignores everything after the header block.
 */

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "header.h"

struct message_headers_ctx {
	const char *const *wanted;	/* NULL-terminated field names */
	size_t max_value;
	struct header_parser parser;
	struct buf out;		/* "Name: value\n" lines */
	uint32_t seen;		/* bit i: wanted[i] already kept */
	int done;
};

void message_headers_init(struct message_headers_ctx *ctx,
			  const char *const *wanted, size_t max_value);
void message_headers_feed(struct message_headers_ctx *ctx, const char *data,
			  size_t len);
/* Ends parsing and hands over the collected lines (heap, or NULL when no
 * wanted field was present); len_r gets their length. */
char *message_headers_finish(struct message_headers_ctx *ctx,
			     uint32_t *len_r);
void message_headers_release(struct message_headers_ctx *ctx);

#endif
