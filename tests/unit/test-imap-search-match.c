/* Tests for the SEARCH engine (frontends/imap/imap-search.c,
 * imap-search-file.c, imap-casefold.c) on message files written here. */

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "buf.h"
#include "imap/imap-casefold.h"
#include "imap/imap-parser.h"
#include "imap/imap-search.h"
#include "maildir-name.h"
#include "message-summary.h"
#include "util.h"
#include "../tap.h"
#include "imap-parse-test.h"

#define MAX_MSGS 16

static struct imap_msg_ref refs[MAX_MSGS];
static char *paths[MAX_MSGS];
static char *caches[MAX_MSGS];
static size_t nmsgs;
static char *dir;
static int opens;

/* Mirrors what index.c caches: the first of each field, one a line. */
static char *cache_of(const char *text, size_t len, size_t *len_r)
{
	struct message_summary sum;
	struct buf out = BUF_INIT;
	size_t i;

	message_summary_parse(text, len, &sum);
	const char *names[] = { "Subject", "From", "Sender", "Reply-To", "To",
				"Cc", "Bcc", "Date", "Message-ID",
				"In-Reply-To", "References" };
	const char *values[] = { sum.subject, sum.from, sum.sender,
				 sum.reply_to, sum.to, sum.cc, sum.bcc,
				 sum.date, sum.message_id, sum.in_reply_to,
				 sum.references };
	for (i = 0; i < ARRAY_SIZE(values); i++)
		if (values[i] != NULL)
			buf_printf(&out, "%s: %s\n", names[i], values[i]);
	message_summary_release(&sum);
	*len_r = out.len;
	return buf_detach(&out);
}

static void add_msg_len(const char *text, size_t len, uint32_t flags,
			uint32_t keywords, time_t idate)
{
	struct imap_msg_ref *m = &refs[nmsgs];
	struct buf path = BUF_INIT;
	size_t i;
	int fd;

	buf_printf(&path, "%s/%zu.eml", dir, nmsgs + 1);
	fd = open(path.data, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write_full(fd, text, len) < 0)
		fatal("cannot write %s", path.data);
	close(fd);
	memset(m, 0, sizeof(*m));
	m->seq = (uint32_t)nmsgs + 1;
	m->uid = (uint32_t)(nmsgs + 1) * 10;
	m->flags = flags;
	m->keywords = keywords;
	m->modseq = 100 + nmsgs;
	m->internal_date = idate;
	m->vsize = len;
	for (i = 0; i < len; i++)
		if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r'))
			m->vsize++;
	caches[nmsgs] = cache_of(text, len, &m->headers_len);
	m->headers = caches[nmsgs];
	paths[nmsgs] = buf_detach(&path);
	m->ctx = paths[nmsgs];
	nmsgs++;
}

static void add_msg(const char *text, uint32_t flags, uint32_t keywords,
		    time_t idate)
{
	add_msg_len(text, strlen(text), flags, keywords, idate);
}

static int open_msg(void *ctx, const struct imap_msg_ref *m, int *fd_r)
{
	(void)ctx;
	opens++;
	*fd_r = open(m->ctx, O_RDONLY);
	return *fd_r < 0 ? -errno : 0;
}

static int keyword_index(void *ctx, const char *name)
{
	(void)ctx;
	if (strcasecmp(name, "$Label1") == 0)
		return 0;
	if (strcasecmp(name, "work") == 0)
		return 1;
	return -1;
}

static struct imap_seqset saved;

/* Runs "SEARCH <args>" over the messages: "1 3", "" or "ERR <errno>"
 * (the first error), or "BAD ..." from the parser.  With no_files, the
 * environment cannot open files. */
