/*
 * Fuzz target for the forgiving dovecot-uidlist reader of check and
 * repair: the input read whole and in pieces must give the same records,
 * and after finish() the records are sorted by UID and the ones kept have
 * distinct UIDs and base names, which a rewrite relies on.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "repair.h"
#include "strmap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct repair_uidlist whole, pieces;
	struct strmap bases;
	size_t i, step = size % 5 + 1, dummy;
	uint32_t last = 0;
	bool have = false;

	repair_uidlist_init(&whole);
	repair_uidlist_feed(&whole, (const char *)data, size);
	repair_uidlist_finish(&whole);
	repair_uidlist_init(&pieces);
	for (i = 0; i < size; i += step)
		repair_uidlist_feed(&pieces, (const char *)data + i,
				    size - i < step ? size - i : step);
	repair_uidlist_finish(&pieces);

	if (whole.count != pieces.count || whole.header_ok != pieces.header_ok ||
	    whole.broken_lines != pieces.broken_lines ||
	    whole.out_of_order != pieces.out_of_order ||
	    whole.dup_bases != pieces.dup_bases ||
	    whole.dup_uids != pieces.dup_uids)
		abort();
	strmap_init(&bases);
	for (i = 0; i < whole.count; i++) {
		const struct repair_uidrec *r = &whole.recs[i];

		if (strcmp(r->base, pieces.recs[i].base) != 0 ||
		    r->uid != pieces.recs[i].uid ||
		    r->dropped != pieces.recs[i].dropped)
			abort();
		if (r->uid == 0 || r->uid > whole.max_uid ||
		    (i > 0 && r->uid < whole.recs[i - 1].uid))
			abort();
		if (r->dropped)
			continue;
		if ((have && r->uid == last) ||
		    strmap_get(&bases, r->base, strlen(r->base), &dummy))
			abort();
		strmap_put(&bases, r->base, strlen(r->base), i);
		have = true;
		last = r->uid;
	}
	strmap_release(&bases);
	repair_uidlist_release(&whole);
	repair_uidlist_release(&pieces);
	return 0;
}
