/* LF to CRLF conversion and counting; see imap-crlf.h. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "imap-crlf.h"
#include "util.h"

void imap_crlf_init(struct imap_crlf *c, bool prev_cr, bool nul_to_80)
{
	c->prev_cr = prev_cr;
	c->nul_to_80 = nul_to_80;
}

void imap_crlf_convert(struct imap_crlf *c, const void *data, size_t len,
		       struct buf *out)
{
	const char *p = data, *end = p + len, *nul = NULL, *nl;

	if (len == 0)
		return;
	buf_grow(out, len);
	if (c->nul_to_80)
		nul = memchr(p, '\0', len);
	/* Copy spans between the bytes that need a change, found with
	 * memchr(): a line's LF, and the next NUL (looked for again only
	 * once passed). */
	while (p < end) {
		const char *q;

		if (nul != NULL && nul < p)
			nul = memchr(p, '\0', (size_t)(end - p));
		nl = memchr(p, '\n', (size_t)(end - p));
		q = nl != NULL ? nl : end;
		if (nul != NULL && nul < q)
			q = nul;
		buf_append(out, p, (size_t)(q - p));
		if (q > p)
			c->prev_cr = q[-1] == '\r';
		if (q == end)
			break;
		if (*q == '\0') {
			buf_putc(out, (char)0x80);
			c->prev_cr = false;
		} else {
			if (!c->prev_cr)
				buf_putc(out, '\r');
			buf_putc(out, '\n');
			c->prev_cr = false;
		}
		p = q + 1;
	}
}

int imap_crlf_prev_cr(int fd, uint64_t off, bool *prev_cr_r)
{
	char c;
	ssize_t n;

	*prev_cr_r = false;
	if (off == 0)
		return 0;
	n = pread_full(fd, &c, 1, off - 1);
	if (n < 0)
		return (int)n;
	*prev_cr_r = n == 1 && c == '\r';
	return 0;
}

/* Bare LFs in `len` bytes; *prev_cr carries the state between chunks. */
static uint64_t count_bare(const char *p, size_t len, bool *prev_cr)
{
	const char *end = p + len, *nl;
	uint64_t bare = 0;

	if (len == 0)
		return 0;
	while (p < end && (nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		if (nl > p ? nl[-1] != '\r' : !*prev_cr)
			bare++;
		p = nl + 1;
	}
	*prev_cr = end[-1] == '\r';
	return bare;
}

int imap_crlf_count(int fd, uint64_t off, uint64_t len, uint64_t *size_r)
{
	uint64_t offs[2] = { off, off + len }, bare[2];
	int ret;

	*size_r = 0;
	ret = imap_crlf_marks(fd, offs, 2, bare);
	if (ret == 0)
		*size_r = len + bare[1];
	return ret;
}

int imap_crlf_marks(int fd, const uint64_t *offs, size_t n,
		    uint64_t *bare_r)
{
	char *chunk;
	uint64_t pos, bare = 0;
	size_t i = 0;
	bool prev_cr;
	int ret;

	if (n == 0)
		return 0;
	ret = imap_crlf_prev_cr(fd, offs[0], &prev_cr);
	if (ret < 0)
		return ret;
	chunk = xmalloc(IMAP_CRLF_CHUNK);
	pos = offs[0];
	for (;;) {
		uint64_t want;
		ssize_t got;

		/* Record every mark reached so far. */
		while (i < n && offs[i] <= pos)
			bare_r[i++] = bare;
		if (i == n)
			break;
		want = offs[i] - pos;
		if (want > IMAP_CRLF_CHUNK)
			want = IMAP_CRLF_CHUNK;
		got = pread_full(fd, chunk, (size_t)want, pos);
		if (got < 0) {
			ret = (int)got;
			break;
		}
		if (got == 0) {
			ret = -EIO;	/* shorter than the tree says */
			break;
		}
		bare += count_bare(chunk, (size_t)got, &prev_cr);
		pos += (uint64_t)got;
	}
	free(chunk);
	return ret;
}
