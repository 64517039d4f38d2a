/* mailtree-fs: mounts a mailtree store as a tree of folders, messages and
 * property files (mailtree-fs(1)). */

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mailbox.h"
#include "notify.h"
#include "passwd.h"
#include "store.h"
#include "util.h"
#include "folder.h"
#include "fs.h"

struct options {
	char *store;
	char *user;
	int poll;
	int show_help;
	int show_version;
	int nargs;
};

#define OPT(t, p) { t, offsetof(struct options, p), 1 }
static const struct fuse_opt option_spec[] = {
	OPT("user=%s", user),
	OPT("mailtree_poll", poll),
	OPT("-h", show_help),
	OPT("--help", show_help),
	OPT("-V", show_version),
	OPT("--version", show_version),
	FUSE_OPT_END
};

static void usage(FILE *to)
{
	fprintf(to,
		"usage: mailtree-fs [-f] [-d] [-o user=NAME] [-o OPTION,...] "
		"STORE MOUNTPOINT\n"
		"  -o user=NAME     mount NAME's mailbox (required unless root)\n"
		"  -o mailtree_poll poll the store instead of using inotify\n"
		"  -f               stay in the foreground\n"
		"  -d               debug: foreground, print every request\n"
		"  -o ro, -o allow_other and the other FUSE mount options\n");
}

/* The first non-option argument is the store; the second, the mount
 * point, is left for fuse_parse_cmdline(). */
static int opt_proc(void *data, const char *arg, int key,
		    struct fuse_args *outargs)
{
	struct options *o = data;

	(void)outargs;
	if (key != FUSE_OPT_KEY_NONOPT)
		return 1;
	if (o->nargs++ == 0) {
		o->store = xstrdup(arg);
		return 0;
	}
	return 1;
}

static int add_user(struct view *v, const struct passwd_entry *pe,
		    const char *name, bool quiet_missing)
{
	struct vuser *u;
	struct mailbox *mbox;
	int ret = store_user_mailbox(v->store, name, false, &mbox);

	if (ret < 0) {
		if (!(quiet_missing && ret == -ENOENT))
			fprintf(stderr, "mailtree-fs: %s: %s\n", name,
				ret == -ESRCH ? "unknown user" : strerror(-ret));
		return ret;
	}
	v->users = xrealloc(v->users, (v->n_users + 1) * sizeof(*v->users));
	u = &v->users[v->n_users++];
	memset(u, 0, sizeof(*u));
	u->name = xstrdup(name);
	u->mbox = mbox;
	/* A user without a uid or gid of their own gets the store
	 * owner's. */
	u->uid = pe != NULL && pe->uid != 0 ? pe->uid : v->owner_uid;
	u->gid = pe != NULL && pe->gid != 0 ? pe->gid : v->owner_gid;
	return 0;
}

static int load_users(struct view *v, const char *user)
{
	struct passwd_db *db;
	struct buf path = BUF_INIT;
	size_t i;
	int ret;

	store_passwd_path(v->store, &path);
	ret = passwd_open(path.data, &db);
	buf_release(&path);
	if (ret < 0) {
		fprintf(stderr, "mailtree-fs: %s: %s\n", v->store, strerror(-ret));
		return ret;
	}
	if (user != NULL) {
		ret = add_user(v, passwd_lookup(db, user), user, false);
	} else {
		for (i = 0; i < passwd_count(db); i++) {
			const struct passwd_entry *pe = passwd_entry_at(db, i);

			add_user(v, pe, pe->name, true);
		}
	}
	passwd_free(&db);
	return ret;
}

/*
 * After mounting, a root mount works as the store's owner: files it
 * writes keep the owner the store's other programs expect, and a bug
 * cannot reach outside the store with root's rights.  The kernel checks
 * the users' access (default_permissions).
 */
static int drop_privileges(const struct view *v)
{
	int ret;

	if (geteuid() != 0 || v->owner_uid == 0)
		return 0;
	ret = become_user(v->owner_uid, v->owner_gid);
	if (ret < 0)
		fprintf(stderr, "mailtree-fs: cannot become the store's owner "
			"(uid %u): %s\n", (unsigned)v->owner_uid, strerror(-ret));
	return ret < 0 ? -1 : 0;
}

