/* Change notification: inotify and polling both report a folder changed
 * by a save, by a plain rename from "another program", and stay quiet
 * when nothing changed. */

#include <dirent.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "folder.h"
#include "notify.h"
#include "save.h"
#include "util.h"
#include "../tap.h"

struct seen {
	int calls;
	char dir[4096];
	void *ctx;
};

static void on_change(void *ctx, const char *dir, void *folder_ctx)
{
	struct seen *s = ctx;

	s->calls++;
	snprintf(s->dir, sizeof(s->dir), "%s", dir);
	s->ctx = folder_ctx;
}

/* Waits up to `ms` for the notifier to report something. */
static int wait_report(struct notify *n, struct seen *s, int ms)
{
	struct pollfd pfd;
	int waited = 0;

	memset(s, 0, sizeof(*s));
	while (waited <= ms) {
		int t = notify_timeout_ms(n);
		if (t < 0 || t > 50)
			t = 50;
		pfd.fd = notify_fd(n);
		pfd.events = POLLIN;
		if (pfd.fd >= 0)
			poll(&pfd, 1, t);
		else
			usleep((useconds_t)t * 1000);
		waited += t ? t : 1;
		if (notify_read(n, on_change, s) > 0)
			return s->calls;
	}
	return 0;
}

static void save_one(const char *dir)
{
	struct folder *f;
	struct save *s;

	folder_open_lazy(dir, &f);
	save_begin(f, &s);
	save_write(s, "Subject: x\n\nx\n", 14);
	save_finish(&s, 0, 0, 0, NULL);
	folder_free(&f);
}

static void run(const char *base, bool force_poll)
{
	const char *mode = force_poll ? "polling" : "inotify";
	struct buf dir = BUF_INIT, other = BUF_INIT, a = BUF_INIT, b = BUF_INIT;
	struct notify *n;
	struct seen s;
	int marker = 42;

	buf_printf(&dir, "%s/%s", base, mode);
	buf_printf(&other, "%s/%s-other", base, mode);
	folder_create_dirs(dir.data, false);
	folder_create_dirs(other.data, false);
	ok(notify_new(100, force_poll, &n) == 0, "%s: create", mode);
	ok(notify_add(n, dir.data, &marker) == 0, "%s: watch a folder", mode);
	notify_add(n, other.data, NULL);
	is_int(notify_is_polled(n, dir.data), force_poll, "%s: mode as asked", mode);
	is_int(wait_report(n, &s, 300), 0, "%s: quiet while nothing changes", mode);

	save_one(dir.data);
	is_int(wait_report(n, &s, 3000), 1, "%s: a save is reported once", mode);
	is_str(s.dir, dir.data, "%s: for the right folder", mode);
	ok(s.ctx == &marker, "%s: with its context", mode);

	/* Another program moving a message from new/ to cur/ with flags. */
	char *name = NULL;
	buf_reset(&a);
	buf_printf(&a, "%s/new", dir.data);
	DIR *d = opendir(a.data);
	struct dirent *de;
	while (d != NULL && (de = readdir(d)) != NULL)
		if (de->d_name[0] != '.' && name == NULL)
			name = xstrdup(de->d_name);
	if (d != NULL)
		closedir(d);
	if (name != NULL) {
		buf_reset(&a);
		buf_printf(&a, "%s/new/%s", dir.data, name);
		buf_printf(&b, "%s/cur/%s:2,S", dir.data, name);
		/* Different mtime tick for the polling comparison. */
		usleep(20000);
		rename(a.data, b.data);
	}
	is_int(wait_report(n, &s, 3000), 1, "%s: a rename by another program is seen", mode);
	free(name);
	ok(notify_remove(n, dir.data) == 0, "%s: stop watching", mode);
	save_one(dir.data);
	is_int(wait_report(n, &s, 300), 0, "%s: nothing after removal", mode);
	notify_free(&n);
	buf_release(&dir);
	buf_release(&other);
	buf_release(&a);
	buf_release(&b);
}

int main(void)
{
	char *base = tap_tmpdir("test-notify");

	run(base, false);
	run(base, true);
	remove_tree(base);
	free(base);
	return done_testing();
}
