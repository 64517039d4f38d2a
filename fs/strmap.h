#ifndef MAILTREE_STRMAP_H
#define MAILTREE_STRMAP_H

/*
 * A hash map from byte strings to size_t values (typically an index into
 * an array the caller owns).  Keys are not copied: each key must stay valid
 * while it is in the map.  Open addressing with xxHash; deletions are not
 * supported, rebuild the map instead (the store's maps are rebuilt at each
 * directory scan anyway).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct strmap_slot {
	const char *key;
	size_t len;
	size_t value;
	uint64_t hash;
};

struct strmap {
	struct strmap_slot *slots;
	size_t cap;	/* power of two, or 0 */
	size_t count;
};

void strmap_init(struct strmap *m);
void strmap_release(struct strmap *m);
void strmap_clear(struct strmap *m);
/* Inserts, or replaces both the value and the stored key pointer. */
void strmap_put(struct strmap *m, const char *key, size_t len, size_t value);
/* Returns true and sets *value_r when the key is present. */
bool strmap_get(const struct strmap *m, const char *key, size_t len,
		size_t *value_r);

#endif
