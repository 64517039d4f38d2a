/* A user's Maildir++ mailbox: folder names and folder management; see
 * mailbox.h. */

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "dotlock.h"
#include "folder.h"
#include "mailbox.h"
#include "mutf7.h"
#include "util.h"

const char *const mailbox_default_folders[] = {
	"Drafts", "Sent", "Trash", "Junk", "Archive", NULL
};

/* The lock of dovecot-uidvalidity: held only for a read and a write. */
static const struct dotlock_settings uidvalidity_lock = {
	.timeout_secs = 120,
	.stale_secs = 30,
};

int mailbox_open(const char *root, struct mailbox **mbox_r)
{
	struct buf cur = BUF_INIT;
	struct stat st;
	int ret = 0;

	buf_printf(&cur, "%s/cur", root);
	if (stat(cur.data, &st) < 0)
		ret = -errno;
	buf_release(&cur);
	if (ret < 0)
		return ret;
	*mbox_r = xcalloc(1, sizeof(**mbox_r));
	(*mbox_r)->root = xstrdup(root);
	return 0;
}

void mailbox_free(struct mailbox **mbox)
{
	if (*mbox == NULL)
		return;
	free((*mbox)->root);
	free(*mbox);
	*mbox = NULL;
}

/*
 * UIDVALIDITY for a new folder: the current time, but always above the
 * last one given in this mailbox, so a folder deleted and created again in
 * the same second still gets a new one (RFC 3501 2.3.1.1).  The last value
 * is kept in hex in "dovecot-uidvalidity", the file Dovecot uses for this.
 */
int mailbox_next_uidvalidity(const char *root, uint32_t *uidv_r)
{
	struct buf path = BUF_INIT, data = BUF_INIT;
	struct dotlock lock;
	uint32_t last = 0, now = (uint32_t)time(NULL);
	int ret;

	buf_printf(&path, "%s/dovecot-uidvalidity", root);
	ret = dotlock_create(path.data, &uidvalidity_lock, &lock);
	if (ret < 0)
		goto out;
	if (read_file_small(path.data, 64, &data) == 0)
		last = (uint32_t)strtoul(data.data, NULL, 16);
	*uidv_r = now > last ? now : last + 1;
	buf_reset(&data);
	buf_printf(&data, "%08x", *uidv_r);
	ret = write_file_atomic(path.data, data.data, data.len, 0600);
	dotlock_delete(&lock);
out:
	buf_release(&path);
	buf_release(&data);
	return ret;
}

/* Writes the uidlist and index of a fresh folder. */
static int init_folder(const char *root, const char *dir)
{
	struct folder *f = NULL;
	uint32_t uidv;
	int ret;

	ret = mailbox_next_uidvalidity(root, &uidv);
	if (ret == 0)
		ret = folder_open_lazy(dir, &f);
	if (ret == 0)
		ret = folder_lock(f);
	if (ret == 0) {
		uidlist_refresh(&f->uidlist);
		if (!f->uidlist.exists) {
			uidlist_new_validity(&f->uidlist, uidv);
			ret = uidlist_write(&f->uidlist, true);
		}
		folder_unlock(f);
	}
	if (ret == 0)
		ret = folder_sync(f);
	folder_free(&f);
	return ret < 0 ? ret : 0;
}

int mailbox_create(const char *root, const char *const *folders)
{
	struct mailbox mbox = { .root = (char *)root };
	int ret;

	ret = folder_create_dirs(root, false);
	if (ret == 0)
		ret = init_folder(root, root);
	for (; ret == 0 && folders != NULL && *folders != NULL; folders++) {
		ret = mailbox_folder_create(&mbox, *folders);
		if (ret == -EEXIST)
			ret = 0;
		if (ret == 0)
			ret = mailbox_subscribe(&mbox, *folders, true);
	}
	return ret;
}

static bool is_inbox(const char *name, size_t len)
{
	return len == 5 && strncasecmp(name, "INBOX", 5) == 0;
}

