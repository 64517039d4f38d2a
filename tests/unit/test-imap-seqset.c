/* Tests for IMAP sequence sets (frontends/imap/imap-seqset.c). */

#include <errno.h>
#include <string.h>

#include "buf.h"
#include "imap/imap-seqset.h"
#include "../tap.h"

/* Parses and formats back the normalised form, or "ERR". */
static const char *norm(const char *s)
{
	static struct buf out = BUF_INIT;
	struct imap_seqset set;

	imap_seqset_init(&set);
	buf_reset(&out);
	if (imap_seqset_parse(&set, s, strlen(s)) < 0)
		buf_puts(&out, "ERR");
	else
		imap_seqset_format(&set, &out);
	imap_seqset_release(&set);
	return out.data;
}

/* The sequence numbers the set yields over `count` messages. */
static const char *iter(const char *s, uint32_t count)
{
	static struct buf out = BUF_INIT;
	struct imap_seqset set;
	struct imap_seqset_iter it;
	uint32_t n;

	imap_seqset_init(&set);
	buf_reset(&out);
	if (imap_seqset_parse(&set, s, strlen(s)) == 0) {
		imap_seqset_iter_init(&it, &set, count);
		while (imap_seqset_iter_next(&it, &n))
			buf_printf(&out, "%u,", n);
		imap_seqset_iter_release(&it);
	}
	imap_seqset_release(&set);
	return out.data;
}

/* The sequence numbers whose UIDs are in the set. */
static const char *iter_uids(const char *s, const uint32_t *uids,
			     size_t count)
{
	static struct buf out = BUF_INIT;
	struct imap_seqset set;
	struct imap_seqset_iter it;
	uint32_t n;

	imap_seqset_init(&set);
	buf_reset(&out);
	if (imap_seqset_parse(&set, s, strlen(s)) == 0) {
		imap_seqset_iter_init_uids(&it, &set, uids, count);
		while (imap_seqset_iter_next(&it, &n))
			buf_printf(&out, "%u,", n);
		imap_seqset_iter_release(&it);
	}
	imap_seqset_release(&set);
	return out.data;
}

