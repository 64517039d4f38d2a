/*
 * Folders shared by the IMAP sessions that have them selected, and the
 * watch that tells idling sessions about changes.
 *
 * Every session that selects a folder shares one struct folder (its
 * messages, flags and cached headers), so a thousand sessions on one
 * INBOX hold it once; each session keeps only its own sequence numbers
 * (struct imap_view).  A shared folder is only ever touched on the event
 * loop thread, never from the thread pool, so it needs no lock: work
 * sent to the pool gets file descriptors and copies, not the folder.
 *
 * Changes made by anyone (other sessions, LMTP, mailtree deliver, the
 * FUSE view, Dovecot) are noticed by fs/notify.h, which watches every
 * shared folder with inotify or polls it where inotify cannot see
 * changes (network and FUSE file systems).  A change syncs the folder
 * once and wakes each idling session on it.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <uv.h>

#include "conn.h"
#include "folder.h"
#include "imap-int.h"
#include "notify.h"
#include "server.h"
#include "util.h"

struct imap_shared_folder {
	char *dir;
	struct folder *folder;
	uint32_t uidvalidity;		/* when opened */
	bool gone;			/* deleted, renamed or UIDVALIDITY
					 * changed: off the list */
	unsigned int refs;
	struct imap_session *idlers;
	struct imap_shared_folder *prev, *next;
};

/* There is one event loop per process, so one registry. */
static struct {
	uv_loop_t *loop;
	struct notify *notify;
	uv_poll_t poll;
	uv_timer_t timer;
	bool started, polling;
	struct imap_shared_folder *list;
} reg;

static void watch_arm(void);

static void on_folder_changed(void *ctx, const char *dir, void *folder_ctx)
{
	struct imap_shared_folder *sf = folder_ctx;
	struct imap_session *s, *next;
	int ret;

	(void)ctx;
	(void)dir;
	/* A change made through this shared folder by another session
	 * (STORE, EXPUNGE, MOVE) is already in memory, so the sync finds
	 * nothing new; its idlers have still not been told.  Each view
	 * works out what it has not been told (or that the folder is
	 * gone). */
	if (sf == NULL || sf->idlers == NULL)
		return;
	ret = imap_folders_sync(sf);
	if (ret < 0 && ret != -ESTALE)
		return;
	for (s = sf->idlers; s != NULL; s = next) {
		next = s->idle_next;
		imap_idle_changed(s);
	}
}

static void watch_read(void)
{
	if (reg.notify != NULL)
		notify_read(reg.notify, on_folder_changed, NULL);
	watch_arm();
}

static void on_poll(uv_poll_t *h, int status, int events)
{
	(void)h;
	(void)status;
	(void)events;
	watch_read();
}

static void on_timer(uv_timer_t *h)
{
	(void)h;
	watch_read();
}

/* Waits for inotify, and for the next poll when a folder is polled. */
static void watch_arm(void)
{
	int fd, ms;

	if (reg.notify == NULL)
		return;
	fd = notify_fd(reg.notify);
	if (fd >= 0 && !reg.polling) {
		uv_poll_init(reg.loop, &reg.poll, fd);
		uv_unref((uv_handle_t *)&reg.poll);
		uv_poll_start(&reg.poll, UV_READABLE, on_poll);
		reg.polling = true;
	}
	ms = notify_timeout_ms(reg.notify);
	if (ms >= 0)
		uv_timer_start(&reg.timer, on_timer, (uint64_t)ms, 0);
	else
		uv_timer_stop(&reg.timer);
}

/* Sets up the watch the first time a folder is shared.  Without it
 * (no inotify, no memory) sessions still see changes at their next
 * command; IDLE then waits for the client. */
static void registry_start(uv_loop_t *loop)
{
	if (reg.started)
		return;
	reg.started = true;
	reg.loop = loop;
	uv_timer_init(loop, &reg.timer);
	uv_unref((uv_handle_t *)&reg.timer);
	if (notify_new(0, false, &reg.notify) < 0) {
		log_warn("imap: no change notification, IDLE waits for "
			 "commands");
		reg.notify = NULL;
	}
}

