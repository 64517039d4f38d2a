/*
 * Tests for the FETCH renderers: ENVELOPE (imap-envelope.h), BODY and
 * BODYSTRUCTURE (imap-bodystructure.h) and sections (imap-section.h),
 * checked byte for byte against RFC 3501 and hand-made messages, on LF
 * and CRLF copies of each message.
 */

#include <string.h>

#include "imap/imap-bodystructure.h"
#include "imap/imap-crlf.h"
#include "imap/imap-envelope.h"
#include "message-summary.h"
#include "imap-fetch-test.h"

/* RFC 3501 section 8's example message, shortened. */
static const char rfc_msg[] =
	"Date: Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\n"
	"From: Terry Gray <gray@cac.washington.edu>\n"
	"Subject: IMAP4rev1 WG mtg summary and minutes\n"
	"To: imap@cac.washington.edu\n"
	"cc: minutes@CNRI.Reston.VA.US, John Klensin <KLENSIN@MIT.EDU>\n"
	"Message-Id: <B27397-0100000@cac.washington.edu>\n"
	"MIME-Version: 1.0\n"
	"Content-Type: TEXT/PLAIN; CHARSET=US-ASCII\n"
	"\n"
	"Hello Joe, do you think we can meet at 3:30 tomorrow?\n";

static const char rfc_env[] =
	"(\"Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\" "
	"\"IMAP4rev1 WG mtg summary and minutes\" "
	"((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
	"((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
	"((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
	"((NIL NIL \"imap\" \"cac.washington.edu\")) "
	"((NIL NIL \"minutes\" \"CNRI.Reston.VA.US\")"
	"(\"John Klensin\" NIL \"KLENSIN\" \"MIT.EDU\")) NIL NIL "
	"\"<B27397-0100000@cac.washington.edu>\")";

/* The same header as the index caches it. */
static const char cached[] =
	"Subject: IMAP4rev1 WG mtg summary and minutes\n"
	"From: Terry Gray <gray@cac.washington.edu>\n"
	"To: imap@cac.washington.edu\n"
	"Cc: minutes@CNRI.Reston.VA.US, John Klensin <KLENSIN@MIT.EDU>\n"
	"Date: Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\n"
	"Message-ID: <B27397-0100000@cac.washington.edu>\n"
	"References: <x@y>\n";

/* multipart/mixed: text, an attached multipart message, base64, qp. */
static const char mixed_msg[] =
	"From: A <a@example.com>\n"
	"To: B <b@example.com>\n"
	"Subject: test\n"
	"Date: Mon, 1 Jan 2024 00:00:00 +0000\n"
	"Message-ID: <m1@example.com>\n"
	"MIME-Version: 1.0\n"
	"Content-Type: multipart/mixed; boundary=\"outer\"\n"
	"\n"
	"preamble\n"
	"--outer\n"
	"Content-Type: text/plain; charset=utf-8\n"
	"\n"
	"Hello\n"
	"world\n"
	"--outer\n"
	"Content-Type: message/rfc822\n"
	"Content-Disposition: inline\n"
	"\n"
	"From: C <c@example.com>\n"
	"Subject: =?utf-8?q?inner?=\n"
	"Content-Type: multipart/alternative; boundary=inner\n"
	"\n"
	"--inner\n"
	"Content-Type: text/plain\n"
	"\n"
	"inner text\n"
	"--inner\n"
	"Content-Type: text/html\n"
	"\n"
	"<p>x</p>\n"
	"--inner--\n"
	"--outer\n"
	"Content-Type: application/octet-stream; name=\"a.bin\"\n"
	"Content-Transfer-Encoding: base64\n"
	"Content-Disposition: attachment; filename=\"a.bin\"\n"
	"\n"
	"AAECAwQ=\n"
	"--outer\n"
	"Content-Type: text/plain\n"
	"Content-Transfer-Encoding: quoted-printable\n"
	"Content-Language: en, de\n"
	"Content-Location: http://x/y\n"
	"\n"
	"caf=C3=A9 soft=\n"
	"break\n"
	"--outer--\n";

