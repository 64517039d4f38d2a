/* The shared, re-read-on-change passwd database; see passwd-cache.h. */

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "passwd-cache.h"
#include "passwd.h"
#include "util.h"

/* One parse of one file.  Only the newest of a path is current; older
 * ones live until their last user releases them. */
struct slot {
	char *path;
	struct passwd_db *db;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
	unsigned int refs;
	bool current;
	struct slot *next;
};

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct slot *slots;

static bool slot_matches(const struct slot *s, const char *path,
			 const struct stat *st)
{
	return s->current && strcmp(s->path, path) == 0 &&
	       s->dev == st->st_dev && s->ino == st->st_ino &&
	       s->size == st->st_size &&
	       s->mtime.tv_sec == st->st_mtim.tv_sec &&
	       s->mtime.tv_nsec == st->st_mtim.tv_nsec &&
	       s->ctime.tv_sec == st->st_ctim.tv_sec &&
	       s->ctime.tv_nsec == st->st_ctim.tv_nsec;
}

/* Unlinks and frees s; cache_lock held. */
static void slot_drop(struct slot *s)
{
	struct slot **pp;

	for (pp = &slots; *pp != s; pp = &(*pp)->next)
		;
	*pp = s->next;
	passwd_free(&s->db);
	free(s->path);
	free(s);
}

int passwd_cache_open(const char *path, struct passwd_db **db_r)
{
	struct slot *s, *next;
	struct stat st;
	struct passwd_db *db;
	int fd, ret;

	*db_r = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	pthread_mutex_lock(&cache_lock);
	for (s = slots; s != NULL; s = s->next)
		if (slot_matches(s, path, &st))
			break;
	if (s != NULL) {
		s->refs++;
		*db_r = s->db;
		pthread_mutex_unlock(&cache_lock);
		close(fd);
		return 0;
	}
	pthread_mutex_unlock(&cache_lock);

	/* Parsed outside the lock; what was fstat()ed is what is read, so
	 * a change after the fstat() only makes the next call parse again. */
	ret = passwd_read_fd(fd, &db);
	close(fd);
	if (ret < 0)
		return ret;
	s = xcalloc(1, sizeof(*s));
	s->path = xstrdup(path);
	s->db = db;
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	s->size = st.st_size;
	s->mtime = st.st_mtim;
	s->ctime = st.st_ctim;
	s->refs = 1;
	s->current = true;
	pthread_mutex_lock(&cache_lock);
	for (struct slot *o = slots; o != NULL; o = next) {
		next = o->next;
		if (!o->current || strcmp(o->path, path) != 0)
			continue;
		o->current = false;
		if (o->refs == 0)
			slot_drop(o);
	}
	s->next = slots;
	slots = s;
	pthread_mutex_unlock(&cache_lock);
	*db_r = db;
	return 0;
}

void passwd_cache_release(struct passwd_db **db)
{
	struct slot *s;

	if (*db == NULL)
		return;
	pthread_mutex_lock(&cache_lock);
	for (s = slots; s != NULL; s = s->next)
		if (s->db == *db)
			break;
	if (s == NULL)
		fatal("passwd_cache_release: not from the cache");
	if (--s->refs == 0 && !s->current)
		slot_drop(s);
	pthread_mutex_unlock(&cache_lock);
	*db = NULL;
}

void passwd_cache_cleanup(void)
{
	pthread_mutex_lock(&cache_lock);
	while (slots != NULL)
		slot_drop(slots);
	pthread_mutex_unlock(&cache_lock);
}
