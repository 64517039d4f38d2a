/* Group commit of saves from several threads; see save-group.h. */

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "folder.h"
#include "save-group.h"
#include "save.h"
#include "util.h"

/* Folders kept for their uidlist while no thread is saving into them. */
#define GROUP_IDLE_MAX 32

/* One thread's save, waiting to be committed. */
struct entry {
	struct save *save;
	int ret;
	uint32_t uid, uidvalidity;
	bool done;
	struct entry *next;
};

/* The saves into one folder directory. */
struct group {
	char *dir;
	struct folder *folder;	/* for committing; opened at first use */
	struct entry *queue, **queue_tail;
	unsigned int users;	/* threads in save_group_finish() */
	bool committing;	/* a thread is in save_commit_begin() */
	pthread_cond_t cond;	/* a commit ended */
	struct group *prev, *next;	/* most recently used first */
};

static pthread_mutex_t groups_lock = PTHREAD_MUTEX_INITIALIZER;
static struct group *groups;

static void group_unlink(struct group *g)
{
	if (g->prev != NULL)
		g->prev->next = g->next;
	else
		groups = g->next;
	if (g->next != NULL)
		g->next->prev = g->prev;
	g->prev = g->next = NULL;
}

static void group_push_front(struct group *g)
{
	g->prev = NULL;
	g->next = groups;
	if (groups != NULL)
		groups->prev = g;
	groups = g;
}

static void group_free(struct group *g)
{
	folder_free(&g->folder);
	pthread_cond_destroy(&g->cond);
	free(g->dir);
	free(g);
}

/* The group of dir, made the most recently used; groups_lock held. */
static struct group *group_get(const char *dir)
{
	struct group *g;

	for (g = groups; g != NULL; g = g->next)
		if (strcmp(g->dir, dir) == 0)
			break;
	if (g == NULL) {
		g = xcalloc(1, sizeof(*g));
		g->dir = xstrdup(dir);
		g->queue_tail = &g->queue;
		pthread_cond_init(&g->cond, NULL);
	} else {
		group_unlink(g);
	}
	group_push_front(g);
	g->users++;
	return g;
}

/* Drops one user of g and frees the idle groups past the limit, least
 * recently used first; groups_lock held. */
static void group_put(struct group *g)
{
	struct group *last, *prev;
	unsigned int idle = 0;

	g->users--;
	for (last = groups; last != NULL && last->next != NULL; last = last->next)
		;
	for (g = groups; g != NULL; g = g->next)
		if (g->users == 0)
			idle++;
	for (g = last; g != NULL && idle > GROUP_IDLE_MAX; g = prev) {
		prev = g->prev;
		if (g->users > 0)
			continue;
		group_unlink(g);
		group_free(g);
		idle--;
	}
}

/*
 * Commits everything queued on g, with groups_lock released meanwhile.
 * The next batch may start committing as soon as this one's renames and
 * UID lines are done: the fsyncs of this batch (its directory and the
 * uidlist) run after that, alongside the next batch's, and only then are
 * its saves done.
 */
static void group_commit(struct group *g)
{
	struct entry *batch = g->queue, *e;
	struct save_later later = { .dir = NULL, .uidlist_fd = -1 };
	struct save **saves;
	uint32_t *uids, uidvalidity = 0;
	int *rets;
	size_t n = 0, i;
	int ret = 0;

	g->queue = NULL;
	g->queue_tail = &g->queue;
	g->committing = true;
	for (e = batch; e != NULL; e = e->next)
		n++;
	pthread_mutex_unlock(&groups_lock);

	saves = xcalloc(n, sizeof(*saves));
	rets = xcalloc(n, sizeof(*rets));
	uids = xcalloc(n, sizeof(*uids));
	for (e = batch, i = 0; e != NULL; e = e->next, i++)
		saves[i] = e->save;
	if (g->folder == NULL)
		ret = folder_open_lazy(g->dir, &g->folder);
	if (ret == 0) {
		save_commit_begin(g->folder, saves, n, rets, uids, &later);
		uidvalidity = folder_uidvalidity(g->folder);
	}

	pthread_mutex_lock(&groups_lock);
	g->committing = false;
	pthread_cond_broadcast(&g->cond);
	pthread_mutex_unlock(&groups_lock);

	if (ret == 0) {
		save_commit_end(saves, n, rets, uids, &later);
	} else {
		for (i = 0; i < n; i++) {
			save_abort(&saves[i]);
			rets[i] = ret;
		}
	}

	pthread_mutex_lock(&groups_lock);
	for (e = batch, i = 0; e != NULL; e = e->next, i++) {
		e->save = NULL;
		e->ret = rets[i];
		e->uid = uids[i];
		e->uidvalidity = uidvalidity;
		e->done = true;
	}
	pthread_cond_broadcast(&g->cond);
	free(saves);
	free(rets);
	free(uids);
}

int save_group_finish(struct save **sp, uint32_t flags, uint32_t keywords,
		      time_t internal_date, uint32_t *uid_r,
		      uint32_t *uidvalidity_r)
{
	struct entry e = { .save = *sp };
	struct group *g;
	int ret;

	*sp = NULL;
	/* The slow part, each file's own fsync, runs in parallel. */
	ret = save_prepare(e.save, flags, keywords, internal_date);
	if (ret < 0) {
		save_abort(&e.save);
		return ret;
	}

	pthread_mutex_lock(&groups_lock);
	g = group_get(save_folder_dir(e.save));
	*g->queue_tail = &e;
	g->queue_tail = &e.next;
	/* Whoever finds no commit running commits the whole queue, its
	 * own save included; the others wait and, if their save was queued
	 * too late for that commit, one of them runs the next (perhaps
	 * while the fsyncs of its own batch are still running). */
	while (!e.done) {
		if (!g->committing && g->queue != NULL)
			group_commit(g);
		else
			pthread_cond_wait(&g->cond, &groups_lock);
	}
	group_put(g);
	pthread_mutex_unlock(&groups_lock);
	if (uid_r != NULL)
		*uid_r = e.ret == 0 ? e.uid : 0;
	if (uidvalidity_r != NULL)
		*uidvalidity_r = e.ret == 0 ? e.uidvalidity : 0;
	return e.ret;
}

void save_group_cleanup(void)
{
	struct group *g;

	pthread_mutex_lock(&groups_lock);
	while ((g = groups) != NULL) {
		group_unlink(g);
		group_free(g);
	}
	pthread_mutex_unlock(&groups_lock);
}
