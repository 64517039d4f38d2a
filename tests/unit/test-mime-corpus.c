/*
 * Runs the MIME parser, the message summary and the header decoders over
 * every message of the shared corpus: torture cases and the SpamAssassin
 * corpus.  Each message is parsed with several chunk sizes and the trees
 * must be identical; offsets and line counts are checked against the
 * bytes.  Any crash or leak shows under the sanitizer build.
 */

#include <dirent.h>
#include <sys/stat.h>

#include "../tap.h"
#include "address.h"
#include "buf.h"
#include "charset.h"
#include "date.h"
#include "message-summary.h"
#include "mime.h"
#include "rfc2047.h"
#include "util.h"

/* Larger files are not in the corpus; this only bounds a mistake. */
#define FILE_MAX (16 << 20)
/* Files up to this size are also parsed one byte at a time. */
#define ONE_BYTE_MAX (64 << 10)

struct stats {
	unsigned int files;
	unsigned int chunk_mismatch;
	unsigned int bad_offsets;
	unsigned int bad_lines;
	unsigned int bad_utf8;
	unsigned int parts;
};

static struct mime_part *parse_chunks(const char *data, size_t len,
				      size_t chunk)
{
	struct mime_parser *mp = mime_parser_new(NULL);
	size_t off;

	for (off = 0; off < len; off += chunk)
		mime_parser_feed(mp, data + off,
				 len - off < chunk ? len - off : chunk);
	return mime_parser_finish(&mp);
}

/* Offsets inside the file and ordered; line counts match the bytes. */
static void check_tree(const char *path, const struct buf *file,
		       const struct mime_part *root, struct stats *st)
{
	const struct mime_part *p;
	bool offsets_ok = true, lines_ok = true;

	for (p = root; p != NULL; p = mime_part_next(p)) {
		uint64_t lines = 0, i;
		const struct mime_part *par = p->parent;

		st->parts++;
		if (!(p->hdr_offset <= p->body_offset &&
		      p->body_offset <= p->body_end && p->body_end <= file->len))
			offsets_ok = false;
		if (par != NULL && (p->hdr_offset < par->body_offset ||
				    p->body_end > par->body_end))
			offsets_ok = false;
		if (p->next != NULL && p->next->hdr_offset < p->body_end)
			offsets_ok = false;
		for (i = p->body_offset; i < p->body_end; i++)
			lines += file->data[i] == '\n';
		if (p->body_end > p->body_offset &&
		    file->data[p->body_end - 1] != '\n')
			lines++;
		if (lines != p->body_lines)
			lines_ok = false;
	}
	if (!offsets_ok) {
		st->bad_offsets++;
		diag("bad offsets: %s", path);
	}
	if (!lines_ok) {
		st->bad_lines++;
		diag("bad line count: %s", path);
	}
}

/* The summary and decoders must give valid UTF-8 and not crash. */
static void check_headers(const char *path, const struct buf *file,
			  struct stats *st)
{
	struct message_summary sum;
	struct buf out = BUF_INIT;
	struct address *list;
	const char *addrs[3];
	size_t i;

	message_summary_parse(file->data, file->len, &sum);
	if (sum.subject != NULL)
		rfc2047_decode(sum.subject, strlen(sum.subject), &out);
	addrs[0] = sum.from;
	addrs[1] = sum.to;
	addrs[2] = sum.cc;
	for (i = 0; i < 3; i++) {
		if (addrs[i] == NULL)
			continue;
		address_list_parse(addrs[i], strlen(addrs[i]), &list);
		address_list_format(list, &out);
		address_list_free(&list);
	}
	if (!charset_is_utf8(out.data, out.len)) {
		st->bad_utf8++;
		diag("decoded headers not UTF-8: %s", path);
	}
	message_summary_release(&sum);
	buf_release(&out);
}

