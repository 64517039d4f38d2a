/* String-keyed hash map; see strmap.h. */

#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "strmap.h"
#include "util.h"

void strmap_init(struct strmap *m)
{
	memset(m, 0, sizeof(*m));
}

void strmap_release(struct strmap *m)
{
	free(m->slots);
	strmap_init(m);
}

void strmap_clear(struct strmap *m)
{
	if (m->slots != NULL)
		memset(m->slots, 0, m->cap * sizeof(*m->slots));
	m->count = 0;
}

static struct strmap_slot *find(const struct strmap *m, const char *key,
				size_t len, uint64_t hash)
{
	size_t mask = m->cap - 1, i = (size_t)hash & mask;

	for (;; i = (i + 1) & mask) {
		struct strmap_slot *s = &m->slots[i];

		if (s->key == NULL)
			return s;
		if (s->hash == hash && s->len == len &&
		    memcmp(s->key, key, len) == 0)
			return s;
	}
}

static void resize(struct strmap *m, size_t cap)
{
	struct strmap_slot *old = m->slots;
	size_t i, old_cap = m->cap;

	m->slots = xcalloc(cap, sizeof(*m->slots));
	m->cap = cap;
	for (i = 0; i < old_cap; i++) {
		if (old[i].key != NULL)
			*find(m, old[i].key, old[i].len, old[i].hash) = old[i];
	}
	free(old);
}

void strmap_put(struct strmap *m, const char *key, size_t len, size_t value)
{
	struct strmap_slot *s;
	uint64_t hash = XXH3_64bits(key, len);

	/* Keep the load factor under 1/2 so probe chains stay short. */
	if ((m->count + 1) * 2 > m->cap)
		resize(m, m->cap ? m->cap * 2 : 64);
	s = find(m, key, len, hash);
	if (s->key == NULL)
		m->count++;
	/* On replacement the new key pointer is taken too: the caller may
	 * free the old one, which has the same bytes. */
	s->key = key;
	s->len = len;
	s->hash = hash;
	s->value = value;
}

bool strmap_get(const struct strmap *m, const char *key, size_t len,
		size_t *value_r)
{
	struct strmap_slot *s;

	if (m->cap == 0)
		return false;
	s = find(m, key, len, XXH3_64bits(key, len));
	if (s->key == NULL)
		return false;
	*value_r = s->value;
	return true;
}
