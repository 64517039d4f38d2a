/* Tests of the MIME structure parser and IMAP part numbering. */

#include "../tap.h"
#include "buf.h"
#include "mime.h"
#include "util.h"

/* Parses with the given chunk size; 0 means all at once. */
static struct mime_part *parse(const char *data, size_t len, size_t chunk,
			       const struct mime_limits *lim)
{
	struct mime_parser *mp = mime_parser_new(lim);
	size_t off = 0;

	if (chunk == 0)
		chunk = len ? len : 1;
	for (; off < len; off += chunk)
		mime_parser_feed(mp, data + off,
				 len - off < chunk ? len - off : chunk);
	return mime_parser_finish(&mp);
}

/* Parses whole and one byte at a time, checks both agree, returns the
 * whole-parse tree. */
static struct mime_part *parse_checked(const char *name, const char *data,
				       size_t len,
				       const struct mime_limits *lim)
{
	struct mime_part *a = parse(data, len, 0, lim);
	struct mime_part *b = parse(data, len, 1, lim);
	struct mime_part *c = parse(data, len, 13, lim);
	struct buf da = BUF_INIT, db = BUF_INIT, dc = BUF_INIT;

	mime_part_dump(a, &da);
	mime_part_dump(b, &db);
	mime_part_dump(c, &dc);
	is_str(db.data, da.data, "%s: one byte at a time gives the same tree",
	       name);
	is_str(dc.data, da.data, "%s: 13-byte chunks give the same tree",
	       name);
	mime_part_free(&b);
	mime_part_free(&c);
	ok(b == NULL, "mime_part_free sets NULL");
	buf_release(&da);
	buf_release(&db);
	buf_release(&dc);
	return a;
}

#define PARSE(name, lit) parse_checked(name, lit, sizeof(lit) - 1, NULL)

static const char *section_of(const struct mime_part *p)
{
	static struct buf b = BUF_INIT;

	buf_reset(&b);
	mime_part_section(p, &b);
	return b.data;
}

static void is_part(const struct mime_part *p, const char *type,
		    const char *subtype, uint64_t hdr, uint64_t body,
		    uint64_t end, uint64_t lines, const char *name)
{
	if (!ok(p != NULL, "%s exists", name))
		return;
	is_str(p->type, type, "%s type", name);
	is_str(p->subtype, subtype, "%s subtype", name);
	is_int(p->hdr_offset, hdr, "%s header offset", name);
	is_int(p->body_offset, body, "%s body offset", name);
	is_int(p->body_end, end, "%s body end", name);
	is_int(p->body_lines, lines, "%s lines", name);
}

static const char rfc2060_dump[] =
	"[] multipart/mixed hdr=0 body=160 end=1262 lines=68 flags=0x5 children=4 boundary=\"x\"\n"
	"  [1] text/plain hdr=164 body=190 end=223 lines=1 flags=0 children=0\n"
	"  [2] application/octet-stream hdr=228 body=268 end=301 lines=1 flags=0 children=0\n"
	"  [3] message/rfc822 hdr=306 body=336 end=638 lines=17 flags=0x2 children=1\n"
	"    [3] multipart/mixed hdr=336 body=481 end=638 lines=11 flags=0x5 children=2 boundary=\"3.x\"\n"
	"      [3.1] text/plain hdr=487 body=513 end=548 lines=1 flags=0 children=0\n"
	"      [3.2] application/octet-stream hdr=555 body=595 end=630 lines=1 flags=0 children=0\n"
	"  [4] multipart/mixed hdr=643 body=690 end=1255 lines=34 flags=0x1 children=2 boundary=\"4.x\"\n"
	"    [4.1] image/gif hdr=696 body=721 end=756 lines=1 flags=0 children=0\n"
	"    [4.2] message/rfc822 hdr=763 body=793 end=1255 lines=26 flags=0x2 children=1\n"
	"      [4.2] multipart/mixed hdr=793 body=942 end=1255 lines=20 flags=0x5 children=2 boundary=\"4.2.x\"\n"
	"        [4.2.1] text/plain hdr=950 body=976 end=1013 lines=1 flags=0 children=0\n"
	"        [4.2.2] multipart/alternative hdr=1022 body=1079 end=1245 lines=11 flags=0x1 children=2 boundary=\"4.2.2.x\"\n"
	"          [4.2.2.1] text/plain hdr=1089 body=1115 end=1154 lines=1 flags=0 children=0\n"
	"          [4.2.2.2] text/richtext hdr=1165 body=1194 end=1233 lines=1 flags=0 children=0\n";