static const char *search_env(const char *cmd, bool no_files)
{
	static struct buf out = BUF_INIT;
	struct imap_parser p;
	struct imap_search s;
	struct imap_search_prog *prog;
	struct imap_search_env env = { 0 };
	const struct imap_list *args;
	const char *error;
	size_t i;
	int r;

	buf_reset(&out);
	imap_parser_init(&p, NULL);
	imap_search_init(&s);
	r = feed_command(&p, cmd, SIZE_MAX);
	args = imap_parser_args(&p);
	if (r != IMAP_PARSE_DONE ||
	    imap_search_parse(&s, args->args, args->count, &error) < 0) {
		buf_printf(&out, "BAD");
		goto out;
	}
	imap_search_compile(&s, keyword_index, NULL, &prog);
	env.max_seq = (uint32_t)nmsgs;
	env.max_uid = refs[nmsgs - 1].uid;
	env.saved = &saved;
	env.open_msg = no_files ? NULL : open_msg;
	for (i = 0; i < nmsgs; i++) {
		r = imap_search_match(prog, &env, &refs[i]);
		if (r < 0) {
			buf_reset(&out);
			buf_printf(&out, "ERR %d", -r);
			break;
		}
		if (r == 1)
			buf_printf(&out, "%s%u", out.len ? " " : "",
				   refs[i].seq);
	}
	imap_search_prog_free(&prog);
out:
	imap_search_release(&s);
	imap_parser_release(&p);
	return out.data;
}

static const char *search(const char *cmd)
{
	return search_env(cmd, false);
}

static bool needs_file(const char *args)
{
	struct imap_parser p;
	struct imap_search s;
	struct imap_search_prog *prog;
	const struct imap_list *a;
	const char *error;
	bool r = false;

	imap_parser_init(&p, NULL);
	imap_search_init(&s);
	if (imap_parser_feed_line(&p, args, strlen(args), 0) ==
	    IMAP_PARSE_DONE) {
		a = imap_parser_args(&p);
		if (imap_search_parse(&s, a->args, a->count, &error) == 0) {
			imap_search_compile(&s, NULL, NULL, &prog);
			r = imap_search_needs_file(prog);
			imap_search_prog_free(&prog);
		}
	}
	imap_search_release(&s);
	imap_parser_release(&p);
	return r;
}

