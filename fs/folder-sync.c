/* Bringing a folder view up to date with the disk; see folder.h. */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "folder-int.h"
#include "index.h"
#include "maildir-name.h"
#include "strmap.h"
#include "util.h"

/* A directory changed less than this long ago may change again within the
 * same timestamp tick, so its mtime is not trusted for skipping a scan.
 * File systems with whole-second timestamps (the nanoseconds are 0) need
 * a second; those with fine ones (ext4, xfs, btrfs, tmpfs) take the
 * kernel's coarse clock, which ticks every few milliseconds, so 50 ms is
 * ample.  A busy folder would otherwise be rescanned at every sync. */
#define DIR_MTIME_SETTLE_NSEC 1000000000LL
#define DIR_MTIME_SETTLE_FINE_NSEC 50000000LL

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

/* Adds one file name to the scan; a message seen in both new/ and cur/
 * (a rename raced with our listing) is kept as the cur/ one. */
static void scan_add(struct scan *sc, const char *name, size_t base_len,
		     bool in_new)
{
	struct scan_ent *e;
	size_t dup;

	if (strmap_get(&sc->by_base, name, base_len, &dup)) {
		if (!in_new) {
			char *old = sc->ents[dup].name;

			/* The map finds the slot by the old key's bytes: it
			 * is freed only once the new key has replaced it. */
			sc->ents[dup].name = xstrdup(name);
			sc->ents[dup].in_new = false;
			strmap_put(&sc->by_base, sc->ents[dup].name, base_len,
				   dup);
			free(old);
		}
		return;
	}
	sc->ents = xgrow(sc->ents, &sc->cap, sc->count + 1, sizeof(*sc->ents));
	e = &sc->ents[sc->count];
	e->name = xstrdup(name);
	e->base_len = (uint32_t)base_len;
	e->in_new = in_new;
	e->used = false;
	strmap_put(&sc->by_base, e->name, base_len, sc->count);
	sc->count++;
}

static int scan_dir(struct folder *f, struct scan *sc, bool in_new)
{
	struct buf path = BUF_INIT;
	struct dirent *de;
	DIR *d;

	buf_printf(&path, "%s/%s", f->dir, in_new ? "new" : "cur");
	d = opendir(path.data);
	buf_release(&path);
	if (d == NULL)
		return -errno;
	while ((de = readdir(d)) != NULL) {
		struct maildir_name mn;

		if (maildir_name_parse(de->d_name, &mn) < 0 ||
		    strchr(de->d_name, '\n') || strchr(de->d_name, '\r'))
			continue;
		scan_add(sc, de->d_name, mn.base_len, in_new);
	}
	closedir(d);
	return 0;
}

/*
 * Lists new/ and cur/.  When cur/ is known not to have changed since the
 * view was made (its mtime is the settled one we recorded), its names come
 * from the view instead: a delivery into new/ of a large folder then costs
 * a listing of new/ only.
 */
static int scan_dirs(struct folder *f, struct scan *sc, bool cur_known)
{
	size_t i;
	int ret;

	ret = scan_dir(f, sc, true);
	if (ret < 0 || !cur_known)
		return ret < 0 ? ret : scan_dir(f, sc, false);
	for (i = 0; i < f->count; i++)
		if (!f->msgs[i].in_new)
			scan_add(sc, f->msgs[i].name, f->msgs[i].base_len,
				 false);
	return 0;
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
	return diff >= (t->tv_nsec != 0 ? DIR_MTIME_SETTLE_FINE_NSEC :
			DIR_MTIME_SETTLE_NSEC);
}

