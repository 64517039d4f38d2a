/* IMAP sequence sets; see imap-seqset.h. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "imap-seqset.h"
#include "util.h"

void imap_seqset_init(struct imap_seqset *set)
{
	memset(set, 0, sizeof(*set));
}

void imap_seqset_release(struct imap_seqset *set)
{
	free(set->ranges);
	imap_seqset_init(set);
}

void imap_seqset_clear(struct imap_seqset *set)
{
	set->count = 0;
	set->dollar = false;
	set->star = false;
	set->star_range = false;
	set->star_min = set->star_max = 0;
}

static void append_range(struct imap_seqset *set, uint32_t lo, uint32_t hi)
{
	set->ranges = xgrow(set->ranges, &set->cap, set->count + 1,
			    sizeof(*set->ranges));
	set->ranges[set->count].lo = lo;
	set->ranges[set->count].hi = hi;
	set->count++;
}

static int range_cmp(const void *a, const void *b)
{
	const struct imap_seq_range *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* Sorts the ranges and merges those that overlap or touch. */
static void normalise(struct imap_seqset *set)
{
	size_t i, out = 0;

	if (set->count < 2)
		return;
	qsort(set->ranges, set->count, sizeof(*set->ranges), range_cmp);
	for (i = 1; i < set->count; i++) {
		struct imap_seq_range *last = &set->ranges[out];

		if ((uint64_t)set->ranges[i].lo <= (uint64_t)last->hi + 1) {
			if (set->ranges[i].hi > last->hi)
				last->hi = set->ranges[i].hi;
		} else {
			set->ranges[++out] = set->ranges[i];
		}
	}
	set->count = out + 1;
}

void imap_seqset_add_range(struct imap_seqset *set, uint32_t lo, uint32_t hi)
{
	struct imap_seq_range *last;

	if (lo > hi) {
		uint32_t t = lo;

		lo = hi;
		hi = t;
	}
	if (lo == 0)
		lo = 1;
	if (hi == 0)
		return;
	last = set->count > 0 ? &set->ranges[set->count - 1] : NULL;
	if (last == NULL || lo > last->lo) {
		/* The common case of ascending additions. */
		if (last != NULL && (uint64_t)lo <= (uint64_t)last->hi + 1) {
			if (hi > last->hi)
				last->hi = hi;
			return;
		}
		append_range(set, lo, hi);
		return;
	}
	append_range(set, lo, hi);
	normalise(set);
}

/* seq-number = nz-number / "*"; stores 0 for "*". */
static const char *parse_seq_number(const char *s, const char *end,
				    uint32_t *n_r)
{
	uint64_t n = 0;

	if (s < end && *s == '*') {
		*n_r = 0;
		return s + 1;
	}
	/* nz-number = digit-nz *DIGIT */
	if (s >= end || *s < '1' || *s > '9')
		return NULL;
	for (; s < end && *s >= '0' && *s <= '9'; s++) {
		n = n * 10 + (uint64_t)(*s - '0');
		if (n > UINT32_MAX)
			return NULL;
	}
	*n_r = (uint32_t)n;
	return s;
}

static void add_star_range(struct imap_seqset *set, uint32_t n)
{
	if (!set->star_range) {
		set->star_range = true;
		set->star_min = set->star_max = n;
		return;
	}
	if (n < set->star_min)
		set->star_min = n;
	if (n > set->star_max)
		set->star_max = n;
}

int imap_seqset_parse(struct imap_seqset *set, const char *s, size_t len)
{
	const char *end = s + len;
	uint32_t a, b;

	imap_seqset_clear(set);
	if (len == 1 && s[0] == '$') {
		set->dollar = true;
		return 0;
	}
	for (;;) {
		s = parse_seq_number(s, end, &a);
		if (s == NULL)
			goto bad;
		b = a;
		if (s < end && *s == ':') {
			s = parse_seq_number(s + 1, end, &b);
			if (s == NULL)
				goto bad;
		}
		if (a == 0 && b == 0)
			set->star = true;
		else if (a == 0 || b == 0)
			add_star_range(set, a == 0 ? b : a);
		else
			append_range(set, a < b ? a : b, a < b ? b : a);
		if (s == end)
			break;
		if (*s != ',')
			goto bad;
		s++;
	}
	normalise(set);
	return 0;
bad:
	imap_seqset_clear(set);
	return -EINVAL;
}

static bool ranges_contain(const struct imap_seqset *set, uint32_t n)
{
	size_t lo = 0, hi = set->count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (set->ranges[mid].hi < n)
			lo = mid + 1;
		else if (set->ranges[mid].lo > n)
			hi = mid;
		else
			return true;
	}
	return false;
}