static const char mixed_inner_env[] =
	"(NIL \"=?utf-8?q?inner?=\" ((\"C\" NIL \"c\" \"example.com\")) "
	"((\"C\" NIL \"c\" \"example.com\")) "
	"((\"C\" NIL \"c\" \"example.com\")) NIL NIL NIL NIL NIL)";

static const char mixed_bs[] =
	"((\"text\" \"plain\" (\"CHARSET\" \"utf-8\") NIL NIL \"7bit\" 12 2 "
	"NIL NIL NIL NIL)"
	"(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 212 %s "
	"((\"text\" \"plain\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7bit\" "
	"10 1 NIL NIL NIL NIL)"
	"(\"text\" \"html\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7bit\" "
	"8 1 NIL NIL NIL NIL) \"alternative\" (\"BOUNDARY\" \"inner\") "
	"NIL NIL NIL) 13 NIL (\"inline\" NIL) NIL NIL)"
	"(\"application\" \"octet-stream\" (\"NAME\" \"a.bin\") NIL NIL "
	"\"base64\" 8 NIL (\"attachment\" (\"FILENAME\" \"a.bin\")) NIL NIL)"
	"(\"text\" \"plain\" (\"CHARSET\" \"us-ascii\") NIL NIL "
	"\"quoted-printable\" 22 2 NIL NIL (\"en\" \"de\") \"http://x/y\") "
	"\"mixed\" (\"BOUNDARY\" \"outer\") NIL NIL NIL)";

static const char mixed_body[] =
	"((\"text\" \"plain\" (\"CHARSET\" \"utf-8\") NIL NIL \"7bit\" 12 2)"
	"(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 212 %s "
	"((\"text\" \"plain\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7bit\" "
	"10 1)(\"text\" \"html\" (\"CHARSET\" \"us-ascii\") NIL NIL "
	"\"7bit\" 8 1) \"alternative\") 13)"
	"(\"application\" \"octet-stream\" (\"NAME\" \"a.bin\") NIL NIL "
	"\"base64\" 8)"
	"(\"text\" \"plain\" (\"CHARSET\" \"us-ascii\") NIL NIL "
	"\"quoted-printable\" 22 2) \"mixed\")";

/* Both line ending styles of one message, open. */
struct pair {
	int fd[2];		/* LF, CRLF */
	struct mime_part *root[2];
	struct buf crlf;	/* the CRLF text */
};

static void pair_open(struct pair *p, const char *lf)
{
	memset(p, 0, sizeof(*p));
	buf_init(&p->crlf);
	test_crlf(lf, strlen(lf), &p->crlf);
	p->fd[0] = test_msg_fd(lf, strlen(lf));
	p->fd[1] = test_msg_fd(p->crlf.data, p->crlf.len);
}

static void pair_close(struct pair *p)
{
	int i;

	for (i = 0; i < 2; i++) {
		close(p->fd[i]);
		mime_part_free(&p->root[i]);
	}
	buf_release(&p->crlf);
}

/* A section of both copies must give the same bytes; returns the bytes
 * of the LF copy (static, valid until the next call), or "ERR n". */
static const char *sec2(struct pair *p, const char *item, size_t chunk)
{
	static struct buf got[2];
	int i, ret[2];

	for (i = 0; i < 2; i++)
		ret[i] = test_section(p->fd[i], &p->root[i], item, chunk,
				      &got[i], NULL);
	if (ret[0] < 0 || ret[1] < 0) {
		buf_reset(&got[0]);
		buf_printf(&got[0], "ERR %d %d", ret[0], ret[1]);
	} else if (got[0].len != got[1].len ||
		   memcmp(got[0].data, got[1].data, got[0].len) != 0) {
		buf_set(&got[0], "LF AND CRLF DIFFER");
	}
	return got[0].data;
}

