/* Collecting chosen header fields for the index; see message-headers.h. */

#include <stdlib.h>
#include <string.h>

#include "message-headers.h"
#include "util.h"

static int collect_field(void *ctx_, const struct header_field *field)
{
	struct message_headers_ctx *ctx = ctx_;
	size_t i, n;

	for (i = 0; ctx->wanted[i] != NULL && i < 32; i++) {
		if (!header_field_is(field, ctx->wanted[i]) ||
		    (ctx->seen & (1u << i)))
			continue;
		ctx->seen |= 1u << i;
		n = field->value_len < ctx->max_value ? field->value_len
						       : ctx->max_value;
		buf_puts(&ctx->out, ctx->wanted[i]);
		buf_puts(&ctx->out, ": ");
		/* One field per line: a stray NUL, CR or LF in a value would
		 * break that, so they become spaces in the cached copy. */
		size_t start = ctx->out.len;
		buf_append(&ctx->out, field->value, n);
		for (; start < ctx->out.len; start++) {
			char c = ctx->out.data[start];
			if (c == '\0' || c == '\r' || c == '\n')
				ctx->out.data[start] = ' ';
		}
		buf_putc(&ctx->out, '\n');
		break;
	}
	return 0;
}

void message_headers_init(struct message_headers_ctx *ctx,
			  const char *const *wanted, size_t max_value)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->wanted = wanted;
	ctx->max_value = max_value;
	buf_init(&ctx->out);
	header_parser_init(&ctx->parser, max_value, collect_field, ctx);
}

void message_headers_feed(struct message_headers_ctx *ctx, const char *data,
			  size_t len)
{
	size_t used;

	if (ctx->done)
		return;
	if (header_parser_feed(&ctx->parser, data, len, &used) != 0)
		ctx->done = 1;
}

char *message_headers_finish(struct message_headers_ctx *ctx,
			     uint32_t *len_r)
{
	char *s = NULL;

	if (!ctx->done)
		header_parser_finish(&ctx->parser);
	*len_r = (uint32_t)ctx->out.len;
	if (ctx->out.len > 0)
		s = buf_detach(&ctx->out);
	message_headers_release(ctx);
	return s;
}

void message_headers_release(struct message_headers_ctx *ctx)
{
	header_parser_release(&ctx->parser);
	buf_release(&ctx->out);
}