/* Takes sf off the list and the watch (once). */
static void registry_remove(struct imap_shared_folder *sf)
{
	if (sf->gone)
		return;
	if (reg.notify != NULL)
		notify_remove(reg.notify, sf->dir);
	if (sf->prev != NULL)
		sf->prev->next = sf->next;
	else
		reg.list = sf->next;
	if (sf->next != NULL)
		sf->next->prev = sf->prev;
	sf->prev = sf->next = NULL;
}

int imap_folders_get(const char *dir, struct imap_shared_folder **sf_r)
{
	struct imap_shared_folder *sf;
	int ret;

	for (sf = reg.list; sf != NULL; sf = sf->next)
		if (strcmp(sf->dir, dir) == 0) {
			ret = imap_folders_sync(sf);
			if (ret == -ESTALE)
				break;	/* a new folder by the old name */
			if (ret < 0)
				return ret;
			sf->refs++;
			*sf_r = sf;
			return 0;
		}
	sf = xcalloc(1, sizeof(*sf));
	ret = folder_open(dir, &sf->folder);
	if (ret < 0) {
		free(sf);
		return ret;
	}
	sf->dir = xstrdup(dir);
	sf->uidvalidity = folder_uidvalidity(sf->folder);
	sf->refs = 1;
	sf->next = reg.list;
	if (reg.list != NULL)
		reg.list->prev = sf;
	reg.list = sf;
	if (reg.notify != NULL && notify_add(reg.notify, dir, sf) == 0)
		watch_arm();
	*sf_r = sf;
	return 0;
}

void imap_folders_put(struct imap_shared_folder **sfp)
{
	struct imap_shared_folder *sf = *sfp;

	if (sf == NULL)
		return;
	*sfp = NULL;
	if (--sf->refs > 0)
		return;
	registry_remove(sf);
	folder_free(&sf->folder);
	free(sf->dir);
	free(sf);
}

struct folder *imap_folders_folder(const struct imap_shared_folder *sf)
{
	return sf->folder;
}

int imap_folders_sync(struct imap_shared_folder *sf)
{
	struct stat st;
	int ret;

	if (sf->gone)
		return -ESTALE;
	ret = folder_sync(sf->folder);
	/* A folder deleted or renamed by anyone, or made again under the
	 * same name, is not the one the sessions selected: its UIDs are
	 * not theirs.  They hear BYE, as from Dovecot; a later SELECT of
	 * the name opens the new folder. */
	if ((ret < 0 && stat(sf->dir, &st) < 0 && errno == ENOENT) ||
	    (ret >= 0 && folder_uidvalidity(sf->folder) != sf->uidvalidity)) {
		log_info("imap: folder %s was deleted, renamed or given a new "
			 "UIDVALIDITY under its sessions", sf->dir);
		registry_remove(sf);
		sf->gone = true;
		return -ESTALE;
	}
	return ret;
}

void imap_folders_idle_start(struct imap_session *s)
{
	struct imap_shared_folder *sf = s->view.shared;

	registry_start(s->c->srv->loop);
	if (sf == NULL)
		return;
	s->idle_prev = NULL;
	s->idle_next = sf->idlers;
	if (sf->idlers != NULL)
		sf->idlers->idle_prev = s;
	sf->idlers = s;
}

void imap_folders_idle_stop(struct imap_session *s)
{
	struct imap_shared_folder *sf = s->view.shared;

	if (sf == NULL)
		return;
	if (s->idle_prev != NULL)
		s->idle_prev->idle_next = s->idle_next;
	else if (sf->idlers == s)
		sf->idlers = s->idle_next;
	if (s->idle_next != NULL)
		s->idle_next->idle_prev = s->idle_prev;
	s->idle_next = s->idle_prev = NULL;
}

void imap_folders_start(struct conn *c)
{
	registry_start(c->srv->loop);
}