/* imap_section_size() of an item, or -1. */
static int64_t section_size(int fd, struct mime_part **root,
			    const char *item)
{
	const struct imap_fetch_body *body;
	struct imap_fetch fetch;
	struct imap_section *sec = NULL;
	int64_t size = -1;

	if (test_parse_item(item, &fetch, &body) == 0 &&
	    imap_section_open(&sec, fd, root, body) == 0)
		size = (int64_t)imap_section_size(sec);
	imap_section_free(&sec);
	imap_fetch_release(&fetch);
	return size;
}

static void check_envelopes(void)
{
	struct message_summary sum;
	struct buf out = BUF_INIT, want = BUF_INIT;
	static const char groups[] =
		"From: =?iso-8859-1?q?J=F6rg?= <j@example.org>\n"
		"Sender:\n"
		"To: Friends: a@x.org, \"B, Jr.\" <b@y.org>;, c@z.org\n"
		"Cc: undisclosed-recipients:;\n"
		"Subject: =?utf-8?b?w6k=?= raw\n"
		"\n";

	message_summary_parse(rfc_msg, strlen(rfc_msg), &sum);
	imap_envelope_write(&sum, &out);
	is_str(out.data, rfc_env, "ENVELOPE of the RFC 3501 example");
	message_summary_release(&sum);

	buf_reset(&out);
	message_summary_parse(groups, strlen(groups), &sum);
	imap_envelope_write(&sum, &out);
	is_str(out.data,
	       "(NIL \"=?utf-8?b?w6k=?= raw\" "
	       "((\"=?iso-8859-1?q?J=F6rg?=\" NIL \"j\" \"example.org\")) "
	       "((\"=?iso-8859-1?q?J=F6rg?=\" NIL \"j\" \"example.org\")) "
	       "((\"=?iso-8859-1?q?J=F6rg?=\" NIL \"j\" \"example.org\")) "
	       "((NIL NIL \"Friends\" NIL)(NIL NIL \"a\" \"x.org\")"
	       "(\"B, Jr.\" NIL \"b\" \"y.org\")(NIL NIL NIL NIL)"
	       "(NIL NIL \"c\" \"z.org\")) "
	       "((NIL NIL \"undisclosed-recipients\" NIL)(NIL NIL NIL NIL)) "
	       "NIL NIL NIL)",
	       "encoded words raw, groups, empty Sender takes From, "
	       "missing fields NIL");
	message_summary_release(&sum);

	buf_reset(&out);
	message_summary_parse("X: y\n\nbody", 10, &sum);
	imap_envelope_write(&sum, &out);
	is_str(out.data, "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)",
	       "no envelope fields at all");
	message_summary_release(&sum);

	/* The index's cached lines give the same envelope. */
	buf_reset(&out);
	imap_envelope_write_cached(cached, strlen(cached), &out);
	is_str(out.data, rfc_env, "ENVELOPE from cached header lines");
	buf_reset(&out);
	imap_envelope_write_cached("", 0, &out);
	is_str(out.data, "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)",
	       "ENVELOPE from no cached lines");

	/* 8-bit bytes go out as a literal. */
	buf_reset(&out);
	message_summary_parse("Subject: caf\xc3\xa9\n\n", 16, &sum);
	imap_envelope_write(&sum, &out);
	buf_set(&want, "(NIL {5}\r\ncaf\xc3\xa9 NIL NIL NIL NIL NIL NIL "
		"NIL NIL)");
	is_str(out.data, want.data, "8-bit subject as a literal");
	message_summary_release(&sum);
	buf_release(&out);
	buf_release(&want);
}