/* The RFC 2060 part specifier example: every leaf says its own number. */
static void test_rfc2060(void)
{
	const char *dir = tap_corpus_dir();
	static const char *const leaves[] = {
		"1", "2", "3.1", "3.2", "4.1", "4.2.1", "4.2.2.1", "4.2.2.2",
	};
	struct buf file = BUF_INIT, dump = BUF_INIT;
	struct mime_part *root, *p;
	char path[4096];
	size_t i;

	if (dir == NULL) {
		skip("no corpus");
		return;
	}
	if (xsnprintf(path, sizeof(path),
		      "%s/torture/mimekit/messages-rfc2060.eml", dir) < 0 ||
	    read_file_small(path, 1 << 20, &file) < 0) {
		ok(0, "read messages-rfc2060.eml");
		return;
	}
	root = parse_checked("rfc2060", file.data, file.len, NULL);
	mime_part_dump(root, &dump);
	is_str(dump.data, rfc2060_dump, "RFC 2060 example: the whole tree");
	for (i = 0; i < ARRAY_SIZE(leaves); i++) {
		char want[64];

		p = mime_part_find(root, leaves[i]);
		if (!ok(p != NULL, "part %s found", leaves[i]))
			continue;
		xsnprintf(want, sizeof(want), "This part specifier should be: %s\n",
			  leaves[i]);
		ok(mime_part_body_size(p) == strlen(want) &&
		   memcmp(file.data + p->body_offset, want, strlen(want)) == 0,
		   "body of part %s names it", leaves[i]);
		is_str(section_of(p), leaves[i], "section of part %s", leaves[i]);
	}
	p = mime_part_find(root, "3");
	ok(p != NULL && (p->flags & MIME_PART_HAS_MESSAGE) &&
	   mime_part_is(p->children, "multipart", "mixed"),
	   "part 3 is message/rfc822 holding a multipart message");
	ok(p != NULL && memmem(file.data + p->children->hdr_offset,
			       mime_part_header_size(p->children),
			       "Subject: This part specifier should be: 3\n",
			       42) != NULL,
	   "3.HEADER is the embedded message's header");
	p = mime_part_find(root, "4.2");
	ok(p != NULL && mime_part_is(p, "message", "rfc822"),
	   "part 4.2 is message/rfc822");
	p = mime_part_find(root, "4.2.2");
	ok(p != NULL && mime_part_is(p, "multipart", "alternative"),
	   "part 4.2.2 is multipart/alternative");
	ok(mime_part_find(root, "5") == NULL, "no part 5");
	ok(mime_part_find(root, "4.3") == NULL, "no part 4.3");
	ok(mime_part_find(root, "1.1") == NULL, "no part 1.1 (text/plain)");
	ok(mime_part_find(root, "0") == NULL, "0 is not a part number");
	ok(mime_part_find(root, "") == NULL, "empty is not a part number");
	ok(mime_part_find(root, "1.") == NULL, "1. is malformed");
	ok(mime_part_find(root, "01") == NULL, "01 is malformed");
	ok(mime_part_find(root, "4..1") == NULL, "4..1 is malformed");
	ok(mime_part_find(root, "4.x") == NULL, "4.x is malformed");
	ok(mime_part_find(root, "99999999999999999999") == NULL,
	   "a huge number is no part");
	is_str(section_of(root), "", "a multipart root has no number");
	is_int(mime_part_count(root), 15, "15 parts");
	mime_part_free(&root);
	buf_release(&file);
	buf_release(&dump);
}

