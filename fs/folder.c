/* A folder of a Maildir++ mailbox: opening, locking, lookups, flag changes
 * and expunges; see folder.h.  Syncing is in folder-sync.c, copying in
 * folder-copy.c. */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "folder-int.h"
#include "index.h"
#include "maildir-name.h"
#include "util.h"

/* How often a message whose file was renamed under us (another program
 * changing its flags) is looked for again before it counts as gone;
 * Dovecot gives up after as many. */
#define RENAME_RETRIES 10

/* See folder_lock_light(). */
#define OWN_LOCK_NAME "mailtree.lock"

int folder_create_dirs(const char *dir, bool maildirfolder)
{
	/* cur/ last: its presence is what says a Maildir exists
	 * (mailbox_open()), so a concurrent delivery that sees it finds
	 * tmp/ and new/ too. */
	static const char *const subdirs[] = { "tmp", "new", "cur" };
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

void folder_message_release(struct message *m)
{
	free(m->name);
	free(m->headers);
	memset(m, 0, sizeof(*m));
}

void folder_free_messages(struct message *msgs, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++)
		folder_message_release(&msgs[i]);
	free(msgs);
}

static bool keep_lock_inodes;

void folder_keep_lock_inodes(bool on)
{
	keep_lock_inodes = on;
}

static bool keep_files;
/* Folders holding kept files, and how many may. */
static unsigned int files_slots, files_slots_max;

void folder_keep_files(bool on)
{
	struct rlimit rl;

	keep_files = on;
	files_slots_max = 64;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		files_slots_max = (unsigned int)(rl.rlim_cur / 16);
}

bool folder_files_slot(struct folder *f)
{
	unsigned int n;

	if (f->files_slot)
		return true;
	if (!f->files_may_keep)
		return false;
	/* Asked once, at the first use. */
	if (!f->files_fs_checked) {
		f->files_fs_checked = true;
		f->files_may_keep = !fs_is_shared(f->dir);
		if (!f->files_may_keep)
			return false;
	}
	n = __atomic_load_n(&files_slots, __ATOMIC_RELAXED);
	do {
		if (n >= files_slots_max)
			return false;
	} while (!__atomic_compare_exchange_n(&files_slots, &n, n + 1, true,
					      __ATOMIC_RELAXED,
					      __ATOMIC_RELAXED));
	f->files_slot = true;
	return true;
}

void folder_close_files(struct folder *f)
{
	if (f->index_fd >= 0)
		close(f->index_fd);
	if (f->changes_fd >= 0)
		close(f->changes_fd);
	f->index_fd = f->changes_fd = -1;
	/* mailtree.lock stays open while the lock is held. */
	if (f->own_lock_fd >= 0 && f->lock_depth == 0) {
		close(f->own_lock_fd);
		f->own_lock_fd = -1;
	}
	if (f->files_slot)
		__atomic_sub_fetch(&files_slots, 1, __ATOMIC_RELAXED);
	f->files_slot = false;
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
	f->index_fd = f->changes_fd = f->own_lock_fd = -1;
	f->files_may_keep = keep_files;
	if (keep_lock_inodes) {
		buf_printf(&p, "%s/tmp", dir);
		dotlock_spare_init(&f->lock_spare, p.data);
		buf_release(&p);
	}
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
	/* New messages left out of the index for a while (see
	 * folder_defer_index_rewrites()) go into it now, from a view
	 * brought up to date first. */
	if (f->index_missing > 0 && folder_lock_light(f) == 0) {
		if (folder_sync_locked(f, false) >= 0)
			f->index_written = 0;
		folder_unlock(f);
	}
	dotlock_spare_free(&f->lock_spare);
	folder_close_files(f);
	folder_free_messages(f->msgs, f->count);
	uidlist_release(&f->uidlist);
	keywords_release(&f->keywords);
	free(f->index_pending);
	free(f->dir);
	free(f);
	*fp = NULL;
}

