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
 * A folder no session has selected any more stays loaded for a while
 * (the most recently used ones, up to IMAP_FOLDERS_CACHED messages in
 * all), so a client that logs in, selects and logs out again, as many
 * do every few minutes, costs no index load.
 *
 * Changes made by anyone (other sessions, LMTP, mailtree deliver, the
 * FUSE view, Dovecot) are noticed by fs/notify.h, which watches every
 * shared folder with inotify or polls it where inotify cannot see
 * changes (network and FUSE file systems).  A change syncs the folder
 * once and wakes each idling session on it.
 *
 * Each worker thread of mailtreed has its own registry (the folders of
 * the sessions on its loop), as a separate process would: sessions on
 * different workers see each other's changes through the store.  Only
 * the \Recent claims are the whole process's, in a table under a lock.
 */

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <uv.h>
#include <xxhash.h>

#include "conn.h"
#include "folder.h"
#include "imap-bscache.h"
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
	/* inotify watches it, and reported no change since the last sync:
	 * nothing to look at (the next command need not stat anything). */
	bool watched, dirty;
	struct recent_claim *recent;	/* see imap_folders_recent_take() */
	size_t cached_count;	/* messages, counted when refs fell to 0 */
	struct imap_session *idlers;
	struct imap_shared_folder *prev, *next;
};

/* Messages kept in folders that no session uses. */
#define IMAP_FOLDERS_CACHED 200000

/* One registry per worker thread (per event loop). */
static _Thread_local struct {
	uv_loop_t *loop;
	struct notify *notify;
	uv_poll_t poll;
	uv_timer_t timer;
	bool started, polling;
	struct imap_shared_folder *list;	/* most recently used first */
	size_t unused_msgs;			/* in folders with refs 0 */
} reg;

static void watch_arm(void);

/*
 * \Recent (RFC 3501 2.3.2) is given to one session of the process: UIDs
 * below a folder's claim have been shown as recent to some session, on
 * whichever worker.  One entry per folder directory that some registry
 * holds, referenced by each of their shared folders.
 */
struct recent_claim {
	char *dir;
	uint32_t uid;
	unsigned int refs;
	struct recent_claim *next;
};

#define RECENT_BUCKETS 1024

static pthread_mutex_t recent_lock = PTHREAD_MUTEX_INITIALIZER;
static struct recent_claim *recent_table[RECENT_BUCKETS];

static struct recent_claim **recent_bucket(const char *dir)
{
	return &recent_table[XXH3_64bits(dir, strlen(dir)) % RECENT_BUCKETS];
}

static struct recent_claim *recent_ref(const char *dir)
{
	struct recent_claim **b = recent_bucket(dir), *rc;

	pthread_mutex_lock(&recent_lock);
	for (rc = *b; rc != NULL && strcmp(rc->dir, dir) != 0; rc = rc->next)
		;
	if (rc == NULL) {
		rc = xcalloc(1, sizeof(*rc));
		rc->dir = xstrdup(dir);
		rc->next = *b;
		*b = rc;
	}
	rc->refs++;
	pthread_mutex_unlock(&recent_lock);
	return rc;
}

static void recent_unref(struct recent_claim *rc)
{
	struct recent_claim **p;

	pthread_mutex_lock(&recent_lock);
	if (--rc->refs == 0) {
		for (p = recent_bucket(rc->dir); *p != rc; p = &(*p)->next)
			;
		*p = rc->next;
		free(rc->dir);
		free(rc);
	}
	pthread_mutex_unlock(&recent_lock);
}


static void list_push(struct imap_shared_folder *sf)
{
	sf->prev = NULL;
	sf->next = reg.list;
	if (reg.list != NULL)
		reg.list->prev = sf;
	reg.list = sf;
}

static void list_unlink(struct imap_shared_folder *sf)
{
	if (sf->prev != NULL)
		sf->prev->next = sf->next;
	else
		reg.list = sf->next;
	if (sf->next != NULL)
		sf->next->prev = sf->prev;
	sf->prev = sf->next = NULL;
}

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
	if (sf == NULL)
		return;
	sf->dirty = true;
	if (sf->idlers == NULL)
		return;
	ret = imap_folders_sync(sf, true);
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
	list_unlink(sf);
}