int mailbox_name_check(const char *name, const char **why_r)
{
	const unsigned char *p = (const unsigned char *)name;
	size_t len = strlen(name), level = 0;

	*why_r = NULL;
	if (len == 0)
		*why_r = "the folder name is empty";
	else if (len > MAILBOX_NAME_MAX)
		*why_r = "the folder name is too long";
	else if (name[0] == '/')
		*why_r = "a folder name cannot start with '/'";
	else if (name[len - 1] == '/')
		*why_r = "a folder name cannot end with '/'";
	for (; *why_r == NULL && *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f)
			*why_r = "control characters are not allowed in folder names";
		else if (*p == '.')
			*why_r = "'.' is not allowed in folder names (it separates levels on disk)";
		else if (*p == '/') {
			if (level == 0)
				*why_r = "empty level in folder name ('//')";
			level = 0;
			continue;
		}
		level++;
	}
	return *why_r == NULL ? 0 : -EINVAL;
}

int mailbox_folder_dir(const struct mailbox *mbox, const char *name,
		       struct buf *dir)
{
	struct buf enc = BUF_INIT;
	const char *why, *p, *slash;
	int ret;

	ret = mailbox_name_check(name, &why);
	if (ret < 0)
		return ret;
	buf_reset(dir);
	buf_puts(dir, mbox->root);
	if (is_inbox(name, strlen(name)))
		return 0;
	buf_puts(dir, "/");
	for (p = name; ; p = slash + 1) {
		slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);

		buf_reset(&enc);
		if (p == name && is_inbox(p, n))
			buf_puts(&enc, "INBOX");
		else if ((ret = mutf7_encode(p, n, &enc)) < 0)
			break;
		buf_putc(dir, '.');
		buf_append(dir, enc.data, enc.len);
		if (slash == NULL)
			break;
	}
	buf_release(&enc);
	if (ret == 0 && strlen(strrchr(dir->data, '/') + 1) > 255)
		ret = -ENAMETOOLONG;
	return ret;
}

int mailbox_dir_to_name(const char *entry, struct buf *name)
{
	struct buf dec = BUF_INIT;
	const char *p, *dot;
	int ret = 0;

	buf_reset(name);
	/* ".", "..", and names with empty levels (our own "..trash"
	 * directories among them) are not folders. */
	if (entry[0] != '.' || entry[1] == '\0' || entry[1] == '.')
		return -EINVAL;
	for (p = entry + 1; ; p = dot + 1) {
		dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);

		if (n == 0) {
			ret = -EINVAL;
			break;
		}
		buf_reset(&dec);
		ret = mutf7_decode(p, n, &dec);
		if (ret < 0)
			break;
		if (memchr(dec.data, '/', dec.len) != NULL ||
		    memchr(dec.data, '\0', dec.len) != NULL) {
			ret = -EINVAL;
			break;
		}
		if (name->len > 0)
			buf_putc(name, '/');
		buf_append(name, dec.data, dec.len);
		if (dot == NULL)
			break;
	}
	buf_release(&dec);
	return ret;
}

static int cmp_names(const void *a, const void *b)
{
	const char *const *x = a, *const *y = b;

	return strcmp(*x, *y);
}

