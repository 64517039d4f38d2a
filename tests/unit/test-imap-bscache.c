/* Tests for the per-worker cache of BODY and BODYSTRUCTURE answers
 * (frontends/imap/imap-bscache.c). */

#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "imap/imap-bscache.h"
#include "../tap.h"

#define BODY IMAP_BSCACHE_BODY
#define BS IMAP_BSCACHE_BODYSTRUCTURE
#define HDR IMAP_BSCACHE_HEADER

static void guid_of(unsigned int n, unsigned char guid[16])
{
	memset(guid, 0, 16);
	/* Several GUIDs share a bucket (the low bits): the rest tells. */
	guid[0] = (unsigned char)(n % 7 + 1);
	memcpy(guid + 8, &n, sizeof(n));
}

static const char *get(unsigned int n, enum imap_bscache_kind kind)
{
	static struct buf out = BUF_INIT;
	unsigned char guid[16];

	guid_of(n, guid);
	buf_reset(&out);
	if (!imap_bscache_get(guid, kind, &out))
		return "MISS";
	return out.data;
}

static void put(unsigned int n, enum imap_bscache_kind kind,
		const char *answer)
{
	unsigned char guid[16];

	guid_of(n, guid);
	imap_bscache_put(guid, kind, answer, strlen(answer));
}

int main(void)
{
	static const unsigned char zero[16];
	char answer[IMAP_BSCACHE_MAX_ANSWER + 2], name[32];
	struct buf out = BUF_INIT;
	unsigned int i, n, first_kept;

	is_str(get(1, BODY), "MISS", "an empty cache has nothing");
	put(1, BODY, "(\"text\" \"plain\" NIL NIL NIL \"7bit\" 3 1)");
	put(1, BS, "(\"text\" \"plain\" NIL NIL NIL \"7bit\" 3 1 NIL NIL NIL NIL)");
	put(8, BS, "(\"image\" \"png\" NIL NIL NIL \"base64\" 10 NIL NIL NIL NIL)");
	is_str(get(1, BODY), "(\"text\" \"plain\" NIL NIL NIL \"7bit\" 3 1)",
	       "BODY comes back for its GUID");
	is_str(get(1, BS),
	       "(\"text\" \"plain\" NIL NIL NIL \"7bit\" 3 1 NIL NIL NIL NIL)",
	       "BODYSTRUCTURE is kept apart from BODY");
	is_str(get(8, BS),
	       "(\"image\" \"png\" NIL NIL NIL \"base64\" 10 NIL NIL NIL NIL)",
	       "a GUID in the same bucket has its own answer");
	is_str(get(8, BODY), "MISS", "and no BODY it was not given");
	put(1, HDR, "Subject: one\r\n\r\n");
	is_str(get(1, HDR), "Subject: one\r\n\r\n",
	       "a header block is a third kind for the same GUID");
	is_str(get(1, BODY), "(\"text\" \"plain\" NIL NIL NIL \"7bit\" 3 1)",
	       "and leaves the BODY answer alone");
	put(1, BS, "(other)");
	is_str(get(1, BS),
	       "(\"text\" \"plain\" NIL NIL NIL \"7bit\" 3 1 NIL NIL NIL NIL)",
	       "a second put of the same key changes nothing");

	buf_puts(&out, "x");
	ok(!imap_bscache_get(zero, BS, &out) && out.len == 1,
	   "a GUID of zeros is never looked up");
	imap_bscache_put(zero, BS, "(z)", 3);
	ok(!imap_bscache_get(zero, BS, &out), "nor kept");
	memset(answer, 'a', sizeof(answer) - 1);
	answer[sizeof(answer) - 1] = '\0';
	put(2, BS, answer);
	is_str(get(2, BS), "MISS", "an answer over the size limit is not kept");

	/* Fill far past the bound with ~1 KB answers, touching 1 now and
	 * then: the cache stays within its bytes, drops the oldest first
	 * and keeps what was used recently. */
	memset(answer, 'b', 1000);
	answer[1000] = '\0';
	n = 3 * IMAP_BSCACHE_BYTES / 1000;
	for (i = 100; i < 100 + n; i++) {
		snprintf(name, sizeof(name), "(%u)", i);
		memcpy(answer, name, strlen(name));
		put(i, BS, answer);
		if (i % 1000 == 0)
			get(1, BS);
	}
	ok(imap_bscache_bytes() <= IMAP_BSCACHE_BYTES,
	   "the cache holds at most its bound (%zu bytes)",
	   imap_bscache_bytes());
	ok(imap_bscache_bytes() > IMAP_BSCACHE_BYTES * 9 / 10,
	   "and uses it");
	is_str(get(100, BS), "MISS", "the oldest answer went");
	ok(strncmp(get(100 + n - 1, BS), "(", 1) == 0 &&
	   strstr(get(100 + n - 1, BS), "bbb") != NULL,
	   "the newest is there");
	ok(strcmp(get(1, BS), "MISS") != 0,
	   "an old answer used recently stayed");
	is_str(get(8, BS), "MISS", "one never used again went");
	for (first_kept = 100; strcmp(get(first_kept, BS), "MISS") == 0;
	     first_kept++)
		;
	snprintf(name, sizeof(name), "(%u)", first_kept);
	ok(strncmp(get(first_kept, BS), name, strlen(name)) == 0,
	   "each answer is its own GUID's (%u)", first_kept);

	imap_bscache_cleanup();
	is_int(imap_bscache_bytes(), 0, "cleanup empties it");
	is_str(get(1, BS), "MISS", "and nothing is found after");
	buf_release(&out);
	return done_testing();
}