/* Closes mailtree.lock's descriptor unless the folder keeps it. */
static void own_lock_close(struct folder *f)
{
	if (f->own_lock_fd >= 0 && !f->files_slot) {
		close(f->own_lock_fd);
		f->own_lock_fd = -1;
	}
}

static int own_lock_set(int fd, short type)
{
	struct flock fl;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = type;
	fl.l_whence = SEEK_SET;
	return fcntl(fd, F_OFD_SETLK, &fl) == 0 ? 0 : -errno;
}

static int own_lock_open(struct folder *f)
{
	struct buf path = BUF_INIT;
	struct stat st;

	buf_printf(&path, "%s/" OWN_LOCK_NAME, f->dir);
	f->own_lock_fd = open(path.data, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	buf_release(&path);
	if (f->own_lock_fd < 0)
		return -errno;
	/* Made by root (an administrator's mailtree command): the file
	 * stays, so it must belong to the folder's owner, whose daemon
	 * opens it too. */
	if (geteuid() == 0 && stat(f->dir, &st) == 0 && st.st_uid != 0 &&
	    fchown(f->own_lock_fd, st.st_uid, st.st_gid) < 0)
		log_warn("%s: cannot give %s to uid %u: %s", f->dir,
			 OWN_LOCK_NAME, (unsigned)st.st_uid, strerror(errno));
	folder_files_slot(f);	/* kept open if it may be */
	return 0;
}

/* Takes mailtree.lock, waiting as for the dot-lock.  Returns 0, -EAGAIN
 * after the timeout, -EOPNOTSUPP where there are no OFD locks, or
 * another negative errno.  A file that was removed (by hand) while this
 * folder kept it open is not the lock any more: the one at the name is
 * opened and locked instead. */
static int own_lock_take(struct folder *f)
{
	struct lock_wait lw;
	struct stat st;
	int ret;

	/* Waited for as long as the uidlist's dot-lock would be. */
	lock_wait_init(&lw, dotlock_uidlist_settings.timeout_secs);
	for (;;) {
		if (f->own_lock_fd < 0 && (ret = own_lock_open(f)) < 0)
			return ret;
		ret = own_lock_set(f->own_lock_fd, F_WRLCK);
		if (ret == 0) {
			if (fstat(f->own_lock_fd, &st) < 0 || st.st_nlink > 0)
				return 0;
			own_lock_set(f->own_lock_fd, F_UNLCK);
			close(f->own_lock_fd);
			f->own_lock_fd = -1;
			continue;
		}
		if (ret == -EINVAL || ret == -ENOLCK || ret == -EOPNOTSUPP) {
			ret = -EOPNOTSUPP;
			break;
		}
		if (ret != -EAGAIN && ret != -EACCES && ret != -EINTR)
			break;
		if (!lock_wait_nap(&lw)) {
			ret = -EAGAIN;
			break;
		}
	}
	own_lock_close(f);
	return ret;
}

static void own_lock_release(struct folder *f)
{
	if (f->own_lock_fd < 0)
		return;
	own_lock_set(f->own_lock_fd, F_UNLCK);
	own_lock_close(f);
}

int folder_lock_uidlist(struct folder *f)
{
	struct buf path = BUF_INIT;
	int ret;

	if (f->uidlist_locked)
		return 0;
	buf_printf(&path, "%s/" UIDLIST_NAME, f->dir);
	ret = dotlock_create_spare(path.data, &dotlock_uidlist_settings,
				   &f->lock_spare, &f->lock);
	buf_release(&path);
	if (ret == 0)
		f->uidlist_locked = true;
	return ret;
}

/* The outermost lock: mailtree.lock, and the dot-lock when `full` (or
 * when there are no OFD locks). */
static int lock_first(struct folder *f, bool full)
{
	int ret = 0;

	if (!f->own_lock_unsupported) {
		ret = own_lock_take(f);
		if (ret == -EOPNOTSUPP) {
			f->own_lock_unsupported = true;
			ret = 0;
		}
		if (ret < 0)
			return ret;
	}
	if (full || f->own_lock_unsupported) {
		ret = folder_lock_uidlist(f);
		if (ret < 0) {
			own_lock_release(f);
			return ret;
		}
	}
	f->lock_depth = 1;
	f->lock_synced = false;
	return 0;
}

int folder_lock(struct folder *f)
{
	int ret;

	if (f->lock_depth == 0)
		return lock_first(f, true);
	ret = folder_lock_uidlist(f);
	if (ret < 0)
		return ret;
	f->lock_depth++;
	return 0;
}

int folder_lock_light(struct folder *f)
{
	if (f->lock_depth == 0)
		return lock_first(f, false);
	f->lock_depth++;
	return 0;
}

void folder_unlock(struct folder *f)
{
	if (f->lock_depth == 0 || --f->lock_depth > 0)
		return;
	if (f->index_dirty || index_rewrite_due(f)) {
		int ret = index_save(f);
		if (ret < 0)
			log_warn("%s: cannot write %s: %s", f->dir, INDEX_NAME,
				 strerror(-ret));
		f->index_dirty = false;
	}
	if (f->uidlist_locked) {
		dotlock_delete(&f->lock);
		f->uidlist_locked = false;
	}
	own_lock_release(f);
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

int folder_msg_open(struct folder *f, uint32_t uid, int *fd_r)
{
	struct buf path = BUF_INIT;
	struct message *m;
	int attempt, fd = -1, ret = -ENOENT;

	for (attempt = 0; attempt < RENAME_RETRIES; attempt++) {
		/* The file was renamed (a flag change by another program):
		 * list the directories again under the lock, whatever their
		 * mtimes say, since that may be within the same tick. */
		if (attempt > 0) {
			if ((ret = folder_lock_light(f)) < 0)
				break;
			ret = folder_sync_locked(f, true);
			folder_unlock(f);
			if (ret < 0)
				break;
		}
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

	/* A keyword that has its letter already needs no lock: letters
	 * are never given to another name while the file exists. */
	keywords_refresh(&f->keywords);
	ret = keywords_lookup(&f->keywords, name);
	if (ret >= 0 || !create)
		return ret < 0 ? -ENOENT : ret;
	ret = folder_lock(f);
	if (ret < 0)
		return ret;
	ret = keywords_assign(&f->keywords, name);
	folder_unlock(f);
	return ret;
}

const struct folder_flag_name folder_system_flags[FOLDER_SYSTEM_FLAGS] = {
	{ "\\Answered", MFLAG_ANSWERED }, { "\\Flagged", MFLAG_FLAGGED },
	{ "\\Deleted", MFLAG_DELETED }, { "\\Seen", MFLAG_SEEN },
	{ "\\Draft", MFLAG_DRAFT },
};

void folder_flag_names(const struct folder *f, const struct message *m,
		       struct buf *out)
{
	bool forwarded = false, first = true;
	size_t i;

	for (i = 0; i < FOLDER_SYSTEM_FLAGS; i++) {
		if (!(m->flags & folder_system_flags[i].bit))
			continue;
		if (!first)
			buf_putc(out, ' ');
		buf_puts(out, folder_system_flags[i].name);
		first = false;
	}
	for (i = 0; i < KEYWORDS_MAX; i++) {
		const char *kw = folder_keyword_name(f, (int)i);

		if ((m->keywords & (1u << i)) == 0 || kw == NULL)
			continue;
		if (!first)
			buf_putc(out, ' ');
		buf_puts(out, kw);
		first = false;
		forwarded |= strcasecmp(kw, FOLDER_FORWARDED) == 0;
	}
	if ((m->flags & MFLAG_PASSED) && !forwarded) {
		if (!first)
			buf_putc(out, ' ');
		buf_puts(out, FOLDER_FORWARDED);
	}
}

const char *folder_keyword_name(const struct folder *f, int idx)
{
	return idx >= 0 && idx < KEYWORDS_MAX ? f->keywords.names[idx] : NULL;
}

/*
 * Runs op on a message under the folder lock, with the view synced first.
 * When op finds the file gone (-ENOENT: another program renamed it for a
 * flag change between our scan and op), the folder is rescanned and op
 * runs again, a few times at most.  Returns -ENOENT when the message no
 * longer exists.
 *
 * A view already synced under the lock it holds (a STORE or an EXPUNGE
 * of many messages in one lock) is not synced again for each message:
 * no mailtree process can change the folder meanwhile, and what a
 * program that takes no lock does (a rename, an unlink) is what the
 * -ENOENT retry is for.
 */
static int with_message(struct folder *f, uint32_t uid,
			int (*op)(struct folder *, struct message *, void *),
			void *ctx)
{
	struct message *m;
	int attempt, ret;

	ret = folder_lock_light(f);
	if (ret < 0)
		return ret;
	for (attempt = 0; attempt < RENAME_RETRIES; attempt++) {
		if (attempt > 0 || !f->lock_synced) {
			ret = folder_sync_locked(f, attempt > 0);
			if (ret < 0)
				break;
			f->lock_synced = true;
		}
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

struct flag_change {
	uint32_t add, del, kw_add, kw_del;
};

static int set_flags_op(struct folder *f, struct message *m, void *ctx)
{
	const struct flag_change *fc = ctx;
	uint32_t flags = ((m->flags & ~fc->del) | fc->add) & MFLAG_ALL;
	uint32_t kw = (m->keywords & ~fc->kw_del) | fc->kw_add;
	struct buf from = BUF_INIT, to = BUF_INIT, name = BUF_INIT;
	struct maildir_name mn;
	int ret = 0;

	if (m->flags == flags && m->keywords == kw && !m->in_new)
		return 0;
	maildir_name_parse(m->name, &mn);
	buf_append(&name, m->name, m->base_len);
	maildir_name_info(&name, flags, kw, mn.extra);
	folder_msg_path(f, m, &from);
	buf_printf(&to, "%s/cur/%s", f->dir, name.data);
	if (rename(from.data, to.data) < 0) {
		ret = -errno;
	} else {
		if (m->in_new)
			folder_note_own_change(f, false);
		folder_note_own_change(f, true);
		free(m->name);
		m->name = buf_detach(&name);
		m->in_new = false;
		if (m->flags != flags || m->keywords != kw) {
			m->flags = flags;
			m->keywords = kw;
			m->modseq = ++f->highest_modseq;
			changes_append(f, m->modseq, m->uid, CHANGE_FLAGS);
		}
		index_note_record(f, m, false);
	}
	buf_release(&from);
	buf_release(&to);
	buf_release(&name);
	return ret;
}

int folder_set_flags(struct folder *f, uint32_t uid, uint32_t flags,
		     uint32_t keywords)
{
	struct flag_change fc = { flags, ~flags, keywords, ~keywords };

	return with_message(f, uid, set_flags_op, &fc);
}

int folder_change_flags(struct folder *f, uint32_t uid, uint32_t add,
			uint32_t del, uint32_t kw_add, uint32_t kw_del)
{
	struct flag_change fc = { add, del & ~add, kw_add, kw_del & ~kw_add };

	return with_message(f, uid, set_flags_op, &fc);
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
		folder_note_own_change(f, !m->in_new);
		i = (size_t)(m - f->msgs);
		index_note_record(f, m, true);
		folder_message_release(m);
		memmove(&f->msgs[i], &f->msgs[i + 1],
			(f->count - i - 1) * sizeof(*f->msgs));
		f->count--;
		changes_append(f, ++f->highest_modseq, uid, CHANGE_EXPUNGE);
	}
	buf_release(&path);
	return ret;
}

int folder_expunge(struct folder *f, uint32_t uid)
{
	return with_message(f, uid, expunge_op, NULL);
}