static void add_test_messages(void)
{
	struct buf big = BUF_INIT, body = BUF_INIT;
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, hdr, chars, boundary;

	add_msg("From: \"Alice Example\" <alice@example.org>\n"
		"To: bob@example.com\n"
		"Cc: carol@example.net\n"
		"Subject: Hello world\n"
		"Date: Mon, 1 Jan 2024 23:30:00 -0500\n"
		"Message-ID: <m1@example.org>\n"
		"X-Custom: magic-value\n"
		"X-Custom: second-value\n"
		"\n"
		"The quick brown fox jumps over the lazy dog.\n",
		MFLAG_SEEN | MFLAG_ANSWERED, 1u << 0, 1704169800);
	add_msg("From: =?UTF-8?B?SsO2cmcgTcO8bGxlcg==?= <joerg@example.de>\n"
		"To: \"Team\" <team@example.de>\n"
		"Subject: =?ISO-8859-1?Q?Gr=FC=DFe_aus_M=FCnchen?=\n"
		"MIME-Version: 1.0\n"
		"Content-Type: text/plain; charset=iso-8859-1\n"
		"Content-Transfer-Encoding: quoted-printable\n"
		"\n"
		"Sch=F6ne Gr=FC=DFe vom Stra=DFenfest, soft=\n"
		" break here\n",
		MFLAG_FLAGGED | MFLAG_DELETED | IMAP_MSG_RECENT, 1u << 1,
		1710036000);
	add_msg("From: dave@example.com\n"
		"Bcc: hidden@example.com\n"
		"Subject: multipart\n"
		"Date: Sat, 15 Jun 2024 01:00:00 +0200\n"
		"MIME-Version: 1.0\n"
		"Content-Type: multipart/mixed; boundary=\"b1\"\n"
		"\n"
		"preamble\n"
		"--b1\n"
		"Content-Type: text/plain; charset=utf-8\n"
		"Content-Transfer-Encoding: base64\n"
		"\n"
		"zprOsc67zrfOvM6tz4HOsSDOus+Mz4POvM61CtCf0YDQuNCy0LXRgiwg0JzQmNCgCg==\n"
		"--b1\n"
		"Content-Type: text/html\n"
		"\n"
		"<p>Hello <b>HTML</b> &amp; friends</p>\n"
		"--b1\n"
		"Content-Type: message/rfc822\n"
		"\n"
		"Subject: inner-subject-xyz\n"
		"From: inner@example.com\n"
		"\n"
		"inner body text\n"
		"--b1\n"
		"Content-Type: application/octet-stream\n"
		"Content-Transfer-Encoding: base64\n"
		"\n"
		"YXR0YWNobWVudC1vbmx5LXdvcmQK\n"
		"--b1--\n",
		MFLAG_DRAFT | MFLAG_SEEN | MFLAG_PASSED | IMAP_MSG_RECENT, 0,
		1718452800);

	/* Over 1 MB of plain text with needles across the 64 KiB reads. */
	buf_puts(&big, "Subject: big one\n"
		 "Date: Mon, 1 Jul 2024 00:00:00 +0000\n\n");
	hdr = big.len;
	for (i = 0; i < 1100000; i++)
		buf_putc(&big, i % 100 == 99 ? '\n' : 'x');
	memcpy(big.data + hdr + 65536 - 4, "needle-one", 10);
	memcpy(big.data + hdr + 1048576 - 3, "needle-two", 10);
	add_msg_len(big.data, big.len, 0, 0, 1719792000);

	/* The same in base64 of UTF-8: a needle with an umlaut across the
	 * boundary of the first read's decoded bytes (76 characters and a
	 * line break per line). */
	for (i = 0; i < 900000; i++)
		buf_putc(&body, i % 100 == 99 ? '\n' : 'y');
	chars = (65536 / 77) * 76 + (65536 % 77 < 76 ? 65536 % 77 : 76);
	boundary = chars * 6 / 8;
	memcpy(body.data + boundary - 3, "\xc3\x9c" "berquerung", 12);
	buf_reset(&big);
	buf_puts(&big, "Subject: big base64\n"
		 "Date: Mon, 1 Jul 2024 00:00:00 +0000\n"
		 "Content-Type: text/plain; charset=UTF-8\n"
		 "Content-Transfer-Encoding: base64\n\n");
	for (i = 0; i < body.len; i += 3) {
		unsigned char a = (unsigned char)body.data[i];
		unsigned char b = i + 1 < body.len ? body.data[i + 1] : 0;
		unsigned char c = i + 2 < body.len ? body.data[i + 2] : 0;

		buf_putc(&big, b64[a >> 2]);
		buf_putc(&big, b64[((a & 3) << 4) | (b >> 4)]);
		buf_putc(&big, i + 1 < body.len ?
			 b64[((b & 15) << 2) | (c >> 6)] : '=');
		buf_putc(&big, i + 2 < body.len ? b64[c & 63] : '=');
		if ((i / 3) % 19 == 18)
			buf_putc(&big, '\n');
	}
	buf_putc(&big, '\n');
	add_msg_len(big.data, big.len, 0, 0, 1719878399);

	/* A subject longer than the index keeps: the cache holds it cut. */
	buf_reset(&big);
	buf_puts(&big, "Date: garbage\nSubject: ");
	for (i = 0; i < 5000; i++)
		buf_putc(&big, 'a' + (char)(i % 26));
	buf_puts(&big, " tail-word\n\nshort\n");
	add_msg_len(big.data, big.len, 0, 0, 1722506400);
	buf_reset(&body);
	buf_puts(&body, "Subject: ");
	buf_append(&body, big.data + 23, 4096);
	buf_puts(&body, "\nDate: garbage\n");
	free(caches[nmsgs - 1]);
	refs[nmsgs - 1].headers_len = body.len;
	caches[nmsgs - 1] = buf_detach(&body);
	refs[nmsgs - 1].headers = caches[nmsgs - 1];
	buf_release(&big);
	buf_release(&body);
}

static bool find(const char *needle, const char *hay)
{
	struct imap_casefold_needle n;
	bool r;

	imap_casefold_needle_init(&n, needle, strlen(needle));
	r = imap_casefold_find(&n, hay, strlen(hay));
	imap_casefold_needle_release(&n);
	return r;
}