static void check_file(const char *path, struct stats *st)
{
	static const size_t chunks[] = { 4096, 7, 1 };
	struct buf file = BUF_INIT, want = BUF_INIT, got = BUF_INIT;
	struct mime_part *root;
	size_t i;

	if (read_file_small(path, FILE_MAX, &file) < 0) {
		diag("cannot read %s", path);
		st->chunk_mismatch++;
		return;
	}
	st->files++;
	root = mime_parse_buf(file.data, file.len, NULL);
	mime_part_dump(root, &want);
	check_tree(path, &file, root, st);
	mime_part_free(&root);
	for (i = 0; i < ARRAY_SIZE(chunks); i++) {
		if (chunks[i] == 1 && file.len > ONE_BYTE_MAX)
			continue;
		root = parse_chunks(file.data, file.len, chunks[i]);
		buf_reset(&got);
		mime_part_dump(root, &got);
		mime_part_free(&root);
		if (got.len != want.len ||
		    memcmp(got.data, want.data, got.len) != 0) {
			st->chunk_mismatch++;
			diag("chunk size %zu changes the tree: %s", chunks[i],
			     path);
			break;
		}
	}
	check_headers(path, &file, st);
	buf_release(&file);
	buf_release(&want);
	buf_release(&got);
}

static void walk(const char *dir, struct stats *st)
{
	struct dirent *de;
	DIR *d = opendir(dir);

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		char path[4096];
		struct stat sb;

		if (de->d_name[0] == '.' || strstr(de->d_name, ".tsv") ||
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

static void run_dir(const char *corpus, const char *sub, unsigned int min)
{
	struct stats st = { 0 };
	char dir[4096];

	if (xsnprintf(dir, sizeof(dir), "%s/%s", corpus, sub) < 0)
		return;
	walk(dir, &st);
	ok(st.files >= min, "%s: %u files parsed (%u parts)", sub, st.files,
	   st.parts);
	is_int(st.chunk_mismatch, 0, "%s: same tree for every chunk size", sub);
	is_int(st.bad_offsets, 0, "%s: part offsets inside the file, ordered",
	       sub);
	is_int(st.bad_lines, 0, "%s: line counts match the bytes", sub);
	is_int(st.bad_utf8, 0, "%s: decoded headers are UTF-8", sub);
}

static struct mime_part *parse_file(const char *corpus, const char *name,
				    struct buf *file)
{
	char path[4096];

	buf_reset(file);
	if (xsnprintf(path, sizeof(path), "%s/torture/%s", corpus, name) < 0 ||
	    read_file_small(path, FILE_MAX, file) < 0)
		return NULL;
	return mime_parse_buf(file->data, file->len, NULL);
}

static void known_facts(const char *corpus)
{
	struct mime_limits lim = MIME_LIMITS_DEFAULT;
	struct buf file = BUF_INIT;
	struct mime_part *root, *p;

	root = parse_file(corpus, "flanker/enclosed-endless.eml", &file);
	ok(root != NULL, "enclosed-endless.eml parses");
	if (root != NULL) {
		is_int(mime_part_count(root), 3043,
		       "enclosed-endless.eml has 3043 parts");
		p = mime_part_find(root, "2.3039");
		ok(p != NULL && mime_part_is(p, "text", "html"),
		   "its part 2.3039 is the last text/html");
		ok(mime_part_find(root, "2.3040") == NULL, "there is no 2.3040");
		ok(!(root->flags & MIME_PART_TOO_MANY_PARTS),
		   "the default limit is not reached");
		mime_part_free(&root);
		lim.max_parts = 1000;
		root = mime_parse_buf(file.data, file.len, &lim);
		is_int(mime_part_count(root), 1000,
		       "with max_parts 1000 it stops at 1000 parts");
		ok(root->flags & MIME_PART_TOO_MANY_PARTS, "and says so");
		is_int(root->body_end, file.len, "the root still ends at EOF");
		mime_part_free(&root);
	}

	root = parse_file(corpus, "stalwart/thirdparty-005.eml", &file);
	ok(root != NULL && memchr(file.data, '\0', file.len) != NULL,
	   "thirdparty-005.eml (with a NUL byte) parses");
	if (root != NULL) {
		is_int(root->n_children, 5, "thirdparty-005.eml has 5 parts");
		mime_part_free(&root);
	}

	root = parse_file(corpus, "mime4j/very-very-long-boundary.eml", &file);
	ok(root != NULL && (root->flags & MIME_PART_MULTIPART) &&
	   root->n_children > 0,
	   "a 7,000-byte boundary is accepted and found");
	mime_part_free(&root);
	buf_release(&file);
}

int main(void)
{
	const char *corpus = tap_corpus_dir();

	if (corpus == NULL) {
		skip("no ../shared/corpus");
		return done_testing();
	}
	run_dir(corpus, "torture", 300);
	run_dir(corpus, "realistic/spamassassin", 6000);
	known_facts(corpus);
	return done_testing();
}
