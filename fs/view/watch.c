/* The change-notification thread of mailtree-fs: re-syncs the folders
 * the store reports as changed and tells the kernel which of its cached
 * entries, attributes and pages to drop (see fs.h on locking). */

#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "folder.h"
#include "notify.h"
#include "util.h"
#include "fs.h"
#include "view.h"

struct changed {
	uint32_t *ids;
	size_t n, cap;
};

static atomic_int stopping;	/* set by the main thread */

static void on_change(void *ctx, const char *dir, void *folder_ctx)
{
	struct changed *c = ctx;

	(void)dir;
	c->ids = xgrow(c->ids, &c->cap, c->n + 1, sizeof(*c->ids));
	c->ids[c->n++] = (uint32_t)(uintptr_t)folder_ctx;
}

/* Syncs one folder; tree_folder() queues what the kernel must forget
 * (changes.c). */
static void resync(struct view *v, struct vdir *d)
{
	struct folder *f;

	if (d->f == NULL || d->gone)
		return;
	if (tree_folder(v, d, true, &f) < 0) {
		/* The folder is gone: its directory must go too. */
		view_inval(v, view_ino(d->id, 0, VE_DIR), NULL);
	}
}

static void send_invals(struct view *v, struct inval *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		/* -ENOENT: the kernel has nothing cached for it. */
		if (list[i].name != NULL)
			fuse_lowlevel_notify_inval_entry(v->se, list[i].ino,
							 list[i].name,
							 strlen(list[i].name));
		else
			fuse_lowlevel_notify_inval_inode(v->se, list[i].ino, 0, 0);
		free(list[i].name);
	}
	free(list);
}

static void *watch_main(void *arg)
{
	struct view *v = arg;
	struct changed c = { NULL, 0, 0 };

	while (!atomic_load(&stopping)) {
		struct pollfd pfd[2];
		struct inval *list;
		size_t n, i;
		int t, nfds = 0;
		uint64_t count;

		pthread_mutex_lock(&v->lock);
		t = notify_timeout_ms(v->notify);
		pfd[nfds].fd = notify_fd(v->notify);
		pfd[nfds].events = POLLIN;
		nfds += pfd[nfds].fd >= 0;
		pthread_mutex_unlock(&v->lock);
		pfd[nfds].fd = v->wake_fd;
		pfd[nfds].events = POLLIN;
		nfds++;
		/* Wake at least every 200 ms: new watches, new polls. */
		if (t < 0 || t > 200)
			t = 200;
		poll(pfd, (nfds_t)nfds, t);
		if (read(v->wake_fd, &count, sizeof(count)) < 0) {
			/* EAGAIN: nothing queued by the main thread. */
		}

		pthread_mutex_lock(&v->lock);
		c.n = 0;
		notify_read(v->notify, on_change, &c);
		for (i = 0; i < c.n; i++) {
			struct vdir *d = tree_dir(v, c.ids[i]);

			if (d != NULL)
				resync(v, d);
		}
		tree_watch_folders(v);
		pending_expire(v);
		list = v->inval;
		n = v->n_inval;
		v->inval = NULL;
		v->n_inval = v->cap_inval = 0;
		pthread_mutex_unlock(&v->lock);
		send_invals(v, list, n);
	}
	free(c.ids);
	return NULL;
}

int watch_start(struct view *v, pthread_t *thr_r)
{
	atomic_store(&stopping, 0);
	return -pthread_create(thr_r, NULL, watch_main, v);
}

void watch_stop(struct view *v, pthread_t thr)
{
	uint64_t one = 1;

	atomic_store(&stopping, 1);
	if (write(v->wake_fd, &one, sizeof(one)) < 0) {
		/* Already woken. */
	}
	pthread_join(thr, NULL);
}
