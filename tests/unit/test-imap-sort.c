/* Tests for SORT (frontends/imap/imap-sort.c). */

#include <errno.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "imap/imap-base-subject.h"
#include "imap/imap-parser.h"
#include "imap/imap-sort.h"
#include "util.h"
#include "../tap.h"

static const char *const hdrs[] = {
	"Subject: Re: beta\nFrom: Zed <zed@x>\nTo: bob@x\n"
	"Date: Mon, 1 Jan 2024 10:00:00 +0000\n",
	"Subject: alpha\nFrom: =?utf-8?q?=C3=89mile?= <emile@x>\n"
	"To: Anna <anna@x>\nCc: zz@x\n"
	"Date: Mon, 1 Jan 2024 09:00:00 +0000\n",
	"Subject: [fwd: Gamma]\nFrom: adam@x\nDate: not a date\n",
	"Subject: ALPHA\nFrom: \"bob\" <Bob@x>\nTo: carl@x\n"
	"Date: Mon, 1 Jan 2024 10:00:00 +0100\n",
};
static struct imap_msg_ref msgs[4];

/* Parses "(criteria)" and sorts the four messages: "2 4 1 3", or
 * "BAD <text>". */
static const char *sort(const char *criteria)
{
	static struct buf out = BUF_INIT;
	struct buf cmd = BUF_INIT;
	struct imap_parser p;
	struct imap_sort_program prog;
	const struct imap_list *args, *list;
	const char *error;
	uint32_t order[4];
	size_t i;

	buf_reset(&out);
	buf_printf(&cmd, "A SORT %s UTF-8 ALL", criteria);
	imap_parser_init(&p, NULL);
	if (imap_parser_feed_line(&p, cmd.data, cmd.len, 0) !=
	    IMAP_PARSE_DONE || (args = imap_parser_args(&p))->count < 1 ||
	    !imap_arg_get_list(&args->args[0], &list)) {
		buf_puts(&out, "PARSER");
	} else if (imap_sort_parse(list->args, list->count, &prog,
				   &error) < 0) {
		buf_printf(&out, "BAD %s", error);
	} else {
		imap_sort_run(&prog, msgs, 4, order);
		for (i = 0; i < 4; i++)
			buf_printf(&out, "%s%u", i ? " " : "",
				   msgs[order[i]].seq);
	}
	imap_parser_release(&p);
	buf_release(&cmd);
	return out.data;
}

static void test_keys(void)
{
	static const time_t idates[] = { 300, 100, 200, 100 };
	static const uint64_t sizes[] = { 500, 300, 500, 100 };
	size_t i;

	for (i = 0; i < 4; i++) {
		msgs[i].seq = (uint32_t)i + 1;
		msgs[i].uid = (uint32_t)i + 1;
		msgs[i].internal_date = idates[i];
		msgs[i].vsize = sizes[i];
		msgs[i].headers = hdrs[i];
		msgs[i].headers_len = strlen(hdrs[i]);
	}
	is_str(sort("(SUBJECT)"), "2 4 1 3", "SUBJECT: base subject, any case");
	is_str(sort("(REVERSE SUBJECT)"), "3 1 2 4",
	       "REVERSE SUBJECT, ties stay in sequence order");
	is_str(sort("(DATE)"), "3 2 4 1",
	       "DATE in UTC (10:00 +0100 = 09:00 +0000); a bad Date: "
	       "the internal date");
	is_str(sort("(REVERSE DATE)"), "1 2 4 3", "REVERSE DATE");
	is_str(sort("(ARRIVAL)"), "2 4 3 1", "ARRIVAL, ties by sequence");
	is_str(sort("(SIZE)"), "4 2 1 3", "SIZE");
	is_str(sort("(REVERSE SIZE)"), "1 3 2 4", "REVERSE SIZE");
	is_str(sort("(SIZE REVERSE SUBJECT)"), "4 2 3 1",
	       "a second key breaks ties, reversed alone");
	is_str(sort("(FROM)"), "3 4 2 1", "FROM: the local part, any case");
	is_str(sort("(DISPLAYFROM)"), "3 4 1 2",
	       "DISPLAYFROM: decoded name, else the address");
	is_str(sort("(TO)"), "3 2 1 4", "TO: a missing field sorts first");
	is_str(sort("(DISPLAYTO)"), "3 2 1 4", "DISPLAYTO");
	is_str(sort("(CC)"), "1 3 4 2", "CC");
	is_str(sort("(cc reverse arrival)"), "1 3 4 2",
	       "criteria in any case");
	is_str(sort("()"), "BAD Missing sort criteria", "empty list");
	is_str(sort("(REVERSE)"), "BAD REVERSE needs a sort criterion",
	       "REVERSE alone");
	is_str(sort("(REVERSE REVERSE DATE)"), "BAD REVERSE REVERSE",
	       "REVERSE twice");
	is_str(sort("(DATE FOO)"), "BAD Unknown sort criterion",
	       "unknown criterion");
	is_str(sort("(DATE \"SIZE\")"), "BAD Unknown sort criterion",
	       "a quoted criterion");
	is_str(sort("(DATE DATE DATE DATE DATE DATE DATE DATE DATE DATE "
		    "DATE DATE DATE DATE DATE DATE DATE)"),
	       "BAD Too many sort criteria", "17 criteria");
}

/* 100,000 messages by subject, then date: the keys are computed once. */
static void test_many(void)
{
	enum { N = 100000 };
	struct imap_msg_ref *many = xcalloc(N, sizeof(*many));
	char **h = xcalloc(N, sizeof(*h));
	uint32_t *order = xcalloc(N, sizeof(*order));
	struct imap_sort_program prog = {
		{ { IMAP_SORT_SUBJECT, false }, { IMAP_SORT_DATE, true } }, 2
	};
	struct buf b = BUF_INIT, prev = BUF_INIT, cur = BUF_INIT;
	unsigned long long x = 88172645463325252ULL;
	struct timespec t0, t1;
	bool sorted = true;
	size_t i;

	for (i = 0; i < N; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		buf_reset(&b);
		buf_printf(&b, "Subject: %sTopic %llu\n"
			   "Date: Mon, 1 Jan 2024 %02llu:%02llu:00 +0000\n",
			   x % 3 == 0 ? "Re: " : "", x % 5000,
			   (x >> 20) % 24, (x >> 30) % 60);
		h[i] = buf_detach(&b);
		many[i].seq = (uint32_t)i + 1;
		many[i].headers = h[i];
		many[i].headers_len = strlen(h[i]);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	imap_sort_run(&prog, many, N, order);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	diag("100,000 messages sorted in %.3f s",
	     (double)(t1.tv_sec - t0.tv_sec) +
	     (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	for (i = 0; i < N && sorted; i++) {
		const char *s = many[order[i]].headers + 9;
		int c;

		buf_reset(&cur);
		imap_base_subject(s, (size_t)(strchr(s, '\n') - s), &cur);
		c = i > 0 ? strcmp(prev.data, cur.data) : -1;
		if (c > 0 || (c == 0 && strcmp(
		    strstr(many[order[i - 1]].headers, "Date:"),
		    strstr(many[order[i]].headers, "Date:")) < 0))
			sorted = false;
		buf_set(&prev, cur.data);
	}
	ok(sorted, "100,000 messages in order (subject, reverse date)");
	for (i = 0; i < N; i++)
		free(h[i]);
	free(h);
	free(many);
	free(order);
	buf_release(&b);
	buf_release(&prev);
	buf_release(&cur);
}

int main(void)
{
	test_keys();
	test_many();
	return done_testing();
}
