/* The change-notification thread of mailtree-fs: re-syncs the folders
 * the store reports as changed and tells the kernel which of its cached
 * entries, attributes and pages to drop (see fs.h on locking). */

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "folder.h"
#include "notify.h"
#include "util.h"
#include "fs.h"
#include "view.h"

struct snap {
	uint32_t uid, flags, keywords;
};

struct changed {
	uint32_t *ids;
	size_t n, cap;
};

static volatile int stopping;

static void on_change(void *ctx, const char *dir, void *folder_ctx)
{
	struct changed *c = ctx;

	(void)dir;
	c->ids = xgrow(c->ids, &c->cap, c->n + 1, sizeof(*c->ids));
	c->ids[c->n++] = (uint32_t)(uintptr_t)folder_ctx;
}

static void inval_flag_names(struct view *v, struct vdir *d, uint32_t uid,
			     uint32_t flags, uint32_t kw)
{
	fuse_ino_t dir = view_ino(d->id, uid, VE_FLAGS_DIR);
	int k;

	for (k = 0; k < VIEW_SYSFLAGS; k++) {
		if (flags & view_sysflag_bits[k])
			view_inval(v, dir, view_sysflag_names[k]);
	}
	view_inval(v, dir, VIEW_FORWARDED);
	for (k = 0; k < KEYWORDS_MAX; k++) {
		const char *name = folder_keyword_name(d->f, k);

		if ((kw & (1u << k)) && name != NULL)
			view_inval(v, dir, name);
	}
}

/* Syncs one folder and queues what the kernel must forget. */
static void resync(struct view *v, struct vdir *d)
{
	struct folder *f = d->f;
	struct snap *old;
	size_t n_old, i, j;
	char num[16];
	unsigned int k;
	bool any = false;

	if (f == NULL || d->gone)
		return;
	n_old = f->count;
	old = xmalloc((n_old + 1) * sizeof(*old));
	for (i = 0; i < n_old; i++) {
		old[i].uid = f->msgs[i].uid;
		old[i].flags = f->msgs[i].flags;
		old[i].keywords = f->msgs[i].keywords;
	}
	if (tree_folder(v, d, true, &f) < 0) {
		/* The folder is gone: its directory must go too. */
		view_inval(v, view_ino(d->id, 0, VE_DIR), NULL);
		free(old);
		return;
	}
	for (i = 0, j = 0; i < n_old || j < f->count;) {
		const struct message *m = j < f->count ? &f->msgs[j] : NULL;

		if (m == NULL || (i < n_old && old[i].uid < m->uid)) {
			xsnprintf(num, sizeof(num), "%" PRIu32, old[i].uid);
			view_inval(v, view_ino(d->id, 0, VE_DIR), num);
			any = true;
			i++;
		} else if (i >= n_old || m->uid < old[i].uid) {
			any = true;	/* new: nothing cached yet */
			j++;
		} else {
			if (m->flags != old[i].flags ||
			    m->keywords != old[i].keywords) {
				view_inval(v, view_ino(d->id, m->uid,
						       VE_PROP + VP_FLAGS), NULL);
				view_inval(v, view_ino(d->id, m->uid,
						       VE_PROP + VP_MODSEQ), NULL);
				view_inval(v, view_ino(d->id, m->uid,
						       VE_FLAGS_DIR), NULL);
				inval_flag_names(v, d, m->uid,
						 m->flags ^ old[i].flags,
						 m->keywords ^ old[i].keywords);
				any = true;
			}
			i++;
			j++;
		}
	}
	if (any) {
		view_inval(v, view_ino(d->id, 0, VE_DIR), NULL);
		for (k = 0; k < VF_COUNT; k++)
			view_inval(v, view_ino(d->id, 0, VE_FOLDER_PROP + k), NULL);
	}
	free(old);
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

	while (!stopping) {
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
	stopping = 0;
	return -pthread_create(thr_r, NULL, watch_main, v);
}

void watch_stop(struct view *v, pthread_t thr)
{
	uint64_t one = 1;

	stopping = 1;
	if (write(v->wake_fd, &one, sizeof(one)) < 0) {
		/* Already woken. */
	}
	pthread_join(thr, NULL);
}
