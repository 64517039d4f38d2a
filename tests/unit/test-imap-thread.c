/* Tests for THREAD (frontends/imap/imap-thread.c, imap-thread-refs.c). */

#include <errno.h>
#include <string.h>

#include "buf.h"
#include "imap/imap-thread.h"
#include "util.h"
#include "../tap.h"

#define MAX_MSGS 16

/*
 * Each message is given as "Message-ID|References|In-Reply-To|Subject|
 * hour" (empty fields are absent); it gets a Date on 1 Jan 2024 at that
 * hour, sequence number i + 1 and UID 101 + i.
 */
static const char *thread(enum imap_thread_alg alg, bool use_uid,
			  const char *const *specs)
{
	static const char *const names[] = { "Message-ID", "References",
					     "In-Reply-To", "Subject" };
	static struct buf out = BUF_INIT;
	static struct buf hdr[MAX_MSGS];
	struct imap_msg_ref msgs[MAX_MSGS];
	const char *p, *bar;
	size_t n, f;

	buf_reset(&out);
	for (n = 0; specs[n] != NULL; n++) {
		buf_reset(&hdr[n]);
		p = specs[n];
		for (f = 0; f < 4; f++) {
			bar = strchr(p, '|');
			if (bar != p)
				buf_printf(&hdr[n], "%s: %.*s\n", names[f],
					   (int)(bar - p), p);
			p = bar + 1;
		}
		if (*p != '\0')
			buf_printf(&hdr[n], "Date: Mon, 1 Jan 2024 %s:00:00 "
				   "+0000\n", p);
		memset(&msgs[n], 0, sizeof(msgs[n]));
		msgs[n].seq = (uint32_t)n + 1;
		msgs[n].uid = (uint32_t)n + 101;
		msgs[n].internal_date = 1700000000 + (time_t)n;
		msgs[n].headers = hdr[n].data;
		msgs[n].headers_len = hdr[n].len;
	}
	imap_thread_run(alg, msgs, n, use_uid, &out);
	return out.data;
}

#define REFS IMAP_THREAD_REFERENCES

static void test_references(void)
{
	const char *chain[] = {
		"<a@x>|||topic|10",
		"<b@x>|<a@x>||Re: topic|11",
		"<c@x>|<a@x> <b@x>||Re: topic|12",
		"<d@x>|<a@x>||Re: topic|13",
		"<e@x>||<c@x>|Re: topic|09",
		NULL };
	const char *dummies[] = {
		"<p1@x>|<gone@x>||s1|10",
		"<p2@x>|<gone@x>||s2|09",
		"<p3@x>|<gone2@x>||s3|08",
		"<p4@x>|<gone3@x> <gone4@x>||s4|11",
		NULL };
	const char *loops[] = {
		"<g@x>|<h@x>||l1|10",
		"<h@x>|<g@x>||l2|09",
		"<i@x>|<i@x>||l3|11",
		"<j@x>|<k@x> <j@x> <k@x>||l4|12",
		NULL };
	const char *dups[] = {
		"<dup@x>|||a1|10",
		"<dup@x>|||a2|11",
		"<r@x>|<dup@x>||a3|12",
		"|<dup@x>||a4|13",
		"<bad>|<  r@x\t>|| a5|14",
		NULL };
	const char *truncated[] = {
		"<t1@x>|||u1|10",
		"<t2@x>|<t1@x>||u2|11",
		"<t3@x>|<t2@x>||u3|12",
		"<t4@x>|<t1@x> <t3@x>||u4|13",
		"<t3b@x>|<t1@x>||u5|14",
		NULL };

	is_str(thread(REFS, false, chain), "(1 (2 3 5)(4))",
	       "References chain, siblings, In-Reply-To");
	is_str(thread(REFS, true, chain), "(101 (102 103 105)(104))",
	       "...with UIDs");
	is_str(thread(REFS, false, dummies), "(3)((2)(1))(4)",
	       "missing parents: a dummy with two children stays, others go");
	is_str(thread(REFS, false, loops), "(2 1)(3)(4)",
	       "loops in References are not made");
	is_str(thread(REFS, false, dups), "(1 (3 5)(4))(2)",
	       "duplicate and missing Message-IDs, whitespace in msg-ids");
	is_str(thread(REFS, false, truncated), "(1 (2 3 4)(5))",
	       "References with a gap links to the last one");
}