/* A recheck is pending and its mtime has settled: scan once more. */
static bool recheck_due(const struct folder *f, bool cur)
{
	return cur ? f->cur_recheck && mtime_settled(&f->cur_mtime) :
		     f->new_recheck && mtime_settled(&f->new_mtime);
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

void folder_note_own_change(struct folder *f, bool cur)
{
	struct timespec *t = cur ? &f->cur_mtime : &f->new_mtime;
	struct timespec now;

	/* Only a directory whose state this view knew: otherwise the next
	 * sync scans it anyway. */
	if (t->tv_sec == 0 || dir_mtime(f, cur ? "cur" : "new", &now) < 0)
		return;
	*t = now;
	if (cur)
		f->cur_recheck = true;
	else
		f->new_recheck = true;
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
			bool renamed = strcmp(m->name, e->name) != 0;
			if (renamed) {
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
			if (renamed)
				index_note_record(f, m, false);
		} else {
			memset(m, 0, sizeof(*m));
			m->idx_pos = UINT32_MAX;
			f->index_missing++;	/* a new record: a new file */
			m->uid = r->uid;
			m->name = xstrdup(e->name);
			m->base_len = e->base_len;
			m->in_new = e->in_new;
			m->flags = mn.flags;
			m->keywords = mn.keywords;
			ret = index_read_message(f, m);
			if (ret == -ENOENT) {
				/* Expunged while we looked. */
				folder_message_release(m);
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
		index_note_record(f, &f->msgs[i], true);
		*changed_r = true;
	}
	folder_free_messages(f->msgs, f->count);
	f->msgs = msgs;
	f->count = n;
	f->cap = cap;
	/* Like Dovecot, keep lines of expunged messages until they are a
	 * quarter of the file, then rewrite it without them.  That takes
	 * the uidlist's dot-lock, and only a uidlist that nobody appended
	 * to since it was read here is rewritten (else the next sync
	 * does it). */
	if (missing > 0 && missing * 4 >= f->uidlist.count &&
	    folder_lock_uidlist(f) == 0 && uidlist_refresh(&f->uidlist) == 0) {
		uidlist_filter(&f->uidlist, keep_if_present, f);
		ret = uidlist_write(&f->uidlist, true);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* Whether the scan found a file the uidlist has no line for. */
static bool scan_has_new(const struct folder *f, const struct scan *sc)
{
	size_t i;

	for (i = 0; i < sc->count; i++)
		if (uidlist_find_base(&f->uidlist, sc->ents[i].name,
				      sc->ents[i].base_len) == NULL)
			return true;
	return false;
}

/* sync_pass() under a lock without the uidlist's: dovecot-uidlist must be
 * written, so the pass is to be done again holding that lock too. */
#define SYNC_NEEDS_UIDLIST_LOCK 2

static int sync_pass(struct folder *f, bool force, bool *reloaded_r)
{
	struct timespec new_mt, cur_mt;
	struct scan sc;
	bool changed = false, new_known, cur_known;
	int ret, ul_changed;

	ul_changed = uidlist_refresh(&f->uidlist);
	if (ul_changed < 0)
		return ul_changed == -EINVAL ? -EUCLEAN : ul_changed;
	ret = keywords_refresh(&f->keywords);
	if (ret < 0)
		return ret;
	/*
	 * Another process that changed the folder (a flag, an expunge, new
	 * mail) wrote the index under the lock we hold now, giving MODSEQs.
	 * Take its view rather than finding the same changes again, which
	 * would give them MODSEQs of our own: MODSEQs are the folder's, not
	 * the process's.
	 */
	if (f->index_loaded && index_changed_on_disk(f) > 0) {
		*reloaded_r = true;
		f->index_pending_count = 0;
		f->index_full = false;
		f->index_missing = 0;
		folder_free_messages(f->msgs, f->count);
		f->msgs = NULL;
		f->count = f->cap = 0;
		f->index_loaded = false;
	}
	if (!f->index_loaded) {
		f->index_loaded = true;
		ret = index_load(f);
		if (ret < 0)
			return ret;
		/* The index was made from this very uidlist: the uidlist
		 * holds nothing the index does not. */
		if (ret > 0 && index_uidlist_same(f) &&
		    f->index_ul_size == (uint64_t)f->uidlist.size)
			ul_changed = 0;
	}
	if ((ret = dir_mtime(f, "new", &new_mt)) < 0 ||
	    (ret = dir_mtime(f, "cur", &cur_mt)) < 0)
		return ret;
	new_known = f->new_mtime.tv_sec != 0 &&
		    ts_equal(&new_mt, &f->new_mtime) && !recheck_due(f, false);
	cur_known = f->cur_mtime.tv_sec != 0 &&
		    ts_equal(&cur_mt, &f->cur_mtime) && !recheck_due(f, true);
	if (!force && ul_changed == 0 && new_known && cur_known)
		return 0;

	memset(&sc, 0, sizeof(sc));
	strmap_init(&sc.by_base);
	ret = scan_dirs(f, &sc, !force && cur_known);
	/* UIDs for new files, or a uidlist to make: under its dot-lock, and
	 * from what the uidlist says once that is held. */
	if (ret == 0 && !f->uidlist_locked &&
	    (!f->uidlist.exists || scan_has_new(f, &sc))) {
		scan_release(&sc);
		return SYNC_NEEDS_UIDLIST_LOCK;
	}
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
	/* An mtime that has not settled is remembered with a recheck (see
	 * struct folder). */
	f->new_mtime = new_mt;
	f->new_recheck = !mtime_settled(&new_mt);
	f->cur_mtime = cur_mt;
	f->cur_recheck = !mtime_settled(&cur_mt);
	f->index_dirty = true;
	return changed ? 1 : 0;
}

int folder_sync_locked(struct folder *f, bool force)
{
	bool reloaded = false;
	int ret;

	ret = sync_pass(f, force, &reloaded);
	if (ret == SYNC_NEEDS_UIDLIST_LOCK) {
		ret = folder_lock_uidlist(f);
		if (ret == 0)
			ret = sync_pass(f, true, &reloaded);
	}
	return ret < 0 ? ret : ret > 0 || reloaded ? 1 : 0;
}

/*
 * Is the folder as the last sync left it?  Looked at without the lock,
 * which a busy server would otherwise take for every command: every
 * change a process makes (new mail, UIDs, flags by rename, expunges,
 * keywords) changes the mtime of new/ or cur/, dovecot-uidlist,
 * dovecot-keywords or the index's token, and directory mtimes are
 * trusted only once settled (see mtime_settled()).  Any doubt means
 * "changed": the locked sync then decides.
 */
static bool unchanged_unlocked(struct folder *f)
{
	struct timespec new_mt, cur_mt;
	struct stat st;

	if (!f->index_loaded || f->new_mtime.tv_sec == 0 ||
	    f->cur_mtime.tv_sec == 0 || !f->uidlist.exists ||
	    recheck_due(f, false) || recheck_due(f, true))
		return false;
	if (dir_mtime(f, "new", &new_mt) < 0 ||
	    dir_mtime(f, "cur", &cur_mt) < 0 ||
	    !ts_equal(&new_mt, &f->new_mtime) ||
	    !ts_equal(&cur_mt, &f->cur_mtime))
		return false;
	if (stat(f->uidlist.path, &st) < 0 || st.st_ino != f->uidlist.ino ||
	    st.st_dev != f->uidlist.dev || st.st_size != f->uidlist.size)
		return false;
	if (stat(f->keywords.path, &st) == 0) {
		if (!f->keywords.exists || st.st_ino != f->keywords.ino ||
		    st.st_size != f->keywords.size ||
		    !ts_equal(&st.st_mtim, &f->keywords.mtime))
			return false;
	} else if (errno != ENOENT || f->keywords.exists) {
		return false;
	}
	return index_changed_on_disk(f) == 0;
}

int folder_sync(struct folder *f)
{
	int ret;

	if (f->lock_depth == 0 && unchanged_unlocked(f))
		return 0;
	ret = folder_lock_light(f);
	if (ret < 0)
		return ret;
	ret = folder_sync_locked(f, false);
	folder_unlock(f);
	return ret;
}