/* The same search fed one byte at a time. */
static bool find_bytewise(const char *needle, const char *hay)
{
	struct imap_casefold_needle n;
	struct imap_casefold_match m;
	size_t i;

	imap_casefold_needle_init(&n, needle, strlen(needle));
	imap_casefold_match_init(&m, &n);
	for (i = 0; hay[i] != '\0'; i++)
		imap_casefold_match_feed(&m, hay + i, 1);
	imap_casefold_needle_release(&n);
	return m.found;
}

static void test_casefold(void)
{
	struct buf b = BUF_INIT;

	ok(find("HELLO", "say hello there"), "ASCII folds");
	ok(!find("hellp", "say hello there"), "a different string");
	ok(find("aab", "aaab"), "KMP falls back after a partial match");
	ok(find("ababc", "abababc"), "KMP overlapping prefix");
	ok(find("", "anything"), "the empty string is in everything");
	ok(find("\xc3\xa4pfel", "\xc3\x84PFEL"), "Latin-1 (\xc3\x84pfel)");
	ok(find("\xc5\x82\xc3\xb3\x64\xc5\xba",
		"\xc5\x81\xc3\x93\x44\xc5\xb9"), 
	   "Latin Extended-A");
	ok(find("\xcf\x83\xce\xaf\xcf\x83\xcf\x85\xcf\x86\xce\xbf\xcf\x83",
		"\xce\xa3\xce\x8a\xce\xa3\xce\xa5\xce\xa6\xce\x9f\xce\xa3"),
	   "Greek, tonos and final sigma");
	ok(find("\xd0\xbc\xd0\xb8\xd1\x80", "\xd0\x9c\xd0\x98\xd0\xa0"),
	   "Cyrillic (\xd0\x9c\xd0\x98\xd0\xa0)");
	ok(find("\xd1\x91\xd0\xb6", "\xd0\x81\xd0\x96"), "Cyrillic \xd0\x81");
	ok(find("kelvin", "\xe2\x84\xaa" "ELVIN"), "Kelvin sign folds to k");
	ok(find("abc", "\xef\xbc\xa1\xef\xbc\xa2\xef\xbc\xa3") == false,
	   "fullwidth letters fold to fullwidth, not ASCII");
	ok(!find("strasse", "stra\xc3\x9f" "e"), "no full folding (\xc3\x9f != ss)");
	ok(find_bytewise("\xc3\xbc" "ber", "x \xc3\x9c" "BER y"),
	   "fed one byte at a time, split characters");
	ok(find_bytewise("aab", "aaaab"), "fed one byte at a time, KMP");
	ok(find("x\xef\xbf\xbdy", "x\xffy"), "an invalid byte is U+FFFD");
	imap_casefold_utf8("\xce\x9a\xce\xb1\xce\xbb\xce\x97 ABC", 12, &b);
	is_str(b.data, "\xce\xba\xce\xb1\xce\xbb\xce\xb7 abc",
	       "imap_casefold_utf8()");
	buf_release(&b);
}