static void check_structures(void)
{
	struct buf out = BUF_INIT, want = BUF_INIT;
	struct pair p;
	int i;

	pair_open(&p, rfc_msg);
	for (i = 0; i < 2; i++) {
		mime_parse_fd(p.fd[i], NULL, &p.root[i]);
		buf_reset(&out);
		is_int(imap_bodystructure_write(p.root[i], p.fd[i], false,
						&out), 0, "BODY %d", i);
		is_str(out.data, "(\"text\" \"plain\" (\"CHARSET\" "
		       "\"US-ASCII\") NIL NIL \"7bit\" 55 1)",
		       "BODY of the RFC example (%s)", i ? "CRLF" : "LF");
	}
	pair_close(&p);

	pair_open(&p, mixed_msg);
	for (i = 0; i < 2; i++) {
		mime_parse_fd(p.fd[i], NULL, &p.root[i]);
		buf_reset(&out);
		imap_bodystructure_write(p.root[i], p.fd[i], true, &out);
		buf_reset(&want);
		buf_printf(&want, mixed_bs, mixed_inner_env);
		is_str(out.data, want.data, "BODYSTRUCTURE of a nested "
		       "multipart (%s)", i ? "CRLF" : "LF");
		buf_reset(&out);
		imap_bodystructure_write(p.root[i], p.fd[i], false, &out);
		buf_reset(&want);
		buf_printf(&want, mixed_body, mixed_inner_env);
		is_str(out.data, want.data, "BODY of a nested multipart "
		       "(%s)", i ? "CRLF" : "LF");
	}
	pair_close(&p);

	/* Defaults and odd parameters. */
	pair_open(&p, "Content-Type: multipart/mixed; boundary=b\n\n"
		      "--b--\n");
	mime_parse_fd(p.fd[0], NULL, &p.root[0]);
	buf_reset(&out);
	imap_bodystructure_write(p.root[0], p.fd[0], true, &out);
	is_str(out.data, "((\"text\" \"plain\" (\"CHARSET\" \"us-ascii\") "
	       "NIL NIL \"7bit\" 0 0 NIL NIL NIL NIL) \"mixed\" "
	       "(\"BOUNDARY\" \"b\") NIL NIL NIL)",
	       "a multipart without parts gets an empty text part");
	pair_close(&p);

	pair_open(&p, "Content-Type: application/x-y; "
		      "name*=iso-8859-1''J%F6rg; q=\"a \\\"b\\\"\"\n"
		      "Content-ID: <id@x>\nContent-Description: d\n"
		      "Content-MD5: Q2hlY2sgSW50ZWdyaXR5IQ==\n"
		      "Content-Transfer-Encoding: BASE64 (comment)\n\n"
		      "AAAA\n");
	mime_parse_fd(p.fd[0], NULL, &p.root[0]);
	buf_reset(&out);
	imap_bodystructure_write(p.root[0], p.fd[0], true, &out);
	is_str(out.data, "(\"application\" \"x-y\" (\"NAME*\" "
	       "\"utf-8''J%C3%B6rg\" \"Q\" \"a \\\"b\\\"\") \"<id@x>\" \"d\" "
	       "\"BASE64\" 6 \"Q2hlY2sgSW50ZWdyaXR5IQ==\" NIL NIL NIL)",
	       "RFC 2231 value re-encoded as UTF-8, quotes escaped, "
	       "encoding's first word");
	pair_close(&p);
	buf_release(&out);
	buf_release(&want);
}

