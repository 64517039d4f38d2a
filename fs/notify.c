/* Change notification with inotify and a polling fallback; see notify.h. */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "notify.h"
#include "util.h"

/* What polling compares: a change to any of these is a change. */
struct poll_state {
	struct timespec new_mtime, cur_mtime, dir_mtime;
	ino_t uidlist_ino;
	off_t uidlist_size;
};

struct watch {
	char *dir;
	void *ctx;
	int wd[3];		/* dir, new/, cur/; -1 when polled */
	bool polled;
	bool changed;
	struct poll_state last;
};

struct notify {
	int ifd;		/* inotify, or -1 */
	unsigned int poll_ms;
	bool force_poll;
	struct watch *w;
	size_t count, cap;
	struct timespec next_poll;
};

static const char *const subdirs[3] = { "", "/new", "/cur" };

int notify_new(unsigned int poll_ms, bool force_poll, struct notify **n_r)
{
	struct notify *n = xcalloc(1, sizeof(*n));

	n->poll_ms = poll_ms ? poll_ms : 1000;
	n->force_poll = force_poll;
	n->ifd = force_poll ? -1 : inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	/* No inotify (too many instances, or none in this kernel): poll. */
	if (n->ifd < 0)
		n->force_poll = true;
	clock_gettime(CLOCK_MONOTONIC, &n->next_poll);
	*n_r = n;
	return 0;
}

static void watch_release(struct notify *n, struct watch *w)
{
	int i;

	for (i = 0; i < 3; i++)
		if (w->wd[i] >= 0 && n->ifd >= 0)
			inotify_rm_watch(n->ifd, w->wd[i]);
	free(w->dir);
}

void notify_free(struct notify **np)
{
	struct notify *n = *np;
	size_t i;

	if (n == NULL)
		return;
	for (i = 0; i < n->count; i++)
		watch_release(n, &n->w[i]);
	free(n->w);
	if (n->ifd >= 0)
		close(n->ifd);
	free(n);
	*np = NULL;
}

static void poll_read(const char *dir, struct poll_state *ps)
{
	struct buf p = BUF_INIT;
	struct stat st;
	int i;
	struct timespec *t[3] = { &ps->dir_mtime, &ps->new_mtime,
				  &ps->cur_mtime };

	memset(ps, 0, sizeof(*ps));
	for (i = 0; i < 3; i++) {
		buf_reset(&p);
		buf_printf(&p, "%s%s", dir, subdirs[i]);
		if (stat(p.data, &st) == 0)
			*t[i] = st.st_mtim;
	}
	buf_reset(&p);
	buf_printf(&p, "%s/dovecot-uidlist", dir);
	if (stat(p.data, &st) == 0) {
		ps->uidlist_ino = st.st_ino;
		ps->uidlist_size = st.st_size;
	}
	buf_release(&p);
}

static struct watch *find(const struct notify *n, const char *dir)
{
	size_t i;

	for (i = 0; i < n->count; i++)
		if (strcmp(n->w[i].dir, dir) == 0)
			return &n->w[i];
	return NULL;
}

int notify_add(struct notify *n, const char *dir, void *folder_ctx)
{
	/* Events that mean messages came, went, or changed flags, and the
	 * replacement of dovecot-uidlist or dovecot-keywords. */
	const uint32_t mask = IN_CREATE | IN_DELETE | IN_MOVED_FROM |
			      IN_MOVED_TO | IN_CLOSE_WRITE | IN_DELETE_SELF |
			      IN_MOVE_SELF | IN_ONLYDIR;
	struct buf p = BUF_INIT;
	struct watch *w = find(n, dir);
	int i, ret = 0;

	if (w != NULL) {
		w->ctx = folder_ctx;
		return 0;
	}
	n->w = xgrow(n->w, &n->cap, n->count + 1, sizeof(*n->w));
	w = &n->w[n->count];
	memset(w, 0, sizeof(*w));
	w->dir = xstrdup(dir);
	w->ctx = folder_ctx;
	w->wd[0] = w->wd[1] = w->wd[2] = -1;
	w->polled = n->force_poll || fs_is_shared(dir);
	for (i = 0; i < 3 && !w->polled; i++) {
		buf_reset(&p);
		buf_printf(&p, "%s%s", dir, subdirs[i]);
		w->wd[i] = inotify_add_watch(n->ifd, p.data, mask);
		if (w->wd[i] < 0) {
			ret = -errno;
			/* Out of watches: poll this one rather than fail. */
			if (ret == -ENOSPC) {
				ret = 0;
				w->polled = true;
			}
			break;
		}
	}
	buf_release(&p);
	if (ret < 0) {
		watch_release(n, w);
		return ret;
	}
	if (w->polled) {
		for (i = 0; i < 3; i++) {
			if (w->wd[i] >= 0)
				inotify_rm_watch(n->ifd, w->wd[i]);
			w->wd[i] = -1;
		}
	}
	poll_read(dir, &w->last);
	n->count++;
	return 0;
}

