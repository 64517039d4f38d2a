/* The store's aliases file; see aliases.h. */

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "aliases.h"
#include "buf.h"
#include "util.h"

/* Trims spaces and tabs from both ends of [*s, *e). */
static void trim(const char **s, const char **e)
{
	while (*s < *e && (**s == ' ' || **s == '\t'))
		(*s)++;
	while (*e > *s && ((*e)[-1] == ' ' || (*e)[-1] == '\t' ||
			   (*e)[-1] == '\r'))
		(*e)--;
}

static bool same(const char *a, size_t alen, const char *b)
{
	return alen == strlen(b) && strncasecmp(a, b, alen) == 0;
}

int aliases_lookup_data(const char *data, size_t len, const char *address,
			struct buf *user_r, unsigned int *line_r)
{
	struct buf local = BUF_INIT;
	const char *p, *end, *at = strrchr(address, '@');
	unsigned int line = 0;
	int ret = 0, found = 0;

	buf_append(&local, address, at ? (size_t)(at - address) : strlen(address));
	for (p = data, end = p + len; ret == 0 && p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end, *colon, *ks, *ke, *vs, *ve;

		line++;
		ks = p;
		p = nl ? nl + 1 : end;
		ke = le;
		trim(&ks, &ke);
		if (ks == ke || *ks == '#')
			continue;
		colon = memchr(ks, ':', (size_t)(ke - ks));
		if (colon == NULL) {
			ret = -EINVAL;
			break;
		}
		vs = colon + 1;
		ve = ke;
		ke = colon;
		trim(&ks, &ke);
		trim(&vs, &ve);
		if (ks == ke || vs == ve || memchr(vs, ',', (size_t)(ve - vs)) ||
		    memchr(vs, ' ', (size_t)(ve - vs))) {
			ret = -EINVAL;	/* one user per alias, see aliases.h */
			break;
		}
		/* A whole-address entry wins; otherwise the first entry for
		 * the local part does.  The rest of the file is still read,
		 * so a malformed line is reported whatever the address. */
		bool has_at = memchr(ks, '@', (size_t)(ke - ks)) != NULL;
		if (found < 2 && has_at && same(ks, (size_t)(ke - ks), address)) {
			buf_reset(user_r);
			buf_append(user_r, vs, (size_t)(ve - vs));
			found = 2;
		} else if (found == 0 && !has_at &&
			   same(ks, (size_t)(ke - ks), local.data)) {
			buf_reset(user_r);
			buf_append(user_r, vs, (size_t)(ve - vs));
			found = 1;
		}
	}
	if (ret == -EINVAL && line_r != NULL)
		*line_r = line;
	buf_release(&local);
	return ret < 0 ? ret : found > 0;
}

int aliases_lookup(const char *store_root, const char *address,
		   struct buf *user_r, unsigned int *line_r)
{
	struct buf path = BUF_INIT, data = BUF_INIT;
	int ret;

	buf_printf(&path, "%s/" ALIASES_NAME, store_root);
	ret = read_file_small(path.data, ALIASES_MAX_SIZE, &data);
	buf_release(&path);
	if (ret == 0)
		ret = aliases_lookup_data(data.data, data.len, address, user_r,
					  line_r);
	buf_release(&data);
	return ret == -ENOENT ? 0 : ret;
}