static void test_flags(void)
{
	is_str(search("A SEARCH ALL"), "1 2 3 4 5 6", "ALL");
	is_str(search("A SEARCH SEEN"), "1 3", "SEEN");
	is_str(search("A SEARCH UNSEEN"), "2 4 5 6", "UNSEEN");
	is_str(search("A SEARCH ANSWERED"), "1", "ANSWERED");
	is_str(search("A SEARCH UNANSWERED"), "2 3 4 5 6", "UNANSWERED");
	is_str(search("A SEARCH FLAGGED"), "2", "FLAGGED");
	is_str(search("A SEARCH UNFLAGGED"), "1 3 4 5 6", "UNFLAGGED");
	is_str(search("A SEARCH DELETED"), "2", "DELETED");
	is_str(search("A SEARCH UNDELETED"), "1 3 4 5 6", "UNDELETED");
	is_str(search("A SEARCH DRAFT"), "3", "DRAFT");
	is_str(search("A SEARCH UNDRAFT"), "1 2 4 5 6", "UNDRAFT");
	is_str(search("A SEARCH RECENT"), "2 3", "RECENT");
	is_str(search("A SEARCH NEW"), "2", "NEW is RECENT UNSEEN");
	is_str(search("A SEARCH OLD"), "1 4 5 6", "OLD");
	is_str(search("A SEARCH KEYWORD $label1"), "1", "KEYWORD (any case)");
	is_str(search("A SEARCH KEYWORD work"), "2", "KEYWORD bit 1");
	is_str(search("A SEARCH KEYWORD nosuch"), "", "unknown KEYWORD");
	is_str(search("A SEARCH UNKEYWORD nosuch"), "1 2 3 4 5 6",
	       "unknown UNKEYWORD");
	is_str(search("A SEARCH UNKEYWORD work"), "1 3 4 5 6", "UNKEYWORD");
	is_str(search("A SEARCH KEYWORD $Forwarded"), "3",
	       "KEYWORD $Forwarded matches the P flag");
	is_str(search("A SEARCH NOT SEEN NOT DELETED"), "4 5 6", "NOT, AND");
	is_str(search("A SEARCH OR DRAFT FLAGGED"), "2 3", "OR");
	is_str(search("A SEARCH OR (SEEN ANSWERED) (DELETED FLAGGED)"), "1 2",
	       "OR of lists");
	is_str(search("A SEARCH NOT (OR SEEN RECENT)"), "4 5 6",
	       "NOT of a list");
}

static void test_sets(void)
{
	char cmd[128];

	is_str(search("A SEARCH 2:4"), "2 3 4", "sequence set");
	is_str(search("A SEARCH *"), "6", "* is the last message");
	is_str(search("A SEARCH 5:*"), "5 6", "n:*");
	is_str(search("A SEARCH 9:*"), "6", "n:* past the end still has *");
	is_str(search("A SEARCH 1,3,5"), "1 3 5", "list");
	is_str(search("A SEARCH UID 20:30"), "2 3", "UID set");
	is_str(search("A SEARCH UID *"), "6", "UID *");
	is_str(search("A SEARCH UID 25:*"), "3 4 5 6", "UID n:*");
	is_str(search("A SEARCH NOT 1:3"), "4 5 6", "NOT set");
	is_str(search("A SEARCH OR 1 6"), "1 6", "OR of sets");
	is_str(search("A SEARCH $"), "", "$ with an empty saved result");
	imap_seqset_add_range(&saved, 10, 10);
	imap_seqset_add_range(&saved, 40, 40);
	is_str(search("A SEARCH $"), "1 4", "$ is the saved UIDs");
	is_str(search("A SEARCH UID $ SEEN"), "1", "UID $ and a flag");
	snprintf(cmd, sizeof(cmd), "A SEARCH LARGER %llu",
		 (unsigned long long)refs[0].vsize - 1);
	ok(strncmp(search(cmd), "1 ", 2) == 0, "LARGER vsize-1 has it");
	snprintf(cmd, sizeof(cmd), "A SEARCH LARGER %llu",
		 (unsigned long long)refs[0].vsize);
	ok(search(cmd)[0] != '1', "LARGER vsize has not (strictly larger)");
	snprintf(cmd, sizeof(cmd), "A SEARCH SMALLER %llu",
		 (unsigned long long)refs[0].vsize + 1);
	is_str(search(cmd), "1", "SMALLER vsize+1 has it");
	snprintf(cmd, sizeof(cmd), "A SEARCH SMALLER %llu",
		 (unsigned long long)refs[0].vsize);
	is_str(search(cmd), "", "SMALLER vsize has not");
	is_str(search("A SEARCH LARGER 100000"), "4 5", "LARGER 100000");
	is_str(search("A SEARCH MODSEQ 103"), "4 5 6", "MODSEQ");
	is_str(search("A SEARCH MODSEQ \"/flags/\\\\draft\" all 104"), "5 6",
	       "MODSEQ with an entry");
}

