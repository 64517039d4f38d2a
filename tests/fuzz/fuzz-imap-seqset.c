/*
 * Fuzz target for IMAP sequence sets: a parsed set formats to a string
 * that parses to the same set, and membership agrees with iteration.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "imap/imap-seqset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct imap_seqset set, again;
	struct imap_seqset_iter it;
	struct buf a = BUF_INIT, b = BUF_INIT;
	uint32_t uids[64], n, count, prev = 0;
	size_t i, yielded = 0, members = 0;

	imap_seqset_init(&set);
	imap_seqset_init(&again);
	if (imap_seqset_parse(&set, (const char *)data, size) != 0)
		goto out;
	/* Never more ranges than items in the input. */
	if (set.count > size / 2 + 1)
		abort();
	for (i = 1; i < set.count; i++)
		if ((uint64_t)set.ranges[i - 1].hi + 1 >= set.ranges[i].lo)
			abort();
	imap_seqset_format(&set, &a);
	if (imap_seqset_parse(&again, a.data, a.len) != 0)
		abort();
	imap_seqset_format(&again, &b);
	if (strcmp(a.data, b.data) != 0)
		abort();

	count = (uint32_t)(size % 200);
	imap_seqset_iter_init(&it, &set, count);
	while (imap_seqset_iter_next(&it, &n)) {
		if (n <= prev || n > count || !imap_seqset_contains(&set, n,
								     count))
			abort();
		prev = n;
		yielded++;
	}
	imap_seqset_iter_release(&it);
	for (n = 1; n <= count; n++)
		members += imap_seqset_contains(&set, n, count);
	if (!set.dollar && members != yielded)
		abort();

	/* UIDs: every tenth-ish number. */
	for (i = 0; i < 64; i++)
		uids[i] = (uint32_t)(i * 7 + 3);
	imap_seqset_iter_init_uids(&it, &set, uids, 64);
	prev = 0;
	while (imap_seqset_iter_next(&it, &n)) {
		if (n <= prev || n > 64 ||
		    !imap_seqset_contains(&set, uids[n - 1], uids[63]))
			abort();
		prev = n;
	}
	imap_seqset_iter_release(&it);
out:
	imap_seqset_release(&set);
	imap_seqset_release(&again);
	buf_release(&a);
	buf_release(&b);
	return 0;
}
