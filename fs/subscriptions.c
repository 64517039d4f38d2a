/* A mailbox's subscriptions, in Dovecot's "subscriptions" file; see
 * mailbox.h. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "dotlock.h"
#include "mailbox.h"
#include "mutf7.h"
#include "util.h"

/* Dovecot waits this long for the subscriptions lock and overrides one
 * untouched for 30 seconds. */
static const struct dotlock_settings subscriptions_lock = {
	.timeout_secs = 120,
	.stale_secs = 30,
};

/* Dovecot's version 2 subscriptions file: a "V\t2\n\n" header, then one
 * name per line with a tab between hierarchy levels, each level in
 * modified UTF-7 as stored on disk. */
static const char subs_header[] = "V\t2\n\n";

static void subs_encode(const char *name, struct buf *out)
{
	struct buf enc = BUF_INIT;
	const char *p, *slash;

	buf_reset(out);
	for (p = name; ; p = slash + 1) {
		slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);

		buf_reset(&enc);
		if (mutf7_encode(p, n, &enc) < 0)
			buf_append(&enc, p, n);
		if (out->len > 0)
			buf_putc(out, '\t');
		buf_append(out, enc.data, enc.len);
		if (slash == NULL)
			break;
	}
	buf_release(&enc);
}

static int subs_decode(const char *line, size_t len, bool v2, struct buf *out)
{
	struct buf dec = BUF_INIT;
	const char *p = line, *end = line + len;
	char sep = v2 ? '\t' : '.';
	int ret = 0;

	buf_reset(out);
	while (p <= end) {
		const char *s = memchr(p, sep, (size_t)(end - p));
		size_t n = s ? (size_t)(s - p) : (size_t)(end - p);

		buf_reset(&dec);
		if ((ret = mutf7_decode(p, n, &dec)) < 0)
			break;
		if (out->len > 0)
			buf_putc(out, '/');
		buf_append(out, dec.data, dec.len);
		if (s == NULL)
			break;
		p = s + 1;
	}
	buf_release(&dec);
	return ret;
}

int mailbox_subscriptions(const struct mailbox *mbox, char ***names_r,
			  size_t *count_r)
{
	struct buf path = BUF_INIT, data = BUF_INIT, name = BUF_INIT;
	char **names = NULL;
	size_t n = 0, cap = 0;
	const char *p, *end;
	bool v2;
	int ret;

	buf_printf(&path, "%s/subscriptions", mbox->root);
	ret = read_file_small(path.data, 16 << 20, &data);
	buf_release(&path);
	if (ret == -ENOENT)
		ret = 0;
	if (ret < 0) {
		buf_release(&data);
		return ret;
	}
	v2 = data.len >= sizeof(subs_header) - 1 &&
	     memcmp(data.data, subs_header, sizeof(subs_header) - 1) == 0;
	p = data.data + (v2 ? sizeof(subs_header) - 1 : 0);
	end = data.data + data.len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (len > 0 && subs_decode(p, len, v2, &name) == 0) {
			names = xgrow(names, &cap, n + 1, sizeof(*names));
			names[n++] = buf_detach(&name);
		}
		p += len + 1;
	}
	buf_release(&data);
	buf_release(&name);
	*names_r = names;
	*count_r = n;
	return 0;
}

int mailbox_subscribe(struct mailbox *mbox, const char *name, bool on)
{
	struct buf path = BUF_INIT, out = BUF_INIT, enc = BUF_INIT;
	struct dotlock lock;
	char **names = NULL;
	size_t i, count = 0;
	bool found = false;
	const char *why;
	int ret;

	if ((ret = mailbox_name_check(name, &why)) < 0)
		return ret;
	if (strcasecmp(name, "INBOX") == 0)
		name = "INBOX";
	buf_printf(&path, "%s/subscriptions", mbox->root);
	ret = dotlock_create(path.data, &subscriptions_lock, &lock);
	if (ret < 0)
		goto out;
	ret = mailbox_subscriptions(mbox, &names, &count);
	if (ret == 0) {
		buf_puts(&out, subs_header);
		for (i = 0; i < count; i++) {
			if (strcmp(names[i], name) == 0) {
				found = true;
				if (!on)
					continue;
			}
			subs_encode(names[i], &enc);
			buf_append(&out, enc.data, enc.len);
			buf_putc(&out, '\n');
		}
		if (on && !found) {
			subs_encode(name, &enc);
			buf_append(&out, enc.data, enc.len);
			buf_putc(&out, '\n');
		}
		if (found != on)
			ret = write_file_atomic(path.data, out.data, out.len,
						0600);
	}
	dotlock_delete(&lock);
	mailbox_list_free(names, count);
out:
	buf_release(&path);
	buf_release(&out);
	buf_release(&enc);
	return ret;
}

bool mailbox_is_subscribed(const struct mailbox *mbox, const char *name)
{
	char **names;
	size_t i, n;
	bool found = false;

	if (mailbox_subscriptions(mbox, &names, &n) < 0)
		return false;
	for (i = 0; i < n && !found; i++)
		found = strcmp(names[i], name) == 0;
	mailbox_list_free(names, n);
	return found;
}