static void test_dates(void)
{
	is_str(search("A SEARCH ON 2-Jan-2024"), "1", "ON internal date");
	is_str(search("A SEARCH SINCE 1-Jul-2024"), "4 5 6", "SINCE");
	is_str(search("A SEARCH BEFORE 1-Jul-2024"), "1 2 3", "BEFORE");
	is_str(search("A SEARCH ON 1-Jul-2024"), "4 5",
	       "ON covers the whole day");
	is_str(search("A SEARCH SENTON 1-Jan-2024"), "1",
	       "SENTON in the Date field's own zone");
	is_str(search("A SEARCH SENTON 10-Mar-2024"), "2",
	       "SENTON without Date uses the internal date");
	is_str(search("A SEARCH SENTON 15-Jun-2024"), "3", "SENTON +0200");
	is_str(search("A SEARCH SENTBEFORE 15-Jun-2024"), "1 2",
	       "SENTBEFORE");
	is_str(search("A SEARCH SENTSINCE 1-Aug-2024"), "6",
	       "SENTSINCE, an invalid Date uses the internal date");
	setenv("TZ", "EST5", 1);
	tzset();
	is_str(search("A SEARCH ON 9-Mar-2024"), "2",
	       "internal dates in the server's zone (EST5)");
	is_str(search("A SEARCH ON 1-Jan-2024"), "1", "...the day before");
	is_str(search("A SEARCH SENTON 15-Jun-2024"), "3",
	       "...SENTON does not depend on it");
	setenv("TZ", "UTC", 1);
	tzset();
}

static void test_strings(void)
{
	is_str(search("A SEARCH SUBJECT hello"), "1", "SUBJECT");
	is_str(search("A SEARCH SUBJECT {7}\r\ngr\xc3\xbc\xc3\x9f" "e"), "2",
	       "SUBJECT after RFC 2047 decoding (ISO-8859-1)");
	is_str(search("A SEARCH CHARSET UTF-8 SUBJECT {8}\r\nM\xc3\x9cNCHEN"),
	       "2", "SUBJECT, non-ASCII case-insensitive");
	is_str(search("A SEARCH FROM {5}\r\nj\xc3\xb6rg"), "2",
	       "FROM after RFC 2047 decoding (UTF-8 B)");
	is_str(search("A SEARCH FROM example.org"), "1", "FROM domain");
	is_str(search("A SEARCH FROM \"alice example\""), "1",
	       "FROM display name");
	is_str(search("A SEARCH FROM \"Example <alice@\""), "1",
	       "FROM in display form");
	is_str(search("A SEARCH TO bob"), "1", "TO");
	is_str(search("A SEARCH TO team"), "2", "TO name");
	is_str(search("A SEARCH CC CAROL"), "1", "CC");
	is_str(search("A SEARCH BCC hidden"), "3", "BCC");
	is_str(search("A SEARCH SUBJECT \"\""), "1 2 3 4 5 6",
	       "SUBJECT \"\" matches a Subject field");
	is_str(search("A SEARCH CC \"\""), "1", "CC \"\" needs a Cc field");
	is_str(search("A SEARCH HEADER Message-ID m1@"), "1",
	       "HEADER of a cached field");
	is_str(search("A SEARCH HEADER X-Custom MAGIC"), "1",
	       "HEADER of another field, from the file");
	is_str(search("A SEARCH HEADER x-custom second"), "1",
	       "HEADER finds the second of two fields");
	is_str(search("A SEARCH HEADER X-Custom \"\""), "1",
	       "HEADER \"\": the field is there");
	is_str(search("A SEARCH HEADER X-Missing \"\""), "", "...and is not");
	is_str(search("A SEARCH SUBJECT tail-word"), "6",
	       "a cut cached value is read whole from the file");
	is_str(search_env("A SEARCH SUBJECT tail-word", true), "",
	       "...or only the kept part without files");
	ok(!needs_file("A SEARCH SUBJECT x FROM y HEADER To z SEEN 1:*"),
	   "cached keys need no file");
	ok(needs_file("A SEARCH BODY x"), "BODY needs the file");
	ok(needs_file("A SEARCH HEADER X-Foo y"), "HEADER X-Foo needs it");
	ok(needs_file("A SEARCH NOT OR SEEN TEXT x"), "nested TEXT needs it");
}

