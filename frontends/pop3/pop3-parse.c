/* The POP3 command parser and message encoder; see pop3.h. */

#include <errno.h>
#include <string.h>

#include "pop3.h"

int pop3_parse_command(const char *line, struct pop3_command *cmd_r)
{
	size_t n = 0;

	memset(cmd_r, 0, sizeof(*cmd_r));
	while (n <= POP3_MAX_VERB &&
	       ((line[n] >= 'A' && line[n] <= 'Z') ||
		(line[n] >= 'a' && line[n] <= 'z')))
		n++;
	if (n < 3 || n > POP3_MAX_VERB || (line[n] != ' ' && line[n] != '\0'))
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		cmd_r->verb[i] = (char)(line[i] & ~0x20);
	cmd_r->verb[n] = '\0';
	cmd_r->args = line[n] == ' ' ? line + n + 1 : line + n;
	return 0;
}

int pop3_parse_number(const char *args, bool allow_zero, uint32_t *num_r,
		      const char **rest_r)
{
	const char *p = args;
	uint64_t v = 0;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (uint64_t)(*p - '0');
		if (v > UINT32_MAX)
			return -EINVAL;
	}
	if (*p != ' ' && *p != '\0')
		return -EINVAL;
	if (v == 0 && !allow_zero)
		return -EINVAL;
	while (*p == ' ')
		p++;
	*num_r = (uint32_t)v;
	*rest_r = p;
	return 0;
}

void pop3_enc_init(struct pop3_enc *e, bool limit, uint32_t lines)
{
	memset(e, 0, sizeof(*e));
	e->bol = true;
	e->line_blank = true;
	e->limit = limit;
	e->top = lines;
}

/* A line ended (at its LF): the empty line starts the body, and TOP
 * counts the body lines. */
static void end_line(struct pop3_enc *e)
{
	if (!e->in_body) {
		if (e->line_blank) {
			e->in_body = true;
			if (e->limit && e->top == 0)
				e->done = true;
		}
	} else if (e->limit && --e->top == 0) {
		e->done = true;
	}
	e->bol = true;
	e->line_blank = true;
}

void pop3_enc_feed(struct pop3_enc *e, const char *in, size_t len,
		   struct buf *out)
{
	size_t i = 0, start;

	while (i < len && !e->done) {
		/* Copy a run of ordinary bytes in one append. */
		start = i;
		while (i < len && in[i] != '\n' && !e->bol) {
			e->prev_cr = in[i] == '\r';
			if (!e->prev_cr)
				e->line_blank = false;
			i++;
		}
		if (i > start) {
			buf_append(out, in + start, i - start);
			e->sent += i - start;
		}
		if (i == len)
			break;
		if (in[i] == '\n') {
			if (e->prev_cr) {
				buf_putc(out, '\n');
				e->sent++;
			} else {
				buf_append(out, "\r\n", 2);
				e->sent += 2;
			}
			e->prev_cr = false;
			i++;
			end_line(e);
			continue;
		}
		/* At the start of a line with a byte other than LF. */
		e->bol = false;
		if (in[i] == '.')
			buf_putc(out, '.');
	}
}

void pop3_enc_finish(struct pop3_enc *e, struct buf *out)
{
	if (!e->bol)
		buf_append(out, "\r\n", 2);
	buf_append(out, ".\r\n", 3);
}