static void test_subjects(void)
{
	const char *lunch[] = {
		"<l1@x>|||Lunch|10",
		"<l2@x>|||Re: lunch|11",
		"<l3@x>|||LUNCH|12",
		"<l4@x>|||[fwd: Lunch]|13",
		"<l5@x>||||14",
		"<l6@x>|||Other|08",
		NULL };
	const char *dinner[] = {
		"<x1@x>|<miss-a@x>||Dinner|15",
		"<x2@x>|<miss-a@x>||dinner|16",
		"<x3@x>|<miss-b@x>||Re: Dinner|17",
		"<x4@x>|<miss-b@x>||dinner|18",
		NULL };
	const char *reply_first[] = {
		"<y1@x>|||Re: party|10",
		"<y2@x>|||party|11",
		NULL };

	is_str(thread(REFS, false, lunch), "(6)((1 2)(3)(4))(5)",
	       "grouping by base subject: replies, a new dummy, [fwd:]");
	is_str(thread(REFS, false, dinner), "((1)(2)(3)(4))",
	       "two dummies with one subject merge");
	is_str(thread(REFS, false, reply_first), "(2 1)",
	       "a non-reply is preferred as the parent");
}

static void test_ordered_subject(void)
{
	const char *msgs[] = {
		"|||b|10",
		"|||a|11",
		"|||Re: b|09",
		"|||a|08",
		"|||c|12",
		"|||A|13",
		NULL };
	const char *nodate[] = {
		"|||x|",
		"|||x|",
		NULL };
	enum imap_thread_alg alg;

	is_str(thread(IMAP_THREAD_ORDEREDSUBJECT, false, msgs),
	       "(4 (2)(6))(3 1)(5)", "ORDEREDSUBJECT");
	is_str(thread(IMAP_THREAD_ORDEREDSUBJECT, true, nodate),
	       "(101 102)", "ORDEREDSUBJECT, internal dates without Date");
	ok(imap_thread_alg_parse("references", &alg) == 0 && alg == REFS,
	   "alg REFERENCES");
	ok(imap_thread_alg_parse("OrderedSubject", &alg) == 0 &&
	   alg == IMAP_THREAD_ORDEREDSUBJECT, "alg ORDEREDSUBJECT");
	is_int(imap_thread_alg_parse("X-JWZ", &alg), -EINVAL, "unknown alg");
	is_str(thread(REFS, false, msgs + 6), "", "no messages, no output");
}

/* 20,000 messages, each referring to the one before: one deep chain. */
static void test_deep(void)
{
	enum { N = 20000 };
	struct imap_msg_ref *msgs = xcalloc(N, sizeof(*msgs));
	struct buf *hdr = xcalloc(N, sizeof(*hdr));
	struct buf out = BUF_INIT, want = BUF_INIT;
	size_t i;

	for (i = 0; i < N; i++) {
		buf_init(&hdr[i]);
		buf_printf(&hdr[i], "Message-ID: <m%zu@deep>\nSubject: "
			   "Re: deep\n", i);
		if (i > 0)
			buf_printf(&hdr[i], "In-Reply-To: <m%zu@deep>\n",
				   i - 1);
		msgs[i].seq = (uint32_t)i + 1;
		msgs[i].uid = (uint32_t)i + 1;
		/* Later messages are older: sorting must not break it. */
		msgs[i].internal_date = 2000000000 - (time_t)i;
		msgs[i].headers = hdr[i].data;
		msgs[i].headers_len = hdr[i].len;
		buf_printf(&want, "%s%zu", i ? " " : "(", i + 1);
	}
	buf_putc(&want, ')');
	imap_thread_run(REFS, msgs, N, false, &out);
	ok(strcmp(out.data, want.data) == 0, "a 20,000-deep chain");
	/* Each refers to the next instead: the same chain, reversed. */
	for (i = 0; i < N; i++) {
		buf_reset(&hdr[i]);
		buf_printf(&hdr[i], "Message-ID: <m%zu@deep>\n", i);
		if (i + 1 < N)
			buf_printf(&hdr[i], "References: <m%zu@deep>\n",
				   i + 1);
		msgs[i].headers = hdr[i].data;
		msgs[i].headers_len = hdr[i].len;
	}
	buf_reset(&out);
	imap_thread_run(REFS, msgs, N, false, &out);
	ok(strncmp(out.data, "(20000 19999 19998 ", 19) == 0 &&
	   strcmp(out.data + out.len - 5, " 2 1)") == 0,
	   "the chain built from the other end");
	for (i = 0; i < N; i++)
		buf_release(&hdr[i]);
	free(hdr);
	free(msgs);
	buf_release(&out);
	buf_release(&want);
}

int main(void)
{
	test_references();
	test_subjects();
	test_ordered_subject();
	test_deep();
	return done_testing();
}