static void test_single_part(void)
{
	static const char msg[] =
		"Subject: x\r\nContent-Type: Text/HTML; Charset=\"UTF-8\"\r\n"
		"\r\nhello\r\nworld";
	struct mime_part *root = PARSE("single", msg);

	is_part(root, "text", "html", 0, 56, 68, 2, "single-part root");
	is_str(mime_part_charset(root), "UTF-8", "charset parameter");
	is_str(section_of(root), "1", "a non-multipart message's body is 1");
	ok(mime_part_find(root, "1") == root, "find 1 gives the root");
	ok(mime_part_find(root, "2") == NULL, "no part 2");
	ok(mime_part_find(root, "1.1") == NULL, "no part 1.1");
	ok(root->flags & MIME_PART_MESSAGE, "the root is a message");
	mime_part_free(&root);

	root = PARSE("no header", "\nbody\n");
	is_part(root, "text", "plain", 0, 1, 6, 1, "empty header");
	mime_part_free(&root);
	root = PARSE("no body", "Subject: x\n");
	is_part(root, "text", "plain", 0, 11, 11, 0, "header only");
	ok(root->flags & MIME_PART_NO_BODY_SEP, "flagged: no empty line");
	mime_part_free(&root);
	root = PARSE("empty", "");
	is_part(root, "text", "plain", 0, 0, 0, 0, "empty message");
	mime_part_free(&root);
}

static void test_message_rfc822(void)
{
	static const char msg[] =
		"Content-Type: multipart/mixed; boundary=b\n\n"	/* 0-43 */
		"--b\n"						/* 43 */
		"Content-Type: text/plain\n\nfirst\n"		/* 47 */
		"--b\n"						/* 79 */
		"Content-Type: message/rfc822\n\n"		/* 83 */
		"Subject: inner\n\ninner body\n"		/* 113 */
		"--b--\n";					/* 140 */
	struct mime_part *root = PARSE("rfc822", msg), *p;

	p = mime_part_find(root, "2");
	is_part(p, "message", "rfc822", 83, 113, 139, 3, "part 2");
	p = mime_part_find(root, "2.1");
	is_part(p, "text", "plain", 113, 129, 139, 1, "part 2.1");
	ok(p != NULL && (p->flags & MIME_PART_MESSAGE),
	   "2.1 is the embedded single-part message");
	if (p != NULL)
		is_str(section_of(p), "2.1", "its section is 2.1");
	ok(mime_part_find(root, "2.2") == NULL, "no part 2.2");
	ok(mime_part_find(root, "2.1.1") == NULL, "no part 2.1.1");
	mime_part_free(&root);

	/* A message whose top-level type is message/rfc822. */
	root = PARSE("top rfc822",
		     "Content-Type: message/rfc822\n\n"
		     "Content-Type: multipart/alternative; boundary=z\n\n"
		     "--z\n\none\n--z\n\ntwo\n--z--\n");
	is_str(section_of(root), "1", "top message/rfc822 is part 1");
	p = mime_part_find(root, "1.2");
	ok(p != NULL && p->body_end - p->body_offset == 3,
	   "1.2 is the second part of the embedded multipart");
	if (p != NULL)
		is_str(section_of(p), "1.2", "section 1.2");
	mime_part_free(&root);

	/* An encoded message/rfc822 is not parsed into. */
	root = PARSE("base64 rfc822",
		     "Content-Type: message/rfc822\n"
		     "Content-Transfer-Encoding: base64\n\nU3ViamVjdDogeAoK\n");
	ok(root->n_children == 0 && (root->flags & MIME_PART_OPAQUE),
	   "a base64 message/rfc822 is opaque");
	mime_part_free(&root);
}

