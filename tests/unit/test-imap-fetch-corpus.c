/*
 * The FETCH renderers over every message of the shared corpus: BODY[]
 * must be the message with CRLF line endings, every part's BODY[N] the
 * converted bytes of its body, every size the number of bytes read,
 * BODYSTRUCTURE well nested and the same for the LF and the CRLF copy of
 * a message.  Crashes and leaks show under the sanitizer build.
 */

#include <dirent.h>
#include <sys/stat.h>

#include "imap/imap-bodystructure.h"
#include "imap/imap-header-filter.h"
#include "imap-fetch-test.h"

#define FILE_MAX (16 << 20)

struct stats {
	unsigned int files;
	unsigned int parts;
	unsigned int body_bad;		/* BODY[] not the CRLF message */
	unsigned int part_bad;		/* BODY[N] not its converted body */
	unsigned int read_bad;		/* a section failed or size wrong */
	unsigned int nesting_bad;	/* BODYSTRUCTURE parentheses */
	unsigned int crlf_differ;	/* LF and CRLF copies disagree */
	unsigned int header_bad;	/* HEADER + TEXT without the tree */
};

/* Parentheses balance outside strings and literals, never below zero,
 * and the whole is one list. */
static bool well_nested(const char *s, size_t len)
{
	size_t i = 0;
	long depth = 0;

	while (i < len) {
		char c = s[i++];

		if (c == '"') {
			while (i < len && s[i] != '"')
				i += s[i] == '\\' ? 2 : 1;
			i++;
		} else if (c == '{') {
			unsigned long n = strtoul(s + i, NULL, 10);

			i = (size_t)(strstr(s + i, "}\r\n") - s) + 3 + n;
		} else if (c == '(') {
			depth++;
		} else if (c == ')') {
			if (--depth < 0)
				return false;
			if (depth == 0 && i != len)
				return false;
		}
	}
	return depth == 0 && len > 0 && s[0] == '(';
}

static void crlf_slice(const char *s, uint64_t start, uint64_t end,
		       struct buf *out)
{
	uint64_t i;

	buf_reset(out);
	for (i = start; i < end; i++) {
		if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r'))
			buf_putc(out, '\r');
		buf_putc(out, s[i] == '\0' ? (char)0x80 : s[i]);
	}
}

static void check_parts(int fd, struct mime_part **root, const struct buf *f,
			struct stats *st)
{
	struct buf num = BUF_INIT, item = BUF_INIT, got = BUF_INIT,
		   want = BUF_INIT;
	const struct mime_part *p;
	static const char *const kinds[] = {
		"BODY[%s]", "BODY[%s.MIME]", "BINARY[%s]", "BINARY.SIZE[%s]",
		"BODY[%s.HEADER]", "BODY[%s.TEXT]",
		"BODY[%s.HEADER.FIELDS (From Subject)]",
	};
	size_t k;
	int ret;

	for (p = *root; p != NULL; p = mime_part_next(p)) {
		buf_reset(&num);
		mime_part_section(p, &num);
		if (num.len == 0 || mime_part_find(*root, num.data) != p)
			continue;
		st->parts++;
		for (k = 0; k < ARRAY_SIZE(kinds); k++) {
			bool msg = p->flags & MIME_PART_HAS_MESSAGE;

			if (k >= 4 && !msg)
				continue;
			buf_reset(&item);
			buf_printf(&item, kinds[k], num.data);
			ret = test_section(fd, root, item.data, 8192, &got,
					   NULL);
			if (ret == IMAP_SECTION_UNKNOWN_CTE && k >= 2 && k <= 3)
				continue;
			if (ret != 1) {
				st->read_bad++;
				diag("%s: %d", item.data, ret);
				continue;
			}
			if (k != 0)
				continue;
			crlf_slice(f->data, p->body_offset, p->body_end, &want);
			if (got.len != want.len ||
			    memcmp(got.data, want.data, got.len) != 0) {
				st->part_bad++;
				diag("%s differs", item.data);
			}
		}
	}
	buf_release(&num);
	buf_release(&item);
	buf_release(&got);
	buf_release(&want);
}

/* HEADER and TEXT of the message are found without a MIME tree; they
 * must split the message where the tree does. */