static void check_sections(void)
{
	struct buf want = BUF_INIT, got = BUF_INIT;
	struct pair p;
	bool nul = false;
	const char *hdr_end;

	pair_open(&p, mixed_msg);
	is_str(sec2(&p, "BODY[]", 4096), p.crlf.data, "BODY[] is the "
	       "message with CRLF");
	is_str(sec2(&p, "BODY[]", 1), p.crlf.data, "BODY[] one byte at a "
	       "time");
	hdr_end = strstr(p.crlf.data, "\r\n\r\n") + 4;
	buf_append(&want, p.crlf.data, (size_t)(hdr_end - p.crlf.data));
	is_str(sec2(&p, "BODY[HEADER]", 7), want.data, "BODY[HEADER]");
	is_str(sec2(&p, "BODY[TEXT]", 7), hdr_end, "BODY[TEXT]");
	is_str(sec2(&p, "BODY[1]", 3), "Hello\r\nworld", "BODY[1]");
	is_str(sec2(&p, "BODY[1.MIME]", 3),
	       "Content-Type: text/plain; charset=utf-8\r\n\r\n",
	       "BODY[1.MIME]");
	is_str(sec2(&p, "BODY[2.HEADER]", 5),
	       "From: C <c@example.com>\r\n"
	       "Subject: =?utf-8?q?inner?=\r\n"
	       "Content-Type: multipart/alternative; boundary=inner\r\n\r\n",
	       "BODY[2.HEADER] of the embedded message");
	is_int(strlen(sec2(&p, "BODY[2]", 100)), 212,
	       "BODY[2] is the whole embedded message");
	ok(strncmp(sec2(&p, "BODY[2.TEXT]", 100), "--inner\r\n", 9) == 0,
	   "BODY[2.TEXT] starts with the inner boundary");
	is_str(sec2(&p, "BODY[2.1]", 100), "inner text", "BODY[2.1]");
	is_str(sec2(&p, "BODY[2.2.MIME]", 100),
	       "Content-Type: text/html\r\n\r\n", "BODY[2.2.MIME]");
	is_str(sec2(&p, "BODY[3]", 100), "AAECAwQ=", "BODY[3] raw");
	is_str(sec2(&p, "BINARY[4]", 2), "caf\xc3\xa9 softbreak",
	       "BINARY[4] decodes quoted-printable");
	is_int(section_size(p.fd[1], &p.root[1], "BINARY.SIZE[4]"), 15,
	       "BINARY.SIZE[4] is the decoded size");
	is_int(section_size(p.fd[1], &p.root[1], "BINARY.SIZE[3]"), 5,
	       "BINARY.SIZE[3] is the decoded size");
	is_int(section_size(p.fd[0], &p.root[0], "BINARY.SIZE[2]"), 212,
	       "BINARY.SIZE[2] of a message/rfc822 part is its size");
	is_str(sec2(&p, "BINARY[1]", 2), "Hello\r\nworld",
	       "BINARY of a 7bit part is its text");
	is_int(test_section(p.fd[0], &p.root[0], "BINARY[3]", 1, &got, &nul),
	       1, "BINARY[3] reads");
	ok(got.len == 5 && memcmp(got.data, "\0\1\2\3\4", 5) == 0 && nul,
	   "BINARY[3] decodes base64 and reports the NUL");
	is_str(sec2(&p, "BODY[9]", 100), "NIL", "no part 9: NIL");
	is_str(sec2(&p, "BODY[2.3]", 100), "NIL", "no part 2.3: NIL");
	is_str(sec2(&p, "BODY[1.HEADER]", 100), "NIL",
	       "HEADER of a part that is not a message: NIL");
	is_str(sec2(&p, "BODY[1]<2.3>", 100), "llo", "partial inside");
	is_str(sec2(&p, "BODY[1]<5.100>", 100), "\r\nworld",
	       "partial cut at the end, starting at a converted CRLF");
	is_str(sec2(&p, "BODY[1]<6.1>", 100), "\n",
	       "partial starting between CR and LF");
	is_str(sec2(&p, "BODY[1]<12.5>", 100), "", "partial at the end");
	is_str(sec2(&p, "BODY[1]<400.5>", 100), "", "partial past the end");
	is_str(sec2(&p, "BINARY[4]<3.2>", 100), "\xc3\xa9",
	       "partial of decoded content");
	is_str(sec2(&p, "BODY[HEADER.FIELDS (subject TO)]", 3),
	       "To: B <b@example.com>\r\nSubject: test\r\n\r\n",
	       "HEADER.FIELDS keeps order, any case");
	is_str(sec2(&p, "BODY[2.HEADER.FIELDS.NOT (Content-Type From)]", 3),
	       "Subject: =?utf-8?q?inner?=\r\n\r\n",
	       "HEADER.FIELDS.NOT of the embedded message");
	is_str(sec2(&p, "BODY[HEADER.FIELDS (X-None)]", 3), "\r\n",
	       "HEADER.FIELDS matching nothing is the empty line");
	pair_close(&p);

	/* Folded fields, a field name with space before the colon, a
	 * line without a colon. */
	pair_open(&p, "Subject: one\n two\n\tthree\nX-A : 1\n"
		      "garbage line\nTo: t\n  folded to\n\nbody\n");
	is_str(sec2(&p, "BODY[HEADER.FIELDS (SUBJECT X-A TO)]", 1),
	       "Subject: one\r\n two\r\n\tthree\r\nX-A : 1\r\n"
	       "To: t\r\n  folded to\r\n\r\n",
	       "HEADER.FIELDS keeps folded lines");
	is_str(sec2(&p, "BODY[HEADER.FIELDS.NOT (Subject To)]", 1),
	       "X-A : 1\r\ngarbage line\r\n\r\n",
	       "HEADER.FIELDS.NOT keeps lines that are not fields");
	is_str(sec2(&p, "BODY[1]", 1), "body\r\n",
	       "BODY[1] of a non-multipart message is its body");
	is_str(sec2(&p, "BODY[1.MIME]", 100),
	       "Subject: one\r\n two\r\n\tthree\r\nX-A : 1\r\n"
	       "garbage line\r\nTo: t\r\n  folded to\r\n\r\n",
	       "BODY[1.MIME] of a non-multipart message is its header");
	is_str(sec2(&p, "BODY[2]", 100), "NIL", "BODY[2] of a non-multipart "
	       "message: NIL");
	pair_close(&p);

	/* A header without an empty line and a body without a final LF. */
	pair_open(&p, "Subject: s\nTo: t");
	is_str(sec2(&p, "BODY[HEADER.FIELDS (To)]", 1), "To: t\r\n\r\n",
	       "HEADER.FIELDS closes an unterminated last line");
	is_str(sec2(&p, "BODY[TEXT]", 1), "", "no body: empty TEXT");
	pair_close(&p);

	/* NUL bytes: BODY sends 0x80, BINARY keeps them. */
	pair_open(&p, "Subject: n\n\na");
	close(p.fd[0]);
	p.fd[0] = test_msg_fd("Subject: n\n\na\0b\n", 16);
	is_int(test_section(p.fd[0], &p.root[0], "BODY[TEXT]", 10, &got,
			    NULL), 1, "BODY[TEXT] with NUL reads");
	ok(got.len == 5 && memcmp(got.data, "a\x80" "b\r\n", 5) == 0,
	   "NUL sent as 0x80 in BODY");
	is_int(test_section(p.fd[0], &p.root[0], "BINARY[1]", 10, &got,
			    &nul), 1, "BINARY[1] with NUL reads");
	ok(got.len == 5 && memcmp(got.data, "a\0b\r\n", 5) == 0 && nul,
	   "NUL kept in BINARY and reported");
	pair_close(&p);

	pair_open(&p, "Content-Transfer-Encoding: x-uuencode\n\nbegin\n");
	is_int(test_section(p.fd[0], &p.root[0], "BINARY[1]", 10, &got,
			    NULL), IMAP_SECTION_UNKNOWN_CTE,
	       "BINARY of an unknown encoding fails");
	is_int(test_section(p.fd[0], &p.root[0], "BINARY[]", 10, &got,
			    NULL), IMAP_SECTION_UNKNOWN_CTE,
	       "BINARY[] of an unknown encoding fails");
	is_str(sec2(&p, "BODY[1]", 3), "begin\r\n", "BODY of it is fine");
	pair_close(&p);

	pair_open(&p, "Content-Transfer-Encoding: base64\n\naGk=\n");
	is_str(sec2(&p, "BINARY[]", 3),
	       "Content-Transfer-Encoding: base64\r\n\r\nhi",
	       "BINARY[] of a single part: header and decoded body");
	pair_close(&p);
	buf_release(&want);
	buf_release(&got);
}

int main(void)
{
	check_envelopes();
	check_structures();
	check_sections();
	return done_testing();
}