int imap_folders_get(const char *dir, bool force,
		     struct imap_shared_folder **sf_r)
{
	struct imap_shared_folder *sf;
	int ret;

	for (sf = reg.list; sf != NULL; sf = sf->next)
		if (strcmp(sf->dir, dir) == 0) {
			if (sf->refs == 0)
				reg.unused_msgs -= sf->cached_count;
			sf->refs++;
			ret = imap_folders_sync(sf, force);
			if (ret < 0) {
				imap_folders_put(&sf);
				if (ret == -ESTALE)
					break;	/* a new folder by the old name */
				return ret;
			}
			list_unlink(sf);
			list_push(sf);
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
	sf->recent = recent_ref(dir);
	sf->uidvalidity = folder_uidvalidity(sf->folder);
	sf->refs = 1;
	list_push(sf);
	if (reg.notify != NULL && notify_add(reg.notify, dir, sf) == 0) {
		sf->watched = !notify_is_polled(reg.notify, dir);
		watch_arm();
	}
	*sf_r = sf;
	return 0;
}

void imap_folders_touch(const char *dir)
{
	struct imap_shared_folder *sf;

	for (sf = reg.list; sf != NULL; sf = sf->next)
		if (strcmp(sf->dir, dir) == 0)
			sf->dirty = true;
}

static void folder_drop(struct imap_shared_folder *sf)
{
	registry_remove(sf);
	recent_unref(sf->recent);
	folder_free(&sf->folder);
	free(sf->dir);
	free(sf);
}

void imap_folders_put(struct imap_shared_folder **sfp)
{
	struct imap_shared_folder *sf = *sfp, *last, *prev;

	if (sf == NULL)
		return;
	*sfp = NULL;
	if (--sf->refs > 0)
		return;
	if (sf->gone) {
		folder_drop(sf);
		return;
	}
	sf->cached_count = sf->folder->count + 1;
	reg.unused_msgs += sf->cached_count;
	/* Its descriptors go to folders in use (folder_keep_files()). */
	folder_close_files(sf->folder);
	/* Over the budget: drop the least recently used unused folders. */
	for (last = reg.list; last != NULL && last->next != NULL;)
		last = last->next;
	for (; last != NULL && reg.unused_msgs > IMAP_FOLDERS_CACHED;
	     last = prev) {
		prev = last->prev;
		if (last->refs > 0)
			continue;
		reg.unused_msgs -= last->cached_count;
		folder_drop(last);
	}
}

void imap_folders_cleanup(void)
{
	imap_bscache_cleanup();
	while (reg.list != NULL)
		folder_drop(reg.list);
	reg.unused_msgs = 0;
	if (!reg.started)
		return;
	uv_close((uv_handle_t *)&reg.timer, NULL);
	if (reg.polling)
		uv_close((uv_handle_t *)&reg.poll, NULL);
	uv_run(reg.loop, UV_RUN_NOWAIT);
	notify_free(&reg.notify);
	memset(&reg, 0, sizeof(reg));
}

uint32_t imap_folders_recent_take(struct imap_shared_folder *sf,
				  uint32_t upto)
{
	uint32_t old;

	pthread_mutex_lock(&recent_lock);
	old = sf->recent->uid;
	if (upto > old)
		sf->recent->uid = upto;
	pthread_mutex_unlock(&recent_lock);
	return old;
}

struct folder *imap_folders_folder(const struct imap_shared_folder *sf)
{
	return sf->folder;
}

int imap_folders_sync(struct imap_shared_folder *sf, bool force)
{
	struct stat st;
	int ret;

	if (sf->gone)
		return -ESTALE;
	if (!force && sf->watched && !sf->dirty)
		return 0;
	/* Cleared first: a change during the sync reports again. */
	sf->dirty = false;
	ret = folder_sync(sf->folder);
	if (ret < 0)
		sf->dirty = true;
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

	registry_start(&s->c->w->loop);
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
	registry_start(&c->w->loop);
}