static void test_files(void)
{
	char want[32];

	is_str(search("A SEARCH BODY \"quick brown\""), "1", "BODY");
	is_str(search("A SEARCH BODY \"hello world\""), "",
	       "BODY does not look at the header");
	is_str(search("A SEARCH TEXT \"hello world\""), "1", "TEXT header");
	is_str(search("A SEARCH TEXT \"subject: hello\""), "1",
	       "TEXT sees \"Name: value\"");
	is_str(search("A SEARCH TEXT LAZY"), "1", "TEXT body");
	is_str(search("A SEARCH BODY {15}\r\nsch\xc3\xb6ne gr\xc3\xbc\xc3\x9f" "e"),
	       "2", "BODY quoted-printable ISO-8859-1");
	is_str(search("A SEARCH BODY {12}\r\nSTRA\xc3\x9f" "ENFEST"), "2",
	       "BODY case-folds");
	is_str(search("A SEARCH BODY \"soft break\""), "2",
	       "BODY across a soft line break");
	is_str(search("A SEARCH BODY {16}\r\n\xce\x9a\xce\x91\xce\x9b\xce\x97"
		      "\xce\x9c\xce\x88\xce\xa1\xce\x91"), "3",
	       "BODY base64 UTF-8 Greek, upper case");
	is_str(search("A SEARCH BODY {6}\r\n\xd0\xbc\xd0\xb8\xd1\x80"), "3",
	       "BODY Cyrillic, lower case");
	is_str(search("A SEARCH BODY \"html & friends\""), "3",
	       "BODY HTML text with entities");
	is_str(search("A SEARCH BODY \"<b>\""), "", "HTML tags are not text");
	is_str(search("A SEARCH BODY inner-subject-xyz"), "3",
	       "BODY sees an attached message's header");
	is_str(search("A SEARCH BODY \"inner body\""), "3",
	       "BODY sees an attached message's text");
	is_str(search("A SEARCH BODY attachment-only-word"), "",
	       "BODY skips non-text parts");
	is_str(search("A SEARCH BODY preamble"), "",
	       "BODY skips the preamble");
	is_str(search("A SEARCH BODY needle-one"), "4",
	       "BODY match across the first 64 KiB read");
	is_str(search("A SEARCH BODY NEEDLE-TWO"), "4",
	       "BODY match across the 1 MiB point");
	is_str(search("A SEARCH BODY {12}\r\n\xc3\xbc" "BERQUERUNG"), "5",
	       "BODY base64 match across a decoded chunk boundary");
	is_str(search("A SEARCH TEXT needle-two"), "4", "TEXT in a big body");
	is_str(search("A SEARCH BODY zzz-nowhere"), "", "BODY no match");

	snprintf(want, sizeof(want), "ERR %d", EWOULDBLOCK);
	is_str(search_env("A SEARCH BODY quick", true), want,
	       "BODY without files: -EWOULDBLOCK");
	is_str(search_env("A SEARCH BODY quick UNSEEN DRAFT", true), "",
	       "cheap keys decide first, no file needed");
	opens = 0;
	is_str(search("A SEARCH BODY x FLAGGED"), "", "FLAGGED BODY x");
	is_int(opens, 1, "...opened only the flagged message");
	opens = 0;
	is_str(search("A SEARCH OR BODY quick TEXT quick"), "1",
	       "two file keys");
	is_int(opens, 6, "...open each file once");
}

int main(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
	dir = tap_tmpdir("imap-search");
	imap_seqset_init(&saved);
	add_test_messages();

	test_casefold();
	test_flags();
	test_sets();
	test_dates();
	test_strings();
	test_files();

	imap_seqset_release(&saved);
	for (size_t i = 0; i < nmsgs; i++) {
		unlink(paths[i]);
		free(paths[i]);
		free(caches[i]);
	}
	rmdir(dir);
	free(dir);
	return done_testing();
}
