/*
 * Fuzz target for the IMAP command parser and the FETCH and SEARCH
 * argument parsers, the SEARCH engine (on one message held in memory)
 * and the SORT criteria.  The input is a client's byte stream: it is split at
 * LF into lines, and every literal the parser asks for is taken from the
 * bytes that follow (kept, streamed to a sink, or refused, by the
 * literal's size).  Complete FETCH and SEARCH commands go on to their own
 * parsers; mailbox-like strings to the mailbox decoder.
 */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "imap/imap-date.h"
#include "imap/imap-fetch-parse.h"
#include "imap/imap-mailbox.h"
#include "imap/imap-parser.h"
#include "imap/imap-quote.h"
#include "imap/imap-search-parse.h"
#include "imap/imap-search.h"
#include "imap/imap-sort.h"
#include "imap/imap-seqset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t sunk;

static int count_sink(void *ctx, const void *d, size_t len)
{
	(void)ctx;
	(void)d;
	sunk += len;
	return sunk > 1000000 ? -1 : 0;
}

/* Walks the tree, checking what the parser promises. */
static size_t check_list(const struct imap_list *list, unsigned int depth)
{
	size_t i, n = list->count;

	if (depth > IMAP_PARSER_DEFAULT_MAX_DEPTH + 1)
		abort();
	for (i = 0; i < list->count; i++) {
		const struct imap_arg *a = &list->args[i];

		if (a->str == NULL || (a->type != IMAP_ARG_LITERAL &&
				       strlen(a->str) != a->len &&
				       a->type != IMAP_ARG_LIST &&
				       a->type != IMAP_ARG_STREAMED))
			abort();
		if (a->type == IMAP_ARG_LIST)
			n += check_list(&a->list, depth + 1);
		if (a->flags & IMAP_ARG_SECTION)
			n += check_list(&a->section, depth + 1);
	}
	return n;
}

/* Keyword names resolve to two letters; the rest are unknown. */
static int fuzz_keyword(void *ctx, const char *name)
{
	(void)ctx;
	return strcmp(name, "$Work") == 0 ? 0 : strcmp(name, "a") == 0 ? 1 : -1;
}

/* Compiles a parsed program and matches it against one message held in
 * memory (the engine must not need the file: open_msg is NULL). */
static void match_one(const struct imap_search *search)
{
	static const char hdr[] = "Subject: =?utf-8?q?f=C3=BC?= hi\n"
		"From: A <a@b.example>\nTo: c@d\nDate: Mon, 7 Feb 1994 "
		"21:52:25 -0800\nMessage-ID: <1@x>\n";
	struct imap_msg_ref m = {
		.seq = 3, .uid = 7, .flags = 0x3, .keywords = 1,
		.modseq = 9, .vsize = 1234, .internal_date = 760000000,
		.headers = hdr, .headers_len = sizeof(hdr) - 1,
	};
	struct imap_search_env env = { .max_seq = 5, .max_uid = 9 };
	struct imap_search_prog *prog;
	int r;

	if (imap_search_compile(search, fuzz_keyword, NULL, &prog) < 0)
		return;
	r = imap_search_match(prog, &env, &m);
	if (r != 0 && r != 1 && r != -EWOULDBLOCK)
		abort();
	imap_search_prog_free(&prog);
}

static void command(struct imap_parser *p)
{
	const struct imap_list *args = imap_parser_args(p);
	const char *name = imap_parser_name(p), *err, *s;
	struct imap_fetch fetch;
	struct imap_search search;
	struct imap_seqset set;
	struct buf out = BUF_INIT, wire = BUF_INIT;
	size_t i = 0, len;
	time_t t;
	int tz;

	if (check_list(args, 0) > IMAP_PARSER_DEFAULT_MAX_ARGS)
		abort();
	if (strcasecmp(name, "UID") == 0 && args->count > 0 &&
	    imap_arg_get_atom(&args->args[0], &name))
		i = 1;
	imap_seqset_init(&set);
	imap_fetch_init(&fetch);
	imap_search_init(&search);
	if (strcasecmp(name, "FETCH") == 0 && args->count > i) {
		if (args->args[i].type == IMAP_ARG_ATOM)
			(void)imap_seqset_parse(&set, args->args[i].str,
						args->args[i].len);
		if (imap_fetch_parse(&fetch, args->args + i + 1,
				     args->count - i - 1, &err) == 0) {
			for (i = 0; i < fetch.body_count; i++) {
				if (fetch.bodies[i].part_count >
				    IMAP_FETCH_MAX_PARTS)
					abort();
				imap_fetch_body_name(&fetch.bodies[i], &out);
			}
		} else if (err == NULL) {
			abort();
		}
	} else if (strcasecmp(name, "SEARCH") == 0) {
		if (imap_search_parse(&search, args->args + i,
				      args->count - i, &err) == 0) {
			if (search.root == NULL)
				abort();
			match_one(&search);
		} else if (err == NULL) {
			abort();
		}
	} else if (strcasecmp(name, "SORT") == 0 && args->count > i) {
		struct imap_sort_program sort;
		const struct imap_list *l;

		if (imap_arg_get_list(&args->args[i], &l) &&
		    imap_sort_parse(l->args, l->count, &sort, &err) == 0 &&
		    imap_search_parse_keys(&search, args->args + i + 1,
					   args->count - i - 1, &err) == 0)
			match_one(&search);
	}
	for (i = 0; i < args->count; i++) {
		if (!imap_arg_get_astring(&args->args[i], &s, &len))
			continue;
		buf_reset(&out);
		buf_reset(&wire);
		if (imap_mailbox_decode(s, len, s[0] & 1, &out) == 0 &&
		    imap_mailbox_encode(out.data, out.len, s[0] & 1,
					&wire) != 0)
			abort();
		(void)imap_date_time_parse(s, len, &t, &tz);
		imap_quote_astring(&out, s, len);
	}
	imap_search_release(&search);
	imap_fetch_release(&fetch);
	imap_seqset_release(&set);
	buf_release(&out);
	buf_release(&wire);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data, *end = in + size, *lf;
	struct imap_parser p;
	const struct imap_literal_info *lit;
	size_t len, n;
	int r;

	sunk = 0;
	imap_parser_init(&p, NULL);
	while (in < end) {
		if (imap_parser_wants(&p) == IMAP_PARSER_WANT_LITERAL) {
			/* Uneven pieces, as the network would give them. */
			n = (size_t)(end - in) < 7 ? (size_t)(end - in) : 7;
			n = imap_parser_feed_literal(&p, in, n);
			if (n == 0)
				abort();
			in += n;
			continue;
		}
		lf = memchr(in, '\n', (size_t)(end - in));
		len = lf != NULL ? (size_t)(lf - in) : (size_t)(end - in);
		r = imap_parser_feed_line(&p, in, len > 0 && in[len - 1] == '\r'
					  ? len - 1 : len, 0);
		in += lf != NULL ? len + 1 : len;
		if (r == IMAP_PARSE_DONE) {
			command(&p);
		} else if (r == IMAP_PARSE_LITERAL) {
			lit = imap_parser_literal(&p);
			if (lit->size > 100000)
				imap_parser_literal_refuse(&p);
			else if (lit->size > 200)
				imap_parser_literal_sink(&p, count_sink, NULL);
			else if (imap_parser_literal_accept(&p) < 0)
				imap_parser_literal_refuse(&p);
		} else if (r < 0 && imap_parser_error(&p) == NULL) {
			abort();
		}
	}
	imap_parser_release(&p);
	return 0;
}
