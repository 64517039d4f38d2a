/* The naming rule of the FUSE view: message UIDs, escaped folder names
 * and reserved dot names (see view.h). */

#include <errno.h>
#include <stdio.h>
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

bool view_name_digits(const char *s)
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
	if (level[0] == VIEW_ESCAPE || view_name_digits(level))
		buf_putc(out, VIEW_ESCAPE);
	buf_puts(out, level);
}

int view_entry_folder(const char *entry, struct buf *out)
{
	if (entry[0] == '\0' || entry[0] == '.' || view_name_digits(entry))
		return -ENOENT;
	if (entry[0] == VIEW_ESCAPE) {
		entry++;
		/* "=abc" would be shown as "abc": not a name we make. */
		if (entry[0] != VIEW_ESCAPE && !view_name_digits(entry))
			return -ENOENT;
	}
	buf_puts(out, entry);
	return 0;
}

void view_attachment_name(const char *filename, const char *section,
			  struct buf *out)
{
	size_t start = out->len, i, cut;
	const unsigned char *s = (const unsigned char *)filename;
	const char *slash;

	/* A path ("C:\\x\\y.doc", "../a") keeps its last component, as
	 * mail readers save it. */
	for (i = 0; filename != NULL && filename[i] != '\0'; i++) {
		slash = filename + i;
		if ((*slash == '/' || *slash == '\\') && slash[1] != '\0')
			s = (const unsigned char *)slash + 1;
	}
	for (i = 0; s != NULL && s[i] != '\0'; i++) {
		unsigned char c = s[i];

		if (c == '/' || c == '\\' || c < 0x20 || c == 0x7f)
			buf_putc(out, '_');
		else if (c == 0xc2 && s[i + 1] >= 0x80 && s[i + 1] <= 0x9f) {
			buf_putc(out, '_');	/* a C1 control */
			i++;
		} else
			buf_putc(out, (char)c);
	}
	if (out->len > start && out->data[start] == '.')
		out->data[start] = '_';
	if (out->len - start > VIEW_ATTACH_NAME_MAX) {
		cut = start + VIEW_ATTACH_NAME_MAX;
		while (cut > start &&
		       ((unsigned char)out->data[cut] & 0xc0) == 0x80)
			cut--;
		buf_truncate(out, cut);
	}
	if (out->len == start)
		buf_printf(out, "part-%s", section);
}

void view_name_dedupe(const char *name,
		      bool (*taken)(void *ctx, const char *name), void *ctx,
		      struct buf *out)
{
	struct buf try = BUF_INIT;
	const char *dot = strrchr(name, '.');
	size_t base;
	unsigned int n;

	if (!taken(ctx, name)) {
		buf_puts(out, name);
		return;
	}
	/* "x.tar.gz" becomes "x.tar (2).gz": only the last extension
	 * is kept, as file managers do. */
	base = dot != NULL && dot != name ? (size_t)(dot - name) : strlen(name);
	for (n = 2;; n++) {
		buf_reset(&try);
		buf_append(&try, name, base);
		buf_printf(&try, " (%u)%s", n, name + base);
		if (!taken(ctx, try.data))
			break;
	}
	buf_append(out, try.data, try.len);
	buf_release(&try);
}
