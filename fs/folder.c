/* A folder of a Maildir++ mailbox: sync and message operations; see folder.h. */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "folder.h"
#include "index.h"
#include "maildir-name.h"
#include "strmap.h"
#include "util.h"

/* A directory changed less than this long ago may change again within the
 * same timestamp tick, so its mtime is not trusted for skipping a scan. */
#define DIR_MTIME_SETTLE_NSEC 1000000000LL

struct scan_ent {
	char *name;
	uint32_t base_len;
	bool in_new;
	bool used;
};

struct scan {
	struct scan_ent *ents;
	size_t count, cap;
	struct strmap by_base;
};

int folder_create_dirs(const char *dir, bool maildirfolder)
{
	static const char *const subdirs[] = { "cur", "new", "tmp" };
	struct buf p = BUF_INIT;
	size_t i;
	int ret;

	ret = mkdir_p(dir, 0700);
	for (i = 0; ret == 0 && i < ARRAY_SIZE(subdirs); i++) {
		buf_reset(&p);
		buf_printf(&p, "%s/%s", dir, subdirs[i]);
		if (mkdir(p.data, 0700) < 0 && errno != EEXIST)
			ret = -errno;
	}
	if (ret == 0 && maildirfolder) {
		buf_reset(&p);
		buf_printf(&p, "%s/maildirfolder", dir);
		int fd = open(p.data, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
		if (fd < 0)
			ret = -errno;
		else
			close(fd);
	}
	if (ret == 0)
		ret = fsync_dir(dir);
	buf_release(&p);
	return ret;
}

static void message_release(struct message *m)
{
	free(m->name);
	free(m->headers);
	memset(m, 0, sizeof(*m));
}

static void free_messages(struct message *msgs, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++)
		message_release(&msgs[i]);
	free(msgs);
}

int folder_open_lazy(const char *dir, struct folder **folder_r)
{
	struct folder *f;
	struct buf p = BUF_INIT;
	struct stat st;
	int ret;

	buf_printf(&p, "%s/tmp", dir);
	ret = stat(p.data, &st) < 0 ? -errno : 0;
	buf_release(&p);
	if (ret < 0)
		return ret;
	f = xcalloc(1, sizeof(*f));
	f->dir = xstrdup(dir);
	uidlist_init(&f->uidlist, dir);
	keywords_init(&f->keywords, dir);
	*folder_r = f;
	return 0;
}

int folder_open(const char *dir, struct folder **folder_r)
{
	struct buf p = BUF_INIT;
	struct stat st;
	int ret;

	/* A directory without cur/ is not a folder; say so before locking. */
	buf_printf(&p, "%s/cur", dir);
	ret = stat(p.data, &st) < 0 ? -errno : 0;
	buf_release(&p);
	if (ret == 0)
		ret = folder_open_lazy(dir, folder_r);
	if (ret < 0)
		return ret;
	ret = folder_sync(*folder_r);
	if (ret < 0) {
		folder_free(folder_r);
		return ret;
	}
	return 0;
}

void folder_free(struct folder **fp)
{
	struct folder *f = *fp;

	if (f == NULL)
		return;
	while (f->lock_depth > 0)
		folder_unlock(f);
	free_messages(f->msgs, f->count);
	uidlist_release(&f->uidlist);
	keywords_release(&f->keywords);
	free(f->dir);
	free(f);
	*fp = NULL;
}

int folder_lock(struct folder *f)
{
	struct buf path = BUF_INIT;
	int ret;

	if (f->lock_depth > 0) {
		f->lock_depth++;
		return 0;
	}
	buf_printf(&path, "%s/" UIDLIST_NAME, f->dir);
	ret = dotlock_create(path.data, &dotlock_uidlist_settings, &f->lock);
	buf_release(&path);
	if (ret < 0)
		return ret;
	f->lock_depth = 1;
	return 0;
}