static void test_boundaries(void)
{
	struct mime_part *root, *p;

	/* The inner boundary "b" is a prefix of the outer "b-outer". */
	root = PARSE("prefix boundary",
		     "Content-Type: multipart/mixed; boundary=\"b-outer\"\n\n"
		     "--b-outer\n"
		     "Content-Type: multipart/alternative; boundary=b\n\n"
		     "--b\n\ninner one\n"
		     "--b-outer\n\nouter two\n"
		     "--b-outer--\n");
	is_int(root->n_children, 2, "outer has two parts");
	p = mime_part_find(root, "1.1");
	ok(p != NULL && mime_part_body_size(p) == 9,
	   "1.1 ends at the outer boundary");
	p = mime_part_find(root, "2");
	ok(p != NULL && mime_part_is(p, "text", "plain") &&
	   mime_part_body_size(p) == 9, "part 2 belongs to the outer");
	mime_part_free(&root);

	/* Missing closing boundary; preamble and epilogue. */
	root = PARSE("preamble",
		     "Content-Type: multipart/mixed; boundary=q\n\n"
		     "preamble text\n--q\n\nbody one\n--q\n\nbody two\n");
	is_int(root->n_children, 2, "two parts without a closing boundary");
	p = mime_part_find(root, "2");
	is_part(p, "text", "plain", 75, 76, 85, 1, "last part runs to EOF");
	is_part(root, "multipart", "mixed", 0, 43, 85, 7, "root");
	mime_part_free(&root);

	root = PARSE("epilogue",
		     "Content-Type: multipart/mixed; boundary=q\n\n"
		     "--q\n\none\n--q--\nepilogue\n--q\nnot a part\n");
	is_int(root->n_children, 1, "a boundary after the close is body");
	is_int(root->body_end, 82, "the epilogue is in the root's body");
	mime_part_free(&root);

	/* Lines that only look like boundaries. */
	root = PARSE("lookalikes",
		     "Content-Type: multipart/mixed; boundary=q\n\n"
		     "--q\n\n-- q\n--Q\n-q\n--r\n--q \t\n\ntwo\n--q--junk\n");
	is_int(root->n_children, 2, "only real boundaries split parts");
	p = mime_part_find(root, "1");
	ok(p != NULL && mime_part_body_size(p) == 15 && p->body_lines == 4,
	   "boundary-like lines stay in the body");
	p = mime_part_find(root, "2");
	ok(p != NULL && mime_part_body_size(p) == 3,
	   "trailing whitespace and junk after -- are allowed");
	mime_part_free(&root);

	/* CRLF: the CRLF before a boundary belongs to the boundary. */
	root = PARSE("crlf",
		     "Content-Type: multipart/mixed; boundary=q\r\n\r\n"
		     "--q\r\nContent-Type: text/plain\r\n\r\na\r\nb\r\n\r\n"
		     "--q--\r\n");
	p = mime_part_find(root, "1");
	is_part(p, "text", "plain", 50, 78, 84, 2, "CRLF part");
	mime_part_free(&root);

	/* A boundary line inside a part's header ends the header. */
	root = PARSE("boundary in header",
		     "Content-Type: multipart/mixed; boundary=q\n\n"
		     "--q\nContent-Type: image/png\n--q\n\nsecond\n--q--\n");
	p = mime_part_find(root, "1");
	ok(p != NULL && mime_part_is(p, "image", "png") &&
	   mime_part_body_size(p) == 0 && (p->flags & MIME_PART_NO_BODY_SEP),
	   "the interrupted part keeps its header and has no body");
	ok(mime_part_find(root, "2") != NULL, "the next part follows");
	mime_part_free(&root);

	root = PARSE("no boundary parameter",
		     "Content-Type: multipart/mixed\n\n--q\n\nx\n--q--\n");
	ok((root->flags & MIME_PART_OPAQUE) && root->n_children == 0,
	   "multipart without boundary is opaque");
	is_str(section_of(root), "1", "and numbered like a single part");
	mime_part_free(&root);

	root = PARSE("digest",
		     "Content-Type: multipart/digest; boundary=d\n\n"
		     "--d\n\nSubject: one\n\nfirst\n"
		     "--d\nContent-Type: text/plain\n\nplain\n--d--\n");
	p = mime_part_find(root, "1");
	ok(p != NULL && mime_part_is(p, "message", "rfc822") &&
	   (p->flags & MIME_PART_HAS_MESSAGE),
	   "digest parts default to message/rfc822");
	p = mime_part_find(root, "2");
	ok(p != NULL && mime_part_is(p, "text", "plain"),
	   "an explicit type wins in a digest");
	mime_part_free(&root);
}

