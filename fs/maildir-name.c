/* Maildir file names; see maildir-name.h. */

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "maildir-name.h"
#include "util.h"

static const char flag_letters[] = "DFPRST";

uint32_t maildir_flag_from_letter(char c)
{
	const char *p = strchr(flag_letters, c);

	return c != '\0' && p != NULL ? 1u << (p - flag_letters) : 0;
}

size_t maildir_name_base_len(const char *name)
{
	const char *colon = strchr(name, ':');

	return colon ? (size_t)(colon - name) : strlen(name);
}

/* Reads ",S=<n>" or ",W=<n>" from the base name. */
static uint64_t base_field(const char *name, size_t base_len, char key)
{
	const char *p = name, *end = name + base_len;
	uint64_t v;

	while ((p = memchr(p, ',', (size_t)(end - p))) != NULL) {
		p++;
		if (end - p < 3 || p[0] != key || p[1] != '=')
			continue;
		p += 2;
		if (*p < '0' || *p > '9')
			continue;
		for (v = 0; p < end && *p >= '0' && *p <= '9'; p++) {
			if (v > (UINT64_MAX - 9) / 10)
				return UINT64_MAX;
			v = v * 10 + (uint64_t)(*p - '0');
		}
		if (p == end || *p == ',')
			return v;
	}
	return UINT64_MAX;
}

int maildir_name_parse(const char *name, struct maildir_name *mn_r)
{
	const char *p;

	memset(mn_r, 0, sizeof(*mn_r));
	if (name[0] == '\0' || name[0] == '.' || strchr(name, '/') != NULL)
		return -EINVAL;
	mn_r->base_len = maildir_name_base_len(name);
	if (mn_r->base_len == 0)
		return -EINVAL;
	mn_r->size = base_field(name, mn_r->base_len, 'S');
	mn_r->vsize = base_field(name, mn_r->base_len, 'W');
	p = name + mn_r->base_len;
	if (strncmp(p, ":2,", 3) != 0)
		return 0;
	mn_r->has_info = true;
	for (p += 3; *p != '\0' && *p != ','; p++) {
		if (*p >= 'a' && *p <= 'z')
			mn_r->keywords |= 1u << (*p - 'a');
		else
			mn_r->flags |= maildir_flag_from_letter(*p);
	}
	if (*p == ',')
		mn_r->extra = p + 1;
	return 0;
}

void maildir_name_info(struct buf *out, uint32_t flags, uint32_t keywords,
		       const char *extra)
{
	int i;

	buf_puts(out, ":2,");
	for (i = 0; flag_letters[i] != '\0'; i++)
		if (flags & (1u << i))
			buf_putc(out, flag_letters[i]);
	for (i = 0; i < 26; i++)
		if (keywords & (1u << i))
			buf_putc(out, (char)('a' + i));
	if (extra != NULL) {
		buf_putc(out, ',');
		buf_puts(out, extra);
	}
}

void maildir_name_new_base(struct buf *out, uint64_t now_usec,
			   uint64_t size, uint64_t vsize)
{
	/* Atomic: mailtreed saves from several threads of one process. */
	static unsigned long counter;
	unsigned long n = __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED);

	/* Seconds, microseconds, pid and a per-process counter make the
	 * name unique on this host; the host name makes it unique across
	 * hosts sharing the store over NFS. */
	buf_printf(out, "%llu.M%luP%ldQ%lu.%s,S=%llu,W=%llu",
		   (unsigned long long)(now_usec / 1000000),
		   (unsigned long)(now_usec % 1000000), (long)getpid(),
		   n, maildir_hostname(),
		   (unsigned long long)size, (unsigned long long)vsize);
}