/* A directory that is already a mount point (or the root) is busy. */
static int check_mountpoint(const char *mp)
{
	struct buf up = BUF_INIT;
	struct stat st, pst;
	int ret = 0;

	buf_printf(&up, "%s/..", mp);
	if (stat(mp, &st) < 0)
		ret = -errno;
	else if (!S_ISDIR(st.st_mode))
		ret = -ENOTDIR;
	else if (stat(up.data, &pst) < 0)
		ret = -errno;
	else if (st.st_dev != pst.st_dev || st.st_ino == pst.st_ino)
		ret = -EBUSY;
	buf_release(&up);
	if (ret < 0)
		fprintf(stderr, "mailtree-fs: %s: %s\n", mp,
			ret == -EBUSY ? "mount point busy (already mounted)" :
			strerror(-ret));
	return ret;
}

int main(int argc, char **argv)
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct fuse_cmdline_opts cmd;
	struct options opts;
	struct view v;
	pthread_t thr;
	int ret = 1;

	log_set_progname("mailtree-fs");
	memset(&opts, 0, sizeof(opts));
	memset(&v, 0, sizeof(v));
	memset(&cmd, 0, sizeof(cmd));
	v.wake_fd = -1;
	if (fuse_opt_parse(&args, &opts, option_spec, opt_proc) < 0)
		return 2;
	if (opts.show_help) {
		usage(stdout);
		return 0;
	}
	if (opts.show_version) {
		printf("mailtree-fs (libfuse %s)\n", fuse_pkgversion());
		return 0;
	}
	if (fuse_parse_cmdline(&args, &cmd) < 0 || opts.store == NULL ||
	    cmd.mountpoint == NULL) {
		usage(stderr);
		goto out;
	}
	/* Absolute: a daemon runs in "/". */
	v.store = realpath(opts.store, NULL);
	if (v.store == NULL || store_check(v.store) < 0) {
		fprintf(stderr, "mailtree-fs: %s: not a mailtree store "
			"(no passwd file)\n", v.store);
		goto out;
	}
	if (opts.user == NULL && geteuid() != 0) {
		fprintf(stderr, "mailtree-fs: -o user=NAME is needed: only "
			"root mounts every user\n");
		goto out;
	}
	v.all_users = opts.user == NULL;
	{
		struct stat st;

		if (stat(v.store, &st) < 0)
			goto out;
		v.owner_uid = st.st_uid;
		v.owner_gid = st.st_gid;
	}
	if (load_users(&v, opts.user) < 0 || check_mountpoint(cmd.mountpoint) < 0)
		goto out;
	/* The kernel checks permissions against the files' owners when
	 * every user is shown; a one-user mount answers itself. */
	if (v.all_users)
		fuse_opt_add_arg(&args, "-odefault_permissions");
	fuse_opt_add_arg(&args, "-ofsname=mailtree");
	fuse_opt_add_arg(&args, "-osubtype=mailtree-fs");
	v.timeout = 1.0;
	/* Folders live as long as the mount: each keeps its lock's inode,
	 * and writes its index anew for new mail every few seconds. */
	folder_keep_lock_inodes(true);
	folder_keep_files(true);
	folder_defer_index_rewrites(true);
	pthread_mutex_init(&v.lock, NULL);
	if (notify_new(0, opts.poll != 0, &v.notify) < 0) {
		fprintf(stderr, "mailtree-fs: cannot watch the store\n");
		goto out;
	}
	v.wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	tree_init(&v);

	v.se = fuse_session_new(&args, &view_ops, sizeof(view_ops), &v);
	if (v.se == NULL)
		goto out_tree;
	if (fuse_set_signal_handlers(v.se) != 0)
		goto out_session;
	if (fuse_session_mount(v.se, cmd.mountpoint) != 0)
		goto out_signals;
	if (drop_privileges(&v) < 0)
		goto out_unmount;
	fuse_daemonize(cmd.foreground);
	/* After daemonizing: a fork keeps no threads. */
	if (watch_start(&v, &thr) < 0) {
		fprintf(stderr, "mailtree-fs: cannot start the watcher\n");
		goto out_unmount;
	}
	ret = view_loop(v.se) != 0;
	watch_stop(&v, thr);
out_unmount:
	fuse_session_unmount(v.se);
out_signals:
	fuse_remove_signal_handlers(v.se);
out_session:
	fuse_session_destroy(v.se);
out_tree:
	tree_release(&v);
	notify_free(&v.notify);
	if (v.wake_fd >= 0)
		close(v.wake_fd);
	pthread_mutex_destroy(&v.lock);
out:
	if (v.users != NULL && v.n_dirs == 0) {
		size_t i;

		for (i = 0; i < v.n_users; i++) {
			free(v.users[i].name);
			mailbox_free(&v.users[i].mbox);
		}
		free(v.users);
	}
	free(cmd.mountpoint);
	free(opts.store);
	free(v.store);
	free(opts.user);
	fuse_opt_free_args(&args);
	return ret;
}