int main(void)
{
	static const uint32_t uids[] = { 3, 7, 8, 100, 4000, 4294967295U };
	struct imap_seqset set;
	struct buf out = BUF_INIT;
	uint32_t i;

	is_str(norm("1,3:5,7:*"), "1,3:5,7:*", "RFC form kept");
	is_str(norm("5:3"), "3:5", "a backwards range");
	is_str(norm("4,2,3,1"), "1:4", "sorted and merged");
	is_str(norm("1:10,5:20,22"), "1:20,22", "overlaps merged");
	is_str(norm("*"), "*", "star");
	is_str(norm("*:*"), "*", "star to star");
	is_str(norm("*:4"), "4:*", "star first");
	is_str(norm("4294967295"), "4294967295", "the largest number");
	is_str(norm("1:4294967295"), "1:4294967295", "the widest range");
	is_str(norm("$"), "$", "SEARCHRES $");
	is_str(norm("4294967296"), "ERR", "2^32");
	is_str(norm("99999999999999999999"), "ERR", "far too big");
	is_str(norm("0"), "ERR", "zero");
	is_str(norm("1:0"), "ERR", "zero in a range");
	is_str(norm("01"), "ERR", "a leading zero");
	is_str(norm(""), "ERR", "empty");
	is_str(norm("1,"), "ERR", "a trailing comma");
	is_str(norm(",1"), "ERR", "a leading comma");
	is_str(norm("1::2"), "ERR", "double colon");
	is_str(norm("1:2:3"), "ERR", "a range of three");
	is_str(norm("$,1"), "ERR", "$ with more");
	is_str(norm("-1"), "ERR", "negative");
	is_str(norm("1 2"), "ERR", "a space");

	imap_seqset_init(&set);
	is_int(imap_seqset_parse(&set, "1:4294967295", 12), 0, "parse 1:*max");
	is_int(set.count, 1, "1:4294967295 is one range");
	ok(set.cap <= 8, "and takes O(1) memory (%zu slots)", set.cap);
	ok(imap_seqset_contains(&set, 4294967295U, 10), "contains 2^32-1");
	is_int(imap_seqset_max_number(&set), 4294967295U, "max number");

	is_int(imap_seqset_parse(&set, "3291:*", 6), 0, "3291:*");
	ok(imap_seqset_contains(&set, 100, 100),
	   "n:* includes the largest UID even below n (RFC 3501 9)");
	ok(!imap_seqset_contains(&set, 99, 100), "but not the one before");
	ok(imap_seqset_contains(&set, 3000, 100), "it spans max..n");
	ok(imap_seqset_contains(&set, 3291, 5000) &&
	   !imap_seqset_contains(&set, 3290, 5000), "3291:* over 5000");
	ok(!imap_seqset_contains(&set, 1, 0), "an empty mailbox: nothing");
	is_int(imap_seqset_parse(&set, "*", 1), 0, "*");
	ok(imap_seqset_contains(&set, 7, 7) && !imap_seqset_contains(&set, 6, 7),
	   "* is the largest only");
	is_int(imap_seqset_parse(&set, "4294967295", 10), 0, "4294967295");
	ok(!imap_seqset_contains(&set, 7, 7), "4294967295 is not *");
	is_int(imap_seqset_parse(&set, "1,x", 3), -EINVAL, "bad input");
	ok(imap_seqset_is_empty(&set), "a failed parse leaves it empty");

	/* Builder. */
	imap_seqset_clear(&set);
	imap_seqset_add_range(&set, 1, 1);
	imap_seqset_add_range(&set, 2, 3);
	imap_seqset_add_range(&set, 9, 7);
	imap_seqset_add_range(&set, 5, 5);
	imap_seqset_format(&set, &out);
	is_str(out.data, "1:3,5,7:9", "add_range merges and sorts");
	imap_seqset_release(&set);

	is_str(iter("1,3:5,7:*", 9), "1,3,4,5,7,8,9,", "iterate 1,3:5,7:*");
	is_str(iter("1:4294967295", 3), "1,2,3,", "1:4294967295 over 3 "
	       "messages yields 3");
	is_str(iter("*", 5), "5,", "* is the count");
	is_str(iter("*", 0), "", "nothing in an empty mailbox");
	is_str(iter("10:*", 4), "4,", "10:* over 4 messages");
	is_str(iter("5:3,2", 4), "2,3,4,", "clipped to the count");
	is_str(iter("4294967295", 4294967295U), "4294967295,",
	       "the last number does not wrap");

	is_str(iter_uids("1:*", uids, 6), "1,2,3,4,5,6,", "UID 1:*");
	is_str(iter_uids("7:100", uids, 6), "2,3,4,", "UID 7:100");
	is_str(iter_uids("4,9:99,101:3999", uids, 6), "",
	       "UIDs that do not exist");
	is_str(iter_uids("*", uids, 6), "6,", "UID * is the highest UID");
	is_str(iter_uids("5000:*", uids, 5), "5,",
	       "UID n:* past the highest");
	is_str(iter_uids("1:4294967295", uids, 6), "1,2,3,4,5,6,",
	       "every UID, without expanding");
	is_str(iter_uids("1:*", uids, 0), "", "no messages");

	/* contains() agrees with iteration for every number. */
	imap_seqset_init(&set);
	is_int(imap_seqset_parse(&set, "2,4:5,9:*,12:6", 14), 0, "mixed set");
	buf_reset(&out);
	for (i = 1; i <= 10; i++)
		if (imap_seqset_contains(&set, i, 10))
			buf_printf(&out, "%u,", i);
	is_str(out.data, iter("2,4:5,9:*,12:6", 10), "contains = iterate");
	is_str(out.data, "2,4,5,6,7,8,9,10,", "the numbers");
	imap_seqset_release(&set);
	buf_release(&out);
	return done_testing();
}
