/* SORT; see imap-sort.h. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "buf.h"
#include "imap-arg.h"
#include "imap-base-subject.h"
#include "imap-casefold.h"
#include "imap-sort.h"
#include "util.h"

static const struct {
	const char *name;
	enum imap_sort_key key;
} sort_keys[] = {
	{ "ARRIVAL", IMAP_SORT_ARRIVAL },
	{ "CC", IMAP_SORT_CC },
	{ "DATE", IMAP_SORT_DATE },
	{ "FROM", IMAP_SORT_FROM },
	{ "SIZE", IMAP_SORT_SIZE },
	{ "SUBJECT", IMAP_SORT_SUBJECT },
	{ "TO", IMAP_SORT_TO },
	{ "DISPLAYFROM", IMAP_SORT_DISPLAYFROM },
	{ "DISPLAYTO", IMAP_SORT_DISPLAYTO },
};

int imap_sort_parse(const struct imap_arg *args, size_t count,
		    struct imap_sort_program *prog, const char **error_r)
{
	bool reverse = false;
	size_t i, k;

	memset(prog, 0, sizeof(*prog));
	*error_r = NULL;
	for (i = 0; i < count; i++) {
		if (imap_arg_atom_equals(&args[i], "REVERSE")) {
			if (reverse) {
				*error_r = "REVERSE REVERSE";
				return -EINVAL;
			}
			reverse = true;
			continue;
		}
		for (k = 0; k < ARRAY_SIZE(sort_keys); k++)
			if (imap_arg_atom_equals(&args[i], sort_keys[k].name))
				break;
		if (k == ARRAY_SIZE(sort_keys)) {
			*error_r = "Unknown sort criterion";
			return -EINVAL;
		}
		if (prog->count == IMAP_SORT_MAX_CRITERIA) {
			*error_r = "Too many sort criteria";
			return -EINVAL;
		}
		prog->crit[prog->count].key = sort_keys[k].key;
		prog->crit[prog->count++].reverse = reverse;
		reverse = false;
	}
	if (reverse || prog->count == 0) {
		*error_r = reverse ? "REVERSE needs a sort criterion"
				   : "Missing sort criteria";
		return -EINVAL;
	}
	return 0;
}

static bool key_is_number(enum imap_sort_key key)
{
	return key == IMAP_SORT_ARRIVAL || key == IMAP_SORT_DATE ||
		key == IMAP_SORT_SIZE;
}

/* i;ascii-casemap (RFC 4790 9.2, the comparator RFC 5256 sorts with) maps
 * a-z to A-Z before comparing octets, so "[" and "_" sort after letters. */
static void ascii_upper(struct buf *b, size_t from)
{
	for (; from < b->len; from++)
		if (b->data[from] >= 'a' && b->data[from] <= 'z')
			b->data[from] -= 'a' - 'A';
}

/* Appends the address key of the first mailbox of a field. */
static void address_key(const struct imap_msg_ref *m, const char *field,
			bool display, struct buf *arena)
{
	struct buf tmp = BUF_INIT;
	struct address *list, *a;
	const char *v;
	size_t len, start = arena->len;

	if (!imap_msg_ref_header(m, field, &v, &len))
		return;
	address_list_parse(v, len, &list);
	for (a = list; a != NULL && a->kind != ADDRESS_MAILBOX; a = a->next)
		;
	if (a != NULL && !display) {
		buf_puts(arena, a->mailbox);
		ascii_upper(arena, start);
	} else if (a != NULL) {
		if (a->name_utf8 != NULL && a->name_utf8[0] != '\0')
			buf_puts(&tmp, a->name_utf8);
		else
			buf_printf(&tmp, "%s@%s", a->mailbox, a->domain);
		imap_casefold_utf8(tmp.data, tmp.len, arena);
	}
	address_list_free(&list);
	buf_release(&tmp);
}

/* Appends a string key to the arena, or returns a number key. */
static int64_t compute_key(enum imap_sort_key key,
			   const struct imap_msg_ref *m, struct buf *arena)
{
	const char *v;
	size_t len, start = arena->len;
	time_t t;
	int tz;

	switch (key) {
	case IMAP_SORT_ARRIVAL:
		return (int64_t)m->internal_date;
	case IMAP_SORT_DATE:
		imap_msg_ref_sent_date(m, &t, &tz);
		return (int64_t)t;
	case IMAP_SORT_SIZE:
		return (int64_t)m->vsize;
	case IMAP_SORT_SUBJECT:
		if (imap_msg_ref_header(m, "Subject", &v, &len)) {
			imap_base_subject(v, len, arena);
			ascii_upper(arena, start);
		}
		break;
	case IMAP_SORT_FROM:
		address_key(m, "From", false, arena);
		break;
	case IMAP_SORT_TO:
		address_key(m, "To", false, arena);
		break;
	case IMAP_SORT_CC:
		address_key(m, "Cc", false, arena);
		break;
	case IMAP_SORT_DISPLAYFROM:
		address_key(m, "From", true, arena);
		break;
	case IMAP_SORT_DISPLAYTO:
		address_key(m, "To", true, arena);
		break;
	}
	return 0;
}

struct sort_ctx {
	const struct imap_sort_program *prog;
	const struct imap_msg_ref *msgs;
	int64_t *nums;		/* [msg * count + crit] */
	size_t *offs;		/* the same, into arena */
	const char *arena;
};

static int sort_cmp(const void *a, const void *b, void *arg)
{
	const struct sort_ctx *c = arg;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	size_t nc = c->prog->count, i, kx, ky;
	int r;

	for (i = 0; i < nc; i++) {
		kx = x * nc + i;
		ky = y * nc + i;
		if (key_is_number(c->prog->crit[i].key))
			r = c->nums[kx] < c->nums[ky] ? -1 :
				c->nums[kx] > c->nums[ky];
		else
			r = strcmp(c->arena + c->offs[kx],
				   c->arena + c->offs[ky]);
		if (r != 0)
			return c->prog->crit[i].reverse ? -r : r;
	}
	if (c->msgs[x].seq != c->msgs[y].seq)
		return c->msgs[x].seq < c->msgs[y].seq ? -1 : 1;
	return x < y ? -1 : x > y;
}

int imap_sort_run(const struct imap_sort_program *prog,
		  const struct imap_msg_ref *msgs, size_t n,
		  uint32_t *order_r)
{
	struct buf arena = BUF_INIT;
	struct sort_ctx c;
	size_t nc = prog->count, i, k;

	c.prog = prog;
	c.msgs = msgs;
	c.nums = xcalloc(n * nc + 1, sizeof(*c.nums));
	c.offs = xcalloc(n * nc + 1, sizeof(*c.offs));
	for (i = 0; i < n; i++) {
		for (k = 0; k < nc; k++) {
			c.offs[i * nc + k] = arena.len;
			c.nums[i * nc + k] =
				compute_key(prog->crit[k].key, &msgs[i],
					    &arena);
			/* Each string key ends in a NUL of its own. */
			buf_putc(&arena, '\0');
		}
		order_r[i] = (uint32_t)i;
	}
	c.arena = arena.data;
	qsort_r(order_r, n, sizeof(*order_r), sort_cmp, &c);
	free(c.nums);
	free(c.offs);
	buf_release(&arena);
	return 0;
}