void folder_unlock(struct folder *f)
{
	if (f->lock_depth == 0 || --f->lock_depth > 0)
		return;
	if (f->index_dirty) {
		int ret = index_save(f);
		if (ret < 0)
			log_warn("%s: cannot write %s: %s", f->dir, INDEX_NAME,
				 strerror(-ret));
		f->index_dirty = false;
	}
	dotlock_delete(&f->lock);
}

uint32_t folder_uidvalidity(const struct folder *f)
{
	return f->uidlist.uidvalidity;
}

uint32_t folder_uidnext(const struct folder *f)
{
	return f->uidlist.next_uid;
}

size_t folder_seq_from_uid(const struct folder *f, uint32_t uid)
{
	size_t lo = 0, hi = f->count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (f->msgs[mid].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct message *folder_find_uid(const struct folder *f, uint32_t uid)
{
	size_t i = folder_seq_from_uid(f, uid);

	return i < f->count && f->msgs[i].uid == uid ? &f->msgs[i] : NULL;
}

void folder_msg_path(const struct folder *f, const struct message *m,
		     struct buf *path)
{
	buf_reset(path);
	buf_printf(path, "%s/%s/%s", f->dir, m->in_new ? "new" : "cur",
		   m->name);
}

/* Lists new/ and cur/. */
static int scan_dirs(struct folder *f, struct scan *sc)
{
	static const char *const dirs[] = { "new", "cur" };
	struct buf path = BUF_INIT;
	struct dirent *de;
	size_t i;
	DIR *d;
	int ret = 0;

	for (i = 0; i < ARRAY_SIZE(dirs) && ret == 0; i++) {
		buf_reset(&path);
		buf_printf(&path, "%s/%s", f->dir, dirs[i]);
		d = opendir(path.data);
		if (d == NULL) {
			ret = -errno;
			break;
		}
		while ((de = readdir(d)) != NULL) {
			struct maildir_name mn;
			struct scan_ent *e;
			size_t dup;

			if (maildir_name_parse(de->d_name, &mn) < 0)
				continue;
			if (strchr(de->d_name, '\n') || strchr(de->d_name, '\r'))
				continue;
			if (strmap_get(&sc->by_base, de->d_name, mn.base_len,
				       &dup)) {
				/* The same message in new/ and cur/: a
				 * rename raced with our listing.  Keep cur/. */
				if (i == 1) {
					free(sc->ents[dup].name);
					sc->ents[dup].name = xstrdup(de->d_name);
					sc->ents[dup].in_new = false;
					strmap_put(&sc->by_base, sc->ents[dup].name,
						   mn.base_len, dup);
				}
				continue;
			}
			sc->ents = xgrow(sc->ents, &sc->cap, sc->count + 1,
					 sizeof(*sc->ents));
			e = &sc->ents[sc->count];
			e->name = xstrdup(de->d_name);
			e->base_len = (uint32_t)mn.base_len;
			e->in_new = i == 0;
			e->used = false;
			strmap_put(&sc->by_base, e->name, mn.base_len, sc->count);
			sc->count++;
		}
		closedir(d);
	}
	buf_release(&path);
	return ret;
}

static void scan_release(struct scan *sc)
{
	size_t i;

	for (i = 0; i < sc->count; i++)
		free(sc->ents[i].name);
	free(sc->ents);
	strmap_release(&sc->by_base);
}

static int cmp_new_ent(const void *a, const void *b)
{
	const struct scan_ent *const *x = a, *const *y = b;

	return strcmp((*x)->name, (*y)->name);
}

static bool mtime_settled(const struct timespec *t)
{
	struct timespec now;
	long long diff;

	clock_gettime(CLOCK_REALTIME, &now);
	diff = (long long)(now.tv_sec - t->tv_sec) * 1000000000LL +
	       (now.tv_nsec - t->tv_nsec);
	return diff >= DIR_MTIME_SETTLE_NSEC;
}

static int dir_mtime(const struct folder *f, const char *sub,
		     struct timespec *t_r)
{
	struct buf p = BUF_INIT;
	struct stat st;
	int ret = 0;

	buf_printf(&p, "%s/%s", f->dir, sub);
	if (stat(p.data, &st) < 0)
		ret = -errno;
	else
		*t_r = st.st_mtim;
	buf_release(&p);
	return ret;
}

static bool ts_equal(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

static bool keep_if_present(uint32_t uid, void *ctx)
{
	struct folder *f = ctx;

	return folder_find_uid(f, uid) != NULL;
}

/* Gives UIDs to files the uidlist does not know.  Sorting by name gives
 * them in delivery order, since names start with the delivery time. */
static int assign_new_uids(struct folder *f, struct scan *sc)
{
	struct scan_ent **fresh = NULL;
	size_t i, n = 0, cap = 0;
	int ret = 0;

	for (i = 0; i < sc->count; i++) {
		if (uidlist_find_base(&f->uidlist, sc->ents[i].name,
				      sc->ents[i].base_len) != NULL)
			continue;
		fresh = xgrow(fresh, &cap, n + 1, sizeof(*fresh));
		fresh[n++] = &sc->ents[i];
	}
	if (n > 0) {
		qsort(fresh, n, sizeof(*fresh), cmp_new_ent);
		for (i = 0; i < n; i++)
			uidlist_add(&f->uidlist, fresh[i]->name,
				    fresh[i]->base_len);
		ret = uidlist_write(&f->uidlist, false);
	}
	free(fresh);
	return ret;
}

/* Builds the new message array from the uidlist and the scan, carrying
 * over what is known of each message and giving MODSEQs to changes. */
static int merge_scan(struct folder *f, struct scan *sc, bool *changed_r)
{
	struct message *msgs = NULL, *old;
	size_t i, n = 0, cap = 0, missing = 0, j = 0;
	int ret;

	for (i = 0; i < f->uidlist.count; i++) {
		const struct uidlist_rec *r = &f->uidlist.recs[i];
		struct maildir_name mn;
		struct scan_ent *e;
		struct message *m;
		size_t idx;

		if (!strmap_get(&sc->by_base, r->base, strlen(r->base), &idx)) {
			missing++;
			continue;
		}
		e = &sc->ents[idx];
		e->used = true;
		maildir_name_parse(e->name, &mn);
		msgs = xgrow(msgs, &cap, n + 1, sizeof(*msgs));
		m = &msgs[n];
		/* Old messages are sorted by UID too: walk them along. */
		while (j < f->count && f->msgs[j].uid < r->uid)
			j++;
		old = j < f->count && f->msgs[j].uid == r->uid ? &f->msgs[j]
							      : NULL;
		if (old != NULL) {
			*m = *old;
			memset(old, 0, sizeof(*old));
			old->uid = r->uid;	/* still counts as present */
			if (strcmp(m->name, e->name) != 0) {
				free(m->name);
				m->name = xstrdup(e->name);
			}
			m->in_new = e->in_new;
			if (m->flags != mn.flags || m->keywords != mn.keywords) {
				m->flags = mn.flags;
				m->keywords = mn.keywords;
				m->modseq = ++f->highest_modseq;
				changes_append(f, m->modseq, m->uid, CHANGE_FLAGS);
				*changed_r = true;
			}
		} else {
			memset(m, 0, sizeof(*m));
			m->uid = r->uid;
			m->name = xstrdup(e->name);
			m->base_len = e->base_len;
			m->in_new = e->in_new;
			m->flags = mn.flags;
			m->keywords = mn.keywords;
			ret = index_read_message(f, m);
			if (ret == -ENOENT) {
				/* Expunged while we looked. */
				message_release(m);
				continue;
			}
			m->modseq = ++f->highest_modseq;
			changes_append(f, m->modseq, m->uid, CHANGE_APPEND);
			*changed_r = true;
		}
		n++;
	}
	/* Whatever is left in the old array was expunged. */
	for (i = 0; i < f->count; i++) {
		if (f->msgs[i].name == NULL)
			continue;
		changes_append(f, ++f->highest_modseq, f->msgs[i].uid,
			       CHANGE_EXPUNGE);
		*changed_r = true;
	}
	free_messages(f->msgs, f->count);
	f->msgs = msgs;
	f->count = n;
	f->cap = cap;
	/* Like Dovecot, keep lines of expunged messages until they are a
	 * quarter of the file, then rewrite it without them. */
	if (missing > 0 && missing * 4 >= f->uidlist.count) {
		uidlist_filter(&f->uidlist, keep_if_present, f);
		ret = uidlist_write(&f->uidlist, true);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int sync_locked(struct folder *f, bool force)
{
	struct timespec new_mt, cur_mt;
	struct scan sc;
	bool changed = false;
	int ret, ul_changed;

	ul_changed = uidlist_refresh(&f->uidlist);
	if (ul_changed < 0)
		return ul_changed == -EINVAL ? -EUCLEAN : ul_changed;
	ret = keywords_refresh(&f->keywords);
	if (ret < 0)
		return ret;
	if (!f->index_loaded) {
		f->index_loaded = true;
		ret = index_load(f);
		if (ret < 0)
			return ret;
		/* The index was made from this very uidlist: the uidlist
		 * holds nothing the index does not. */
		if (ret > 0 && f->index_ul_ino == (uint64_t)f->uidlist.ino &&
		    f->index_ul_size == (uint64_t)f->uidlist.size)
			ul_changed = 0;
	}
	if ((ret = dir_mtime(f, "new", &new_mt)) < 0 ||
	    (ret = dir_mtime(f, "cur", &cur_mt)) < 0)
		return ret;
	if (!force && ul_changed == 0 && ts_equal(&new_mt, &f->new_mtime) &&
	    ts_equal(&cur_mt, &f->cur_mtime))
		return 0;

	memset(&sc, 0, sizeof(sc));
	strmap_init(&sc.by_base);
	ret = scan_dirs(f, &sc);
	if (ret == 0 && !f->uidlist.exists && f->uidlist.uidvalidity == 0)
		uidlist_new_validity(&f->uidlist, (uint32_t)time(NULL));
	if (ret == 0)
		ret = assign_new_uids(f, &sc);
	if (ret == 0 && !f->uidlist.exists)
		ret = uidlist_write(&f->uidlist, true);
	if (ret == 0)
		ret = merge_scan(f, &sc, &changed);
	scan_release(&sc);
	if (ret < 0)
		return ret;
	/* Remember the mtimes only once they have settled (see above). */
	if (mtime_settled(&new_mt) && mtime_settled(&cur_mt)) {
		f->new_mtime = new_mt;
		f->cur_mtime = cur_mt;
	} else {
		memset(&f->new_mtime, 0, sizeof(f->new_mtime));
		memset(&f->cur_mtime, 0, sizeof(f->cur_mtime));
	}
	f->index_dirty = true;
	return changed ? 1 : 0;
}

int folder_sync(struct folder *f)
{
	int ret;

	ret = folder_lock(f);
	if (ret < 0)
		return ret;
	ret = sync_locked(f, false);
	folder_unlock(f);
	return ret;
}

int folder_msg_open(struct folder *f, uint32_t uid, int *fd_r)
{
	struct buf path = BUF_INIT;
	struct message *m;
	int attempt, fd = -1, ret = -ENOENT;

	for (attempt = 0; attempt < 2; attempt++) {
		if (attempt > 0 && (ret = folder_sync(f)) < 0)
			break;
		m = folder_find_uid(f, uid);
		if (m == NULL) {
			ret = -ENOENT;
			break;
		}
		folder_msg_path(f, m, &path);
		fd = open(path.data, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			ret = 0;
			break;
		}
		ret = -errno;
		if (ret != -ENOENT)
			break;
	}
	buf_release(&path);
	if (ret == 0)
		*fd_r = fd;
	return ret;
}

int folder_keyword_index(struct folder *f, const char *name, bool create)
{
	int ret;

	if (!create) {
		keywords_refresh(&f->keywords);
		ret = keywords_lookup(&f->keywords, name);
		return ret < 0 ? -ENOENT : ret;
	}
	ret = folder_lock(f);
	if (ret < 0)
		return ret;
	ret = keywords_assign(&f->keywords, name);
	folder_unlock(f);
	return ret;
}

const char *folder_keyword_name(const struct folder *f, int idx)
{
	return idx >= 0 && idx < KEYWORDS_MAX ? f->keywords.names[idx] : NULL;
}

/*
 * Runs op on a message under the folder lock, with the view synced first.
 * When op finds the file gone (-ENOENT: another program renamed it for a
 * flag change between our scan and op), the folder is rescanned and op
 * runs once more.  Returns -ENOENT when the message no longer exists.
 */
static int with_message(struct folder *f, uint32_t uid,
			int (*op)(struct folder *, struct message *, void *),
			void *ctx)
{
	struct message *m;
	int attempt, ret;

	ret = folder_lock(f);
	if (ret < 0)
		return ret;
	for (attempt = 0; attempt < 2; attempt++) {
		ret = sync_locked(f, attempt > 0);
		if (ret < 0)
			break;
		m = folder_find_uid(f, uid);
		if (m == NULL) {
			ret = -ENOENT;
			break;
		}
		ret = op(f, m, ctx);
		if (ret != -ENOENT)
			break;
	}
	folder_unlock(f);
	return ret;
}

struct new_flags {
	uint32_t flags, keywords;
};

static int set_flags_op(struct folder *f, struct message *m, void *ctx)
{
	const struct new_flags *nf = ctx;
	struct buf from = BUF_INIT, to = BUF_INIT, name = BUF_INIT;
	struct maildir_name mn;
	int ret = 0;

	if (m->flags == nf->flags && m->keywords == nf->keywords && !m->in_new)
		return 0;
	maildir_name_parse(m->name, &mn);
	buf_append(&name, m->name, m->base_len);
	maildir_name_info(&name, nf->flags, nf->keywords, mn.extra);
	folder_msg_path(f, m, &from);
	buf_printf(&to, "%s/cur/%s", f->dir, name.data);
	if (rename(from.data, to.data) < 0) {
		ret = -errno;
	} else {
		free(m->name);
		m->name = buf_detach(&name);
		m->in_new = false;
		if (m->flags != nf->flags || m->keywords != nf->keywords) {
			m->flags = nf->flags;
			m->keywords = nf->keywords;
			m->modseq = ++f->highest_modseq;
			changes_append(f, m->modseq, m->uid, CHANGE_FLAGS);
		}
		f->index_dirty = true;
	}
	buf_release(&from);
	buf_release(&to);
	buf_release(&name);
	return ret;
}

int folder_set_flags(struct folder *f, uint32_t uid, uint32_t flags,
		     uint32_t keywords)
{
	struct new_flags nf = { flags & MFLAG_ALL, keywords };

	return with_message(f, uid, set_flags_op, &nf);
}

static int expunge_op(struct folder *f, struct message *m, void *ctx)
{
	struct buf path = BUF_INIT;
	uint32_t uid = m->uid;
	size_t i;
	int ret = 0;

	(void)ctx;
	folder_msg_path(f, m, &path);
	if (unlink(path.data) < 0) {
		ret = -errno;
	} else {
		i = (size_t)(m - f->msgs);
		message_release(m);
		memmove(&f->msgs[i], &f->msgs[i + 1],
			(f->count - i - 1) * sizeof(*f->msgs));
		f->count--;
		changes_append(f, ++f->highest_modseq, uid, CHANGE_EXPUNGE);
		f->index_dirty = true;
	}
	buf_release(&path);
	return ret;
}

int folder_expunge(struct folder *f, uint32_t uid)
{
	return with_message(f, uid, expunge_op, NULL);
}

/* Copies a file's bytes when a hard link is not possible. */
static int copy_file(const char *from, const char *to, time_t mtime)
{
	char chunk[65536];
	struct timespec ts[2];
	int in, out, ret = 0;

	in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (out < 0) {
		ret = -errno;
		close(in);
		return ret;
	}
	for (;;) {
		ssize_t n = read(in, chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n < 0)
				ret = -errno;
			break;
		}
		ret = write_full(out, chunk, (size_t)n);
		if (ret < 0)
			break;
	}
	ts[0].tv_sec = ts[1].tv_sec = mtime;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	if (ret == 0 && futimens(out, ts) < 0)
		ret = -errno;
	if (ret == 0 && fsync(out) < 0)
		ret = -errno;
	close(in);
	if (close(out) < 0 && ret == 0)
		ret = -errno;
	if (ret < 0)
		unlink(to);
	return ret;
}

/* Maps keyword letters of one folder to those of another. */
static int translate_keywords(struct folder *f, uint32_t kw, struct folder *dst,
			      uint32_t *kw_r)
{
	uint32_t out = 0;
	int i, idx;

	for (i = 0; i < KEYWORDS_MAX; i++) {
		if (!(kw & (1u << i)) || f->keywords.names[i] == NULL)
			continue;
		idx = keywords_assign(&dst->keywords, f->keywords.names[i]);
		if (idx == -ENOSPC)
			continue;	/* no letter left: dropped, as Dovecot does */
		if (idx < 0)
			return idx;
		out |= 1u << idx;
	}
	*kw_r = out;
	return 0;
}

int folder_copy(struct folder *f, uint32_t uid, struct folder *dst,
		uint32_t *uid_r)
{
	struct buf from = BUF_INIT, to = BUF_INIT, name = BUF_INIT;
	struct timespec now;
	struct message *m;
	uint32_t kw = 0;
	int ret, fd;

	ret = folder_msg_open(f, uid, &fd);
	if (ret < 0)
		return ret;
	close(fd);
	m = folder_find_uid(f, uid);
	ret = folder_lock(dst);
	if (ret < 0)
		goto out;
	ret = sync_locked(dst, false);
	if (ret >= 0)
		ret = translate_keywords(f, m->keywords, dst, &kw);
	if (ret < 0)
		goto unlock;
	clock_gettime(CLOCK_REALTIME, &now);
	maildir_name_new_base(&name, (uint64_t)now.tv_sec * 1000000 +
			      (uint64_t)now.tv_nsec / 1000, m->size, m->vsize);
	size_t base_len = name.len;
	maildir_name_info(&name, m->flags, kw, NULL);
	folder_msg_path(f, m, &from);
	buf_printf(&to, "%s/cur/%s", dst->dir, name.data);
	if (link(from.data, to.data) < 0) {
		ret = -errno;
		if (ret == -EXDEV || ret == -EPERM || ret == -EMLINK ||
		    ret == -ENOTSUP)
			ret = copy_file(from.data, to.data, m->internal_date);
		if (ret < 0)
			goto unlock;
	}
	buf_reset(&from);
	buf_printf(&from, "%s/cur", dst->dir);
	ret = fsync_dir(from.data);
	if (ret == 0) {
		*uid_r = uidlist_add(&dst->uidlist, name.data, base_len);
		ret = uidlist_write(&dst->uidlist, false);
	}
unlock:
	folder_unlock(dst);
out:
	buf_release(&from);
	buf_release(&to);
	buf_release(&name);
	return ret;
}

int folder_move(struct folder *f, uint32_t uid, struct folder *dst,
		uint32_t *uid_r)
{
	int ret = folder_copy(f, uid, dst, uid_r);

	if (ret < 0)
		return ret;
	ret = folder_expunge(f, uid);
	/* Already gone is fine: someone else expunged it meanwhile. */
	return ret == -ENOENT ? 0 : ret;
}
