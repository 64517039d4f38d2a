/* The naming rule of the FUSE view: message UIDs, escaped folder names
 * and reserved dot names (see view.h). */

#include <errno.h>
#include <string.h>

#include "view.h"

bool view_name_uid(const char *name, uint32_t *uid_r)
{
	uint64_t v = 0;
	const char *p;

	if (name[0] < '1' || name[0] > '9')
		return false;
	for (p = name; *p != '\0'; p++) {
		if (*p < '0' || *p > '9' || p - name >= 10)
			return false;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (v > UINT32_MAX)
		return false;
	*uid_r = (uint32_t)v;
	return true;
}

/* All digits: could be read as a UID (or is a non-canonical number). */
static bool all_digits(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return false;
	}
	return true;
}

void view_folder_entry(const char *level, struct buf *out)
{
	if (level[0] == VIEW_ESCAPE || all_digits(level))
		buf_putc(out, VIEW_ESCAPE);
	buf_puts(out, level);
}

int view_entry_folder(const char *entry, struct buf *out)
{
	if (entry[0] == '\0' || entry[0] == '.' || all_digits(entry))
		return -ENOENT;
	if (entry[0] == VIEW_ESCAPE) {
		entry++;
		/* "=abc" would be shown as "abc": not a name we make. */
		if (entry[0] != VIEW_ESCAPE && !all_digits(entry))
			return -ENOENT;
	}
	buf_puts(out, entry);
	return 0;
}
