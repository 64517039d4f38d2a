/* The store root; see store.h. */

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "mailbox.h"
#include "passwd-cache.h"
#include "passwd.h"
#include "store.h"
#include "util.h"

void store_passwd_path(const char *root, struct buf *out)
{
	buf_reset(out);
	buf_printf(out, "%s/" STORE_PASSWD, root);
}

void store_user_dir(const char *root, const char *user, struct buf *out)
{
	buf_reset(out);
	buf_printf(out, "%s/" STORE_MAIL_DIR "/%s", root, user);
}

int store_init(const char *root)
{
	struct buf p = BUF_INIT;
	int fd, ret;

	ret = mkdir_p(root, 0755);
	if (ret == 0) {
		buf_printf(&p, "%s/" STORE_MAIL_DIR, root);
		if (mkdir(p.data, 0700) < 0 && errno != EEXIST)
			ret = -errno;
	}
	if (ret == 0) {
		store_passwd_path(root, &p);
		/* The password file holds hashes: readable by its owner only. */
		fd = open(p.data, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
		if (fd < 0)
			ret = -errno;
		else if (fsync(fd) < 0)
			ret = -errno;
		if (fd >= 0)
			close(fd);
	}
	if (ret == 0)
		ret = fsync_dir(root);
	buf_release(&p);
	return ret;
}

int store_check(const char *root)
{
	struct buf p = BUF_INIT;
	struct stat st;
	int ret = 0;

	store_passwd_path(root, &p);
	if (stat(p.data, &st) < 0)
		ret = -errno;
	buf_release(&p);
	return ret;
}

int store_user_exists(const char *root, const char *user)
{
	struct buf p = BUF_INIT;
	struct passwd_db *db;
	int ret;

	store_passwd_path(root, &p);
	/* Shared and parsed again only when the file changed: the LMTP
	 * server asks this for every recipient. */
	ret = passwd_cache_open(p.data, &db);
	buf_release(&p);
	if (ret < 0)
		return ret;
	ret = passwd_lookup(db, user) != NULL;
	passwd_cache_release(&db);
	return ret;
}

int store_user_mailbox(const char *root, const char *user,
		       bool create_missing, struct mailbox **mbox_r)
{
	struct buf dir = BUF_INIT;
	const char *why;
	int ret;

	if (passwd_user_name_valid(user, &why) < 0)
		return -ESRCH;
	ret = store_user_exists(root, user);
	if (ret == 0)
		ret = -ESRCH;
	if (ret < 0)
		return ret;
	store_user_dir(root, user, &dir);
	ret = mailbox_open(dir.data, mbox_r);
	if (ret == -ENOENT && create_missing) {
		ret = mailbox_create(dir.data, mailbox_default_folders);
		if (ret == 0)
			ret = mailbox_open(dir.data, mbox_r);
	}
	buf_release(&dir);
	return ret;
}