int mailbox_list(const struct mailbox *mbox, char ***names_r, size_t *count_r)
{
	struct buf name = BUF_INIT, cur = BUF_INIT;
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	struct stat st;
	DIR *d;

	d = opendir(mbox->root);
	if (d == NULL)
		return -errno;
	names = xgrow(names, &cap, 1, sizeof(*names));
	names[n++] = xstrdup("INBOX");
	while ((de = readdir(d)) != NULL) {
		if (mailbox_dir_to_name(de->d_name, &name) < 0)
			continue;
		buf_reset(&cur);
		buf_printf(&cur, "%s/%s/cur", mbox->root, de->d_name);
		if (stat(cur.data, &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		names = xgrow(names, &cap, n + 1, sizeof(*names));
		names[n++] = buf_detach(&name);
	}
	closedir(d);
	buf_release(&name);
	buf_release(&cur);
	qsort(names + 1, n - 1, sizeof(*names), cmp_names);
	*names_r = names;
	*count_r = n;
	return 0;
}

void mailbox_list_free(char **names, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++)
		free(names[i]);
	free(names);
}

bool mailbox_folder_exists(const struct mailbox *mbox, const char *name)
{
	struct buf dir = BUF_INIT;
	struct stat st;
	bool ok = false;

	if (mailbox_folder_dir(mbox, name, &dir) == 0) {
		buf_puts(&dir, "/cur");
		ok = stat(dir.data, &st) == 0 && S_ISDIR(st.st_mode);
	}
	buf_release(&dir);
	return ok;
}

/* Threads of one process (mailtreed delivering to a new mailbox from
 * several sessions) must not share a temporary folder name. */
static unsigned long tmp_counter;

int mailbox_folder_create(struct mailbox *mbox, const char *name)
{
	struct buf dir = BUF_INIT, tmpdir = BUF_INIT;
	int ret;

	ret = mailbox_folder_dir(mbox, name, &dir);
	if (ret < 0)
		goto out;
	if (mailbox_folder_exists(mbox, name)) {
		ret = -EEXIST;
		goto out;
	}
	/* Parents first, as RFC 3501 asks of CREATE ("a/b" makes "a"). */
	const char *slash = strrchr(name, '/');
	if (slash != NULL) {
		char *parent = xstrndup(name, (size_t)(slash - name));
		if (!is_inbox(parent, strlen(parent)))
			ret = mailbox_folder_create(mbox, parent);
		free(parent);
		if (ret == -EEXIST)
			ret = 0;
		if (ret < 0)
			goto out;
	}
	/* Build it under a temporary name and rename it into place, so no
	 * other process ever sees a folder without its uidlist. */
	buf_printf(&tmpdir, "%s/..new.%ld.%lu.%s", mbox->root, (long)getpid(),
		   __atomic_add_fetch(&tmp_counter, 1, __ATOMIC_RELAXED),
		   strrchr(dir.data, '/') + 1);
	ret = folder_create_dirs(tmpdir.data, true);
	if (ret == 0)
		ret = init_folder(mbox->root, tmpdir.data);
	if (ret == 0 && rename(tmpdir.data, dir.data) < 0)
		ret = errno == ENOTEMPTY ? -EEXIST : -errno;
	if (ret == 0)
		ret = fsync_dir(mbox->root);
	if (ret < 0)
		remove_tree(tmpdir.data);
out:
	buf_release(&dir);
	buf_release(&tmpdir);
	return ret;
}

/* Calls fn for the folder and, when `children`, every folder below it. */
static int for_folder_and_children(struct mailbox *mbox, const char *name,
				   bool children,
				   int (*fn)(struct mailbox *, const char *,
					     const char *, void *),
				   void *ctx)
{
	char **names;
	size_t i, count, len = strlen(name);
	int ret;

	ret = mailbox_list(mbox, &names, &count);
	if (ret < 0)
		return ret;
	for (i = 0; i < count && ret == 0; i++) {
		bool self = strcmp(names[i], name) == 0;
		bool child = strncmp(names[i], name, len) == 0 &&
			     names[i][len] == '/';

		if (self || (children && child))
			ret = fn(mbox, names[i], names[i] + len, ctx);
	}
	mailbox_list_free(names, count);
	return ret;
}

static int delete_one(struct mailbox *mbox, const char *name,
		      const char *suffix, void *ctx)
{
	struct buf dir = BUF_INIT, trash = BUF_INIT;
	static unsigned long counter;
	int ret;

	(void)suffix;
	(void)ctx;
	ret = mailbox_folder_dir(mbox, name, &dir);
	if (ret < 0)
		goto out;
	/* Rename first, so the folder disappears at once and a crash halfway
	 * through the removal leaves no half folder. */
	buf_printf(&trash, "%s/..trash.%ld.%lu", mbox->root, (long)getpid(),
		   __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED));
	if (rename(dir.data, trash.data) < 0) {
		ret = -errno;
		goto out;
	}
	ret = fsync_dir(mbox->root);
	if (ret == 0)
		ret = remove_tree(trash.data);
	if (ret == 0)
		mailbox_subscribe(mbox, name, false);
out:
	buf_release(&dir);
	buf_release(&trash);
	return ret;
}

