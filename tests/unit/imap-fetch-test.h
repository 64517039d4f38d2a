#ifndef MAILTREE_TEST_IMAP_FETCH_H
#define MAILTREE_TEST_IMAP_FETCH_H

/*
 * Helpers shared by the FETCH rendering tests: messages written to
 * temporary files, FETCH items parsed with the real IMAP parser, and
 * sections read in chunks of a chosen size.
 */

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "buf.h"
#include "imap/imap-fetch-parse.h"
#include "imap/imap-parser.h"
#include "imap/imap-section.h"
#include "mime.h"
#include "util.h"
#include "../tap.h"

/* Writes `len` bytes to a new file and returns it open for reading (the
 * name is removed at once), or -1. */
static inline int test_msg_fd(const void *data, size_t len)
{
	static char *dir;
	static unsigned int n;
	char path[4200];
	int fd;

	if (dir == NULL)
		dir = tap_tmpdir("imap-fetch");
	if (snprintf(path, sizeof(path), "%s/msg%u", dir, n++) >=
	    (int)sizeof(path))
		return -1;
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return -1;
	if (write_full(fd, data, len) < 0) {
		close(fd);
		fd = -1;
	}
	unlink(path);
	return fd;
}

/* The reference conversion, byte by byte: a LF without a CR before it
 * gets one. */
static inline void test_crlf(const char *s, size_t len, struct buf *out)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r'))
			buf_putc(out, '\r');
		buf_putc(out, s[i]);
	}
}

/* Parses one FETCH item ("BODY[1.MIME]<0.10>") into *body_r, which the
 * caller releases with imap_fetch_release(fetch).  Returns 0 or -1. */
static inline int test_parse_item(const char *item, struct imap_fetch *fetch,
				  const struct imap_fetch_body **body_r)
{
	struct imap_parser p;
	struct buf line = BUF_INIT;
	const struct imap_list *args;
	const char *error;
	int ret = -1;

	imap_parser_init(&p, NULL);
	imap_fetch_init(fetch);
	buf_printf(&line, "a FETCH 1 (%s)", item);
	if (imap_parser_feed_line(&p, line.data, line.len, 0) ==
	    IMAP_PARSE_DONE) {
		args = imap_parser_args(&p);
		if (imap_fetch_parse(fetch, args->args + 1, args->count - 1,
				     &error) == 0 && fetch->body_count == 1) {
			*body_r = &fetch->bodies[0];
			ret = 0;
		}
	}
	imap_parser_release(&p);
	buf_release(&line);
	return ret;
}

/*
 * Reads a section `chunk` bytes at a time into `out` (reset first).
 * Returns the open error, or 0 with "NIL" in out for a nil section, or 1
 * when the bytes read are exactly imap_section_size(), else -EPROTO.
 * *has_nul_r (may be NULL) gets imap_section_has_nul().
 */
static inline int test_section(int fd, struct mime_part **root,
			       const char *item, size_t chunk,
			       struct buf *out, bool *has_nul_r)
{
	const struct imap_fetch_body *body;
	struct imap_fetch fetch;
	struct imap_section *sec;
	char *tmp = xmalloc(chunk);
	uint64_t size;
	ssize_t n;
	int ret;

	buf_reset(out);
	if (test_parse_item(item, &fetch, &body) < 0) {
		imap_fetch_release(&fetch);
		free(tmp);
		return -EINVAL;
	}
	ret = imap_section_open(&sec, fd, root, body);
	imap_fetch_release(&fetch);
	if (ret < 0) {
		free(tmp);
		return ret;
	}
	if (has_nul_r != NULL)
		*has_nul_r = imap_section_has_nul(sec);
	if (imap_section_nil(sec)) {
		buf_puts(out, "NIL");
		imap_section_free(&sec);
		free(tmp);
		return 0;
	}
	size = imap_section_size(sec);
	while ((n = imap_section_read(sec, tmp, chunk)) > 0)
		buf_append(out, tmp, (size_t)n);
	ret = n < 0 ? (int)n : out->len == size ? 1 : -EPROTO;
	imap_section_free(&sec);
	free(tmp);
	return ret;
}

#endif