bool imap_seqset_contains(const struct imap_seqset *set, uint32_t n,
			  uint32_t max)
{
	if (ranges_contain(set, n))
		return true;
	if (max == 0)
		return false;
	if (set->star && n == max)
		return true;
	/* "a:*" with a > max is max..a: both ends of the union matter. */
	if (set->star_range) {
		uint32_t lo = set->star_min < max ? set->star_min : max;
		uint32_t hi = set->star_max > max ? set->star_max : max;

		return n >= lo && n <= hi;
	}
	return false;
}

uint32_t imap_seqset_max_number(const struct imap_seqset *set)
{
	uint32_t m = set->count > 0 ? set->ranges[set->count - 1].hi : 0;

	if (set->star_range && set->star_max > m)
		m = set->star_max;
	return m;
}

bool imap_seqset_is_empty(const struct imap_seqset *set)
{
	return set->count == 0 && !set->star && !set->star_range &&
		!set->dollar;
}

void imap_seqset_format(const struct imap_seqset *set, struct buf *out)
{
	const char *sep = "";
	size_t i;

	if (set->dollar) {
		buf_putc(out, '$');
		return;
	}
	for (i = 0; i < set->count; i++) {
		const struct imap_seq_range *r = &set->ranges[i];

		if (r->lo == r->hi)
			buf_printf(out, "%s%u", sep, r->lo);
		else
			buf_printf(out, "%s%u:%u", sep, r->lo, r->hi);
		sep = ",";
	}
	if (set->star_range) {
		buf_printf(out, "%s%u:*", sep, set->star_min);
		if (set->star_max != set->star_min)
			buf_printf(out, ",%u:*", set->star_max);
		sep = ",";
	}
	if (set->star)
		buf_printf(out, "%s*", sep);
}

/* The set's numbers within 1..max, with '*' resolved to max. */
static void resolve(const struct imap_seqset *set, uint32_t max,
		    struct imap_seqset *out)
{
	size_t i;

	imap_seqset_init(out);
	if (max == 0)
		return;
	for (i = 0; i < set->count && set->ranges[i].lo <= max; i++)
		append_range(out, set->ranges[i].lo,
			     set->ranges[i].hi < max ? set->ranges[i].hi : max);
	if (set->star)
		imap_seqset_add_range(out, max, max);
	if (set->star_range)
		imap_seqset_add_range(out, set->star_min < max ?
				      set->star_min : max, max);
}

void imap_seqset_iter_init(struct imap_seqset_iter *it,
			   const struct imap_seqset *set, uint32_t count)
{
	memset(it, 0, sizeof(*it));
	resolve(set, count, &it->resolved);
	it->next = it->resolved.count > 0 ? it->resolved.ranges[0].lo : 0;
}

void imap_seqset_iter_init_uids(struct imap_seqset_iter *it,
				const struct imap_seqset *set,
				const uint32_t *uids, size_t count)
{
	memset(it, 0, sizeof(*it));
	resolve(set, count > 0 ? uids[count - 1] : 0, &it->resolved);
	it->uids = uids;
	it->uid_count = count;
	it->next = 0;
}

/* The first index at or after `from` whose UID is >= uid. */
static size_t uid_lower_bound(const uint32_t *uids, size_t from, size_t count,
			      uint32_t uid)
{
	size_t lo = from, hi = count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (uids[mid] < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

bool imap_seqset_iter_next(struct imap_seqset_iter *it, uint32_t *seq_r)
{
	const struct imap_seqset *r = &it->resolved;

	if (it->uids == NULL) {
		while (it->range < r->count) {
			if (it->next <= r->ranges[it->range].hi) {
				*seq_r = (uint32_t)it->next++;
				return true;
			}
			if (++it->range < r->count)
				it->next = r->ranges[it->range].lo;
		}
		return false;
	}
	while (it->range < r->count && it->next < it->uid_count) {
		const struct imap_seq_range *range = &r->ranges[it->range];
		size_t i = uid_lower_bound(it->uids, (size_t)it->next,
					   it->uid_count, range->lo);

		if (i < it->uid_count && it->uids[i] <= range->hi) {
			it->next = i + 1;
			/* Sequence numbers are 32-bit: a mailbox never has
			 * more messages than UIDs. */
			*seq_r = (uint32_t)(i + 1);
			return true;
		}
		it->next = i;
		it->range++;
	}
	return false;
}

void imap_seqset_iter_release(struct imap_seqset_iter *it)
{
	imap_seqset_release(&it->resolved);
}