int mailbox_folder_delete(struct mailbox *mbox, const char *name,
			  bool children)
{
	const char *why;
	int ret = mailbox_name_check(name, &why);

	if (ret < 0)
		return ret;
	if (is_inbox(name, strlen(name)))
		return -EPERM;
	if (!mailbox_folder_exists(mbox, name))
		return -ENOENT;
	return for_folder_and_children(mbox, name, children, delete_one, NULL);
}

struct rename_ctx {
	const char *to;
};

static int rename_one(struct mailbox *mbox, const char *name,
		      const char *suffix, void *ctx)
{
	struct rename_ctx *rc = ctx;
	struct buf from = BUF_INIT, to = BUF_INIT, newname = BUF_INIT;
	int ret;

	buf_printf(&newname, "%s%s", rc->to, suffix);
	ret = mailbox_folder_dir(mbox, name, &from);
	if (ret == 0)
		ret = mailbox_folder_dir(mbox, newname.data, &to);
	if (ret == 0 && rename(from.data, to.data) < 0)
		ret = -errno;
	/* The subscription moves along, if there was one. */
	if (ret == 0 && mailbox_is_subscribed(mbox, name)) {
		mailbox_subscribe(mbox, name, false);
		mailbox_subscribe(mbox, newname.data, true);
	}
	buf_release(&from);
	buf_release(&to);
	buf_release(&newname);
	return ret;
}

int mailbox_folder_rename(struct mailbox *mbox, const char *from,
			  const char *to)
{
	struct rename_ctx rc = { .to = to };
	const char *why;
	size_t flen = strlen(from);
	int ret;

	if ((ret = mailbox_name_check(from, &why)) < 0 ||
	    (ret = mailbox_name_check(to, &why)) < 0)
		return ret;
	if (is_inbox(from, flen) || is_inbox(to, strlen(to)))
		return -EPERM;
	if (!mailbox_folder_exists(mbox, from))
		return -ENOENT;
	if (mailbox_folder_exists(mbox, to))
		return -EEXIST;
	/* A folder cannot move below itself. */
	if (strncmp(to, from, flen) == 0 && to[flen] == '/')
		return -EINVAL;
	/* As with CREATE, RFC 3501 asks RENAME to make missing parents. */
	const char *slash = strrchr(to, '/');
	if (slash != NULL) {
		char *parent = xstrndup(to, (size_t)(slash - to));
		if (!mailbox_folder_exists(mbox, parent) &&
		    !is_inbox(parent, strlen(parent)))
			ret = mailbox_folder_create(mbox, parent);
		free(parent);
		if (ret < 0 && ret != -EEXIST)
			return ret;
		ret = 0;
	}
	ret = for_folder_and_children(mbox, from, true, rename_one, &rc);
	if (ret == 0)
		ret = fsync_dir(mbox->root);
	return ret;
}

int mailbox_folder_open(struct mailbox *mbox, const char *name,
			struct folder **folder_r)
{
	struct buf dir = BUF_INIT;
	int ret;

	ret = mailbox_folder_dir(mbox, name, &dir);
	if (ret == 0 && !mailbox_folder_exists(mbox, name))
		ret = -ENOENT;
	if (ret == 0)
		ret = folder_open(dir.data, folder_r);
	buf_release(&dir);
	return ret;
}