static void check_header_text(int fd, const struct buf *f, struct stats *st)
{
	struct buf got = BUF_INIT, want = BUF_INIT;
	struct mime_part *none = NULL, *root = NULL;
	bool good = true;

	if (mime_parse_fd(fd, NULL, &root) < 0)
		return;
	if (test_section(fd, &none, "BODY.PEEK[HEADER]", 999, &got, NULL) != 1)
		good = false;
	crlf_slice(f->data, 0, root->body_offset, &want);
	good = good && got.len == want.len &&
	       memcmp(got.data, want.data, got.len) == 0;
	if (test_section(fd, &none, "BODY[TEXT]", 999, &got, NULL) != 1)
		good = false;
	crlf_slice(f->data, root->body_offset, f->len, &want);
	good = good && got.len == want.len &&
	       memcmp(got.data, want.data, got.len) == 0;
	/* HEADER.FIELDS(.NOT) from the file and from the header block in
	 * memory (what the FETCH cache keeps) agree. */
	for (int ex = 0; ex < 2; ex++) {
		static char *const names[] = { "From", "subject", "Received",
					       "Content-Type" };

		buf_reset(&got);
		buf_reset(&want);
		if (imap_header_filter(fd, 0, f->len, names, 4, ex,
				       &got) < 0)
			good = false;
		imap_header_filter_mem(f->data, root->body_offset, names, 4,
				       ex, &want);
		good = good && got.len == want.len &&
		       memcmp(got.data, want.data, got.len) == 0;
	}
	if (!good || none != NULL) {
		st->header_bad++;
		diag("HEADER/TEXT split differs from the tree's, or "
		     "HEADER.FIELDS from memory from the file's");
	}
	mime_part_free(&none);
	mime_part_free(&root);
	buf_release(&got);
	buf_release(&want);
}

static void check_file(const char *path, struct stats *st)
{
	struct buf f = BUF_INIT, conv = BUF_INIT, got = BUF_INIT,
		   bs[2] = { BUF_INIT, BUF_INIT };
	struct mime_part *root[2] = { NULL, NULL };
	int fd[2], i;
	size_t j;

	if (read_file_small(path, FILE_MAX, &f) < 0)
		return;
	st->files++;
	test_crlf(f.data, f.len, &conv);	/* exact: NULs kept */
	fd[0] = test_msg_fd(f.data, f.len);
	fd[1] = test_msg_fd(conv.data, conv.len);
	for (j = 0; j < conv.len; j++)
		if (conv.data[j] == '\0')
			conv.data[j] = (char)0x80;
	if (test_section(fd[0], &root[0], "BODY[]", 65536, &got, NULL) != 1 ||
	    got.len != conv.len || memcmp(got.data, conv.data, got.len) != 0) {
		st->body_bad++;
		diag("BODY[] differs: %s", path);
	}
	check_header_text(fd[0], &f, st);
	for (i = 0; i < 2; i++) {
		if (root[i] == NULL && mime_parse_fd(fd[i], NULL, &root[i]) < 0)
			continue;
		if (imap_bodystructure_write(root[i], fd[i], true, &bs[i]) < 0 ||
		    !well_nested(bs[i].data, bs[i].len)) {
			st->nesting_bad++;
			diag("BODYSTRUCTURE badly nested: %s", path);
		}
		buf_reset(&got);
		if (imap_bodystructure_write(root[i], fd[i], false, &got) < 0 ||
		    !well_nested(got.data, got.len)) {
			st->nesting_bad++;
			diag("BODY badly nested: %s", path);
		}
	}
	if (bs[0].len != bs[1].len || memcmp(bs[0].data, bs[1].data,
					     bs[0].len) != 0) {
		st->crlf_differ++;
		diag("LF and CRLF BODYSTRUCTURE differ: %s", path);
	}
	check_parts(fd[0], &root[0], &f, st);
	for (i = 0; i < 2; i++) {
		mime_part_free(&root[i]);
		close(fd[i]);
		buf_release(&bs[i]);
	}
	buf_release(&f);
	buf_release(&conv);
	buf_release(&got);
}

static void walk(const char *dir, struct stats *st)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	char path[4096];
	struct stat sb;

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' ||
		    xsnprintf(path, sizeof(path), "%s/%s", dir,
			      de->d_name) < 0 || stat(path, &sb) < 0)
			continue;
		if (S_ISDIR(sb.st_mode))
			walk(path, st);
		else if (S_ISREG(sb.st_mode))
			check_file(path, st);
	}
	closedir(d);
}

int main(void)
{
	const char *corpus = tap_corpus_dir();
	static const char *const subs[] = { "torture", "realistic" };
	char dir[4096];
	size_t i;

	if (corpus == NULL) {
		skip("no shared corpus");
		return done_testing();
	}
	for (i = 0; i < ARRAY_SIZE(subs); i++) {
		struct stats st = { 0 };

		if (xsnprintf(dir, sizeof(dir), "%s/%s", corpus, subs[i]) < 0)
			continue;
		walk(dir, &st);
		ok(st.files > 0, "%s: %u messages, %u parts", subs[i],
		   st.files, st.parts);
		is_int(st.body_bad, 0, "%s: BODY[] is the CRLF message",
		       subs[i]);
		is_int(st.part_bad, 0, "%s: BODY[N] is the part's CRLF body",
		       subs[i]);
		is_int(st.read_bad, 0, "%s: every section reads its size",
		       subs[i]);
		is_int(st.nesting_bad, 0, "%s: BODY and BODYSTRUCTURE nest",
		       subs[i]);
		is_int(st.header_bad, 0, "%s: HEADER and TEXT without a tree "
		       "split where the tree does; HEADER.FIELDS the same "
		       "from memory", subs[i]);
		is_int(st.crlf_differ, 0, "%s: LF and CRLF copies give the "
		       "same BODYSTRUCTURE", subs[i]);
	}
	return done_testing();
}