static void test_limits(void)
{
	struct mime_limits lim = MIME_LIMITS_DEFAULT;
	struct buf msg = BUF_INIT, dump = BUF_INIT;
	struct mime_part *root, *p;
	unsigned int i, depth = 0;

	/* 100 nested multiparts against a depth limit of 10. */
	for (i = 0; i < 100; i++)
		buf_printf(&msg, "Content-Type: multipart/mixed; boundary=n%03u"
			   "\n\n--n%03u\n", i, i);
	buf_puts(&msg, "\ndeep\n");
	lim.max_depth = 10;
	root = parse_checked("deep", msg.data, msg.len, &lim);
	for (p = root; p->children != NULL; p = p->children)
		depth++;
	is_int(depth, 10, "nesting stops at max_depth");
	ok(p->flags & MIME_PART_OPAQUE, "the deepest part is opaque");
	is_int(p->body_end, msg.len, "and holds the rest of the message");
	mime_part_free(&root);

	/* 50 parts against a limit of 20. */
	buf_reset(&msg);
	buf_puts(&msg, "Content-Type: multipart/mixed; boundary=p\n\n");
	for (i = 0; i < 50; i++)
		buf_printf(&msg, "--p\n\npart %u\n", i);
	buf_puts(&msg, "--p--\n");
	lim = (struct mime_limits)MIME_LIMITS_DEFAULT;
	lim.max_parts = 20;
	root = parse_checked("many", msg.data, msg.len, &lim);
	is_int(mime_part_count(root), 20, "parts stop at max_parts");
	ok(root->flags & MIME_PART_TOO_MANY_PARTS, "flagged on the root");
	mime_part_free(&root);

	/* A boundary longer than the limit. */
	buf_reset(&msg);
	buf_puts(&msg, "Content-Type: multipart/mixed; boundary=");
	for (i = 0; i < 300; i++)
		buf_putc(&msg, 'a');
	buf_puts(&msg, "\n\n--");
	for (i = 0; i < 300; i++)
		buf_putc(&msg, 'a');
	buf_puts(&msg, "\n\nx\n");
	lim = (struct mime_limits)MIME_LIMITS_DEFAULT;
	root = parse_checked("300-byte boundary", msg.data, msg.len, &lim);
	is_int(root->n_children, 1, "a 300-byte boundary works by default");
	mime_part_free(&root);
	lim.max_boundary = 200;
	root = parse_checked("too long boundary", msg.data, msg.len, &lim);
	ok(root->n_children == 0 && (root->flags & MIME_PART_OPAQUE),
	   "a boundary over max_boundary makes the multipart opaque");
	mime_part_free(&root);
	buf_release(&msg);
	buf_release(&dump);
}

static void test_fields(void)
{
	static const char msg[] =
		"Content-Type: multipart/mixed; boundary=b\n\n--b\n"
		"Content-Type: application/pdf; name=\"=?utf-8?Q?r=C3=A9sum=C3=A9?=.pdf\"\n"
		"Content-ID: <id@x>\nContent-Description: the CV\n"
		"Content-Language: fr\nContent-MD5: Q2hlY2s=\n"
		"Content-Location: http://x/y\n"
		"Content-Transfer-Encoding: BASE64\n\nAAAA\n--b\n"
		"Content-Type: text/plain; name=ignored\n"
		"Content-Disposition: ATTACHMENT;\n"
		" filename*0*=utf-8''%E2%82%AC; filename*1=\" 100.txt\"\n\nx\n"
		"--b\nContent-Disposition: inline\n\ny\n"
		"--b\nContent-Type: text/plain; charset=\"iso-8859-1\" (latin)\n\nz\n"
		"--b--\n";
	struct mime_part *root = PARSE("fields", msg), *p;

	p = mime_part_find(root, "1");
	if (ok(p != NULL, "part 1")) {
		is_str(p->filename, "r\xc3\xa9sum\xc3\xa9.pdf",
		       "file name from an encoded Content-Type name");
		is_str(p->content_id, "<id@x>", "Content-ID");
		is_str(p->description, "the CV", "Content-Description");
		is_str(p->language, "fr", "Content-Language");
		is_str(p->md5, "Q2hlY2s=", "Content-MD5");
		is_str(p->location, "http://x/y", "Content-Location");
		is_str(p->cte_raw, "BASE64", "CTE as written");
		is_int(p->cte, CTE_BASE64, "CTE parsed");
		ok(mime_part_is_attachment(p), "a named part is an attachment");
	}
	p = mime_part_find(root, "2");
	if (ok(p != NULL, "part 2")) {
		is_str(p->disposition, "attachment", "disposition lowercased");
		is_str(p->filename, "\xe2\x82\xac 100.txt",
		       "RFC 2231 file name, continued, wins over name");
		ok(mime_part_is_attachment(p), "attachment");
	}
	p = mime_part_find(root, "3");
	ok(p != NULL && !mime_part_is_attachment(p) && p->filename == NULL,
	   "inline without a name is not an attachment");
	p = mime_part_find(root, "4");
	ok(p != NULL && strcmp(mime_part_charset(p), "iso-8859-1") == 0,
	   "a comment after a quoted parameter is skipped");
	mime_part_free(&root);
}

int main(void)
{
	test_rfc2060();
	test_single_part();
	test_message_rfc822();
	test_boundaries();
	test_limits();
	test_fields();
	return done_testing();
}
