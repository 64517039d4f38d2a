/* The per-worker cache of BODY and BODYSTRUCTURE answers and header
 * blocks; see imap-bscache.h. */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "imap-bscache.h"
#include "util.h"

#define BUCKETS 4096	/* a power of two */

struct answer {
	struct answer *next;		/* in its bucket */
	struct answer *older, *newer;	/* the LRU list */
	unsigned char guid[16];
	unsigned char kind;		/* enum imap_bscache_kind */
	uint32_t len;
	char data[];
};

static _Thread_local struct {
	struct answer **buckets;
	struct answer *newest, *oldest;
	size_t bytes;
} cache;

static size_t cost(const struct answer *a)
{
	return sizeof(*a) + a->len;
}

/* The GUID is a hash already: its first bytes pick the bucket. */
static struct answer **bucket(const unsigned char guid[16],
			      enum imap_bscache_kind kind)
{
	uint32_t h;

	memcpy(&h, guid, sizeof(h));
	return &cache.buckets[(h ^ (uint32_t)kind * 0x9e37u) & (BUCKETS - 1)];
}

static struct answer **find(const unsigned char guid[16],
			    enum imap_bscache_kind kind)
{
	struct answer **p = bucket(guid, kind);

	while (*p != NULL && ((*p)->kind != kind ||
			      memcmp((*p)->guid, guid, 16) != 0))
		p = &(*p)->next;
	return p;
}

static void lru_unlink(struct answer *a)
{
	if (a->older != NULL)
		a->older->newer = a->newer;
	else
		cache.oldest = a->newer;
	if (a->newer != NULL)
		a->newer->older = a->older;
	else
		cache.newest = a->older;
	a->older = a->newer = NULL;
}

static void lru_push(struct answer *a)
{
	a->older = cache.newest;
	a->newer = NULL;
	if (cache.newest != NULL)
		cache.newest->newer = a;
	else
		cache.oldest = a;
	cache.newest = a;
}

/* A GUID of zeros is not a hash of anything: never a key. */
static bool usable(const unsigned char guid[16])
{
	static const unsigned char zero[16];

	return memcmp(guid, zero, 16) != 0;
}

bool imap_bscache_get(const unsigned char guid[16],
		      enum imap_bscache_kind kind, struct buf *out)
{
	struct answer *a;

	if (cache.buckets == NULL || !usable(guid))
		return false;
	a = *find(guid, kind);
	if (a == NULL)
		return false;
	lru_unlink(a);
	lru_push(a);
	buf_append(out, a->data, a->len);
	return true;
}

void imap_bscache_put(const unsigned char guid[16],
		      enum imap_bscache_kind kind, const char *answer,
		      size_t len)
{
	struct answer **p, *a;

	if (len > IMAP_BSCACHE_MAX_ANSWER || !usable(guid))
		return;
	if (cache.buckets == NULL)
		cache.buckets = xcalloc(BUCKETS, sizeof(*cache.buckets));
	p = find(guid, kind);
	if (*p != NULL)
		return;
	a = xmalloc(sizeof(*a) + len);
	a->next = NULL;
	memcpy(a->guid, guid, 16);
	a->kind = (unsigned char)kind;
	a->len = (uint32_t)len;
	memcpy(a->data, answer, len);
	*p = a;
	lru_push(a);
	cache.bytes += cost(a);
	while (cache.bytes > IMAP_BSCACHE_BYTES && cache.oldest != a) {
		struct answer *old = cache.oldest;

		*find(old->guid, (enum imap_bscache_kind)old->kind) =
			old->next;
		lru_unlink(old);
		cache.bytes -= cost(old);
		free(old);
	}
}

size_t imap_bscache_bytes(void)
{
	return cache.bytes;
}

void imap_bscache_cleanup(void)
{
	struct answer *a, *next;

	for (a = cache.oldest; a != NULL; a = next) {
		next = a->newer;
		free(a);
	}
	free(cache.buckets);
	memset(&cache, 0, sizeof(cache));
}