int notify_remove(struct notify *n, const char *dir)
{
	struct watch *w = find(n, dir);
	size_t i;

	if (w == NULL)
		return -ENOENT;
	i = (size_t)(w - n->w);
	watch_release(n, w);
	memmove(&n->w[i], &n->w[i + 1], (n->count - i - 1) * sizeof(*n->w));
	n->count--;
	return 0;
}

bool notify_is_polled(const struct notify *n, const char *dir)
{
	const struct watch *w = find(n, dir);

	return w != NULL && w->polled;
}

int notify_fd(const struct notify *n)
{
	return n->ifd;
}

static bool any_polled(const struct notify *n)
{
	size_t i;

	for (i = 0; i < n->count; i++)
		if (n->w[i].polled)
			return true;
	return false;
}

int notify_timeout_ms(const struct notify *n)
{
	struct timespec now;
	long long ms;

	if (!any_polled(n))
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(n->next_poll.tv_sec - now.tv_sec) * 1000 +
	     (n->next_poll.tv_nsec - now.tv_nsec) / 1000000;
	return ms < 0 ? 0 : (int)ms;
}

/*
 * In the folder directory itself only the replacement of the files that
 * say what the folder holds counts.  Lock files and mailtree's own index
 * come and go at every sync, also at the watcher's own: counting them
 * would make each sync report the next one, forever.
 */
static bool folder_dir_event_counts(const struct inotify_event *ev)
{
	static const char *const names[] = {
		"dovecot-uidlist", "dovecot-keywords", "new", "cur",
	};
	size_t i;

	if (ev->len == 0)
		return true;	/* the directory itself */
	for (i = 0; i < ARRAY_SIZE(names); i++) {
		if (strcmp(ev->name, names[i]) == 0)
			return true;
	}
	return false;
}

static void mark_wd(struct notify *n, const struct inotify_event *ev)
{
	size_t i;
	int j;

	for (i = 0; i < n->count; i++)
		for (j = 0; j < 3; j++)
			if (n->w[i].wd[j] == ev->wd &&
			    (j != 0 || folder_dir_event_counts(ev)))
				n->w[i].changed = true;
}

static void drain_inotify(struct notify *n)
{
	char evbuf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));

	for (;;) {
		ssize_t len = read(n->ifd, evbuf, sizeof(evbuf));
		char *p;

		if (len <= 0)
			break;
		for (p = evbuf; p < evbuf + len;) {
			const struct inotify_event *ev = (const void *)p;

			/* On queue overflow every folder may have changed. */
			if (ev->mask & IN_Q_OVERFLOW) {
				size_t i;
				for (i = 0; i < n->count; i++)
					n->w[i].changed = true;
			} else {
				mark_wd(n, ev);
			}
			p += sizeof(*ev) + ev->len;
		}
	}
}

static bool ts_differ(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec != b->tv_sec || a->tv_nsec != b->tv_nsec;
}

static void poll_due(struct notify *n)
{
	struct poll_state now_state;
	struct timespec now;
	size_t i;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec < n->next_poll.tv_sec ||
	    (now.tv_sec == n->next_poll.tv_sec &&
	     now.tv_nsec < n->next_poll.tv_nsec))
		return;
	for (i = 0; i < n->count; i++) {
		struct watch *w = &n->w[i];

		if (!w->polled)
			continue;
		poll_read(w->dir, &now_state);
		if (ts_differ(&now_state.new_mtime, &w->last.new_mtime) ||
		    ts_differ(&now_state.cur_mtime, &w->last.cur_mtime) ||
		    ts_differ(&now_state.dir_mtime, &w->last.dir_mtime) ||
		    now_state.uidlist_ino != w->last.uidlist_ino ||
		    now_state.uidlist_size != w->last.uidlist_size)
			w->changed = true;
		w->last = now_state;
	}
	n->next_poll = now;
	n->next_poll.tv_sec += n->poll_ms / 1000;
	n->next_poll.tv_nsec += (long)(n->poll_ms % 1000) * 1000000;
	if (n->next_poll.tv_nsec >= 1000000000) {
		n->next_poll.tv_sec++;
		n->next_poll.tv_nsec -= 1000000000;
	}
}

int notify_read(struct notify *n, notify_cb *cb, void *ctx)
{
	size_t i;
	int reported = 0;

	if (n->ifd >= 0)
		drain_inotify(n);
	if (any_polled(n))
		poll_due(n);
	/* The callback may add or remove watches; walk a stable copy of the
	 * names of what changed. */
	for (i = 0; i < n->count; i++) {
		if (!n->w[i].changed)
			continue;
		n->w[i].changed = false;
		char *dir = xstrdup(n->w[i].dir);
		void *fctx = n->w[i].ctx;
		cb(ctx, dir, fctx);
		free(dir);
		reported++;
	}
	return reported;
}
