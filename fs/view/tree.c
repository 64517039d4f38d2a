/* The directory table, inode resolution, attributes and listings of the
 * FUSE view (see fs.h for the inode scheme). */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "folder.h"
#include "index.h"
#include "mailbox.h"
#include "maildir-name.h"
#include "message-summary.h"
#include "notify.h"
#include "util.h"
#include "fs.h"
#include "view.h"
#include "write.h"

static struct timespec now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts;
}

/* At least a second since ts (or never set). */
static bool stale(struct timespec ts)
{
	struct timespec now = now_mono();

	return ts.tv_sec == 0 || now.tv_sec - ts.tv_sec > 1 ||
	       (now.tv_sec - ts.tv_sec == 1 && now.tv_nsec >= ts.tv_nsec);
}

struct vdir *tree_new_dir(struct view *v, enum vdir_kind kind,
			  unsigned int user, const char *name)
{
	struct buf key = BUF_INIT;
	struct vdir *d;

	if (v->n_dirs >= VIEW_DIRS_MAX)
		return NULL;
	d = xcalloc(1, sizeof(*d));
	d->kind = kind;
	d->id = (uint32_t)v->n_dirs;
	d->user = user;
	d->name = xstrdup(name);
	if (kind == VDIR_ROOT)
		buf_puts(&key, "*");
	else if (kind == VDIR_PENDING)
		buf_printf(&key, "*%zu", v->n_dirs);	/* never a folder's */
	else
		buf_printf(&key, "%u/%s", user, name);
	d->key = buf_detach(&key);
	v->dirs = xgrow(v->dirs, &v->cap_dirs, v->n_dirs + 1, sizeof(*v->dirs));
	v->dirs[v->n_dirs++] = d;
	strmap_put(&v->dir_map, d->key, strlen(d->key), d->id);
	return d;
}

struct vdir *tree_dir(struct view *v, uint32_t id)
{
	return id < v->n_dirs ? v->dirs[id] : NULL;
}

struct vdir *tree_get_dir(struct view *v, unsigned int user, const char *name)
{
	struct buf key = BUF_INIT;
	size_t id;
	struct vdir *d = NULL;

	buf_printf(&key, "%u/%s", user, name);
	if (strmap_get(&v->dir_map, key.data, key.len, &id) &&
	    !v->dirs[id]->gone && strcmp(v->dirs[id]->key, key.data) == 0)
		d = v->dirs[id];
	buf_release(&key);
	return d != NULL ? d : tree_new_dir(v, VDIR_FOLDER, user, name);
}

static void close_folder(struct view *v, struct vdir *d)
{
	if (d->f == NULL)
		return;
	notify_remove(v->notify, d->f->dir);
	folder_free(&d->f);
}

void tree_rename_dir(struct view *v, struct vdir *d, const char *name)
{
	struct buf key = BUF_INIT;

	close_folder(v, d);
	free(d->name);
	free(d->key);
	d->name = xstrdup(name);
	buf_printf(&key, "%u/%s", d->user, name);
	d->key = buf_detach(&key);
	strmap_put(&v->dir_map, d->key, strlen(d->key), d->id);
}

void tree_drop_dir(struct view *v, struct vdir *d)
{
	close_folder(v, d);
	d->gone = true;
}

int tree_init(struct view *v)
{
	size_t i;

	strmap_init(&v->dir_map);
	v->mount_time = time(NULL);
	if (v->all_users) {
		tree_new_dir(v, VDIR_ROOT, 0, "");
		for (i = 0; i < v->n_users; i++)
			v->users[i].dir =
			    tree_new_dir(v, VDIR_USER, (unsigned)i, "")->id;
	} else {
		v->users[0].dir = tree_new_dir(v, VDIR_USER, 0, "")->id;
	}
	return 0;
}

void tree_release(struct view *v)
{
	size_t i;

	for (i = 0; i < v->n_dirs; i++) {
		struct vdir *d = v->dirs[i];

		close_folder(v, d);
		pending_release_dir(d);
		changes_release(d);
		free(d->name);
		free(d->key);
		free(d->extra);
		free(d);
	}
	free(v->dirs);
	strmap_release(&v->dir_map);
	msgparts_cache_release(v);
	prefill_release(v);
	tree_list_release(v);
	for (i = 0; i < v->n_users; i++) {
		free(v->users[i].name);
		mailbox_free(&v->users[i].mbox);
		mailbox_list_free(v->users[i].folders, v->users[i].n_folders);
	}
	free(v->users);
	for (i = 0; i < v->n_inval; i++)
		free(v->inval[i].name);
	free(v->inval);
}

static bool same_names(char **a, size_t n_a, char **b, size_t n_b)
{
	size_t i;

	if (n_a != n_b)
		return false;
	for (i = 0; i < n_a; i++) {
		if (strcmp(a[i], b[i]) != 0)
			return false;
	}
	return true;
}

/*
 * Folders were made, deleted or renamed, maybe elsewhere: the listings
 * of the user's directories changed.  Their mtime moves (tree_attr), so
 * the kernel drops its cached listing at the next readdir, and they are
 * invalidated for a kernel that holds their attributes.
 */
static void folders_changed(struct view *v, struct vuser *u)
{
	size_t i;

	clock_gettime(CLOCK_REALTIME, &u->changed);
	if (u->folders == NULL)
		return;		/* the first listing */
	for (i = 0; i < v->n_dirs; i++) {
		struct vdir *d = v->dirs[i];

		if ((d->kind == VDIR_FOLDER || d->kind == VDIR_USER) &&
		    !d->gone && &v->users[d->user] == u)
			view_inval(v, view_ino(d->id, 0, VE_DIR), NULL);
	}
}

void tree_user_folders(struct view *v, struct vuser *u, bool force)
{
	char **names;
	size_t count;

	if (!force && !stale(u->listed))
		return;
	if (mailbox_list(u->mbox, &names, &count) < 0)
		return;
	if (!same_names(names, count, u->folders, u->n_folders))
		folders_changed(v, u);
	mailbox_list_free(u->folders, u->n_folders);
	u->folders = names;
	u->n_folders = count;
	u->listed = now_mono();
}

void tree_watch_folders(struct view *v)
{
	struct timespec now = now_mono();
	size_t i;

	for (i = 0; i < v->n_users; i++) {
		struct vuser *u = &v->users[i];
		int64_t ms = (int64_t)(now.tv_sec - u->listed.tv_sec) * 1000 +
			     (now.tv_nsec - u->listed.tv_nsec) / 1000000;

		if (u->folders != NULL && ms >= VIEW_FOLDERS_POLL_MS)
			tree_user_folders(v, u, true);
	}
}

int tree_folder_exists(struct vuser *u, const char *name)
{
	size_t i, len = strlen(name);
	int ret = 0;

	if (len == 0)
		return 1;
	for (i = 0; i < u->n_folders; i++) {
		const char *f = u->folders[i];

		if (strcmp(f, name) == 0)
			return 2;
		if (strncmp(f, name, len) == 0 && f[len] == '/')
			ret = 1;
	}
	return ret;
}

int tree_folder(struct view *v, struct vdir *d, bool force,
		struct folder **f_r)
{
	struct vuser *u = &v->users[d->user];
	int ret;

	if (d->kind != VDIR_FOLDER || d->gone)
		return -ENOENT;
	if (d->f == NULL) {
		ret = mailbox_folder_open(u->mbox, d->name, &d->f);
		if (ret < 0)
			return ret;
		d->uidvalidity = folder_uidvalidity(d->f);
		d->synced = now_mono();
		notify_add(v->notify, d->f->dir, (void *)(uintptr_t)d->id);
		changes_publish(v, d);
	} else if (force || stale(d->synced)) {
		ret = folder_sync(d->f);
		d->synced = now_mono();
		if (ret < 0 || folder_uidvalidity(d->f) != d->uidvalidity) {
			/* Deleted, or deleted and made again: the old
			 * inodes must not name the new messages. */
			tree_drop_dir(v, d);
			return ret < 0 ? ret : -ESTALE;
		}
		changes_publish(v, d);
	}
	*f_r = d->f;
	return 0;
}

struct vmsg *tree_vmsg(struct vdir *d, uint32_t uid, bool create)
{
	size_t lo = 0, hi = d->n_extra;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (d->extra[mid].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < d->n_extra && d->extra[lo].uid == uid)
		return &d->extra[lo];
	if (!create)
		return NULL;
	d->extra = xgrow(d->extra, &d->cap_extra, d->n_extra + 1,
			 sizeof(*d->extra));
	memmove(&d->extra[lo + 1], &d->extra[lo],
		(d->n_extra - lo) * sizeof(*d->extra));
	d->n_extra++;
	memset(&d->extra[lo], 0, sizeof(*d->extra));
	d->extra[lo].uid = uid;
	return &d->extra[lo];
}

/* The keyword letter index shown in flags/ as `name`, or -1. */
static int keyword_file(const struct folder *f, const char *name)
{
	int k;

	for (k = 0; k < KEYWORDS_MAX; k++) {
		const char *kw = folder_keyword_name(f, k);

		if (kw != NULL && strcmp(kw, name) == 0)
			return view_keyword_shown(kw) ? k : -1;
	}
	return -1;
}

static bool has_forwarded_keyword(const struct folder *f,
				  const struct message *m)
{
	int k;

	for (k = 0; k < KEYWORDS_MAX; k++) {
		const char *kw = folder_keyword_name(f, k);

		if ((m->keywords & (1u << k)) && kw != NULL &&
		    strcasecmp(kw, VIEW_FORWARDED) == 0)
			return true;
	}
	return false;
}

/* Whether entry e of message m exists. */
bool tree_msg_entry_exists(struct view *v, struct vdir *d,
			   const struct message *m, unsigned int e)
{
	struct vmsg *x = tree_vmsg(d, m->uid, false);
	struct buf tmp = BUF_INIT;
	bool ok;

	if (x != NULL && e < 64 && (x->hidden & (1ull << e)))
		return false;
	if (e == VE_DIR || e == VE_EML || e == VE_HEADER || e == VE_FLAGS_DIR)
		return true;
	if (msgparts_entry(e))
		return msgparts_exists(v, d, m->uid, e) == 1;
	if (e >= VE_PROP && e < VE_PROP + VP_COUNT) {
		ok = view_prop_render(d->f, m, (int)(e - VE_PROP), &tmp) == 1;
		buf_release(&tmp);
		return ok;
	}
	if (e >= VE_SYSFLAG && e < VE_SYSFLAG + VIEW_SYSFLAGS)
		return (m->flags & view_sysflag_bits[e - VE_SYSFLAG]) != 0;
	if (e == VE_PASSED)
		return (m->flags & MFLAG_PASSED) && !has_forwarded_keyword(d->f, m);
	if (e >= VE_KEYWORD && e < VE_KEYWORD + KEYWORDS_MAX) {
		int k = (int)(e - VE_KEYWORD);

		return (m->keywords & (1u << k)) &&
		       view_keyword_shown(folder_keyword_name(d->f, k));
	}
	return false;
}

int tree_node(struct view *v, fuse_ino_t ino, struct node *n)
{
	struct folder *f;
	struct vuser *u;
	int ret, exists;

	memset(n, 0, sizeof(*n));
	n->ino = ino;
	n->d = tree_dir(v, (uint32_t)(ino >> 44));
	n->uid = (uint32_t)(ino >> 12);
	n->entry = ino & 0xfff;
	if (n->d == NULL || n->d->gone)
		return -ENOENT;
	if (n->d->kind == VDIR_PENDING)
		return pending_node(v, n);
	if (n->d->kind != VDIR_FOLDER)
		return n->uid == 0 && n->entry == VE_DIR ? 0 : -ENOENT;
	u = &v->users[n->d->user];
	tree_user_folders(v, u, false);
	exists = tree_folder_exists(u, n->d->name);
	if (exists == 0)
		return -ENOENT;
	if (n->uid == 0) {
		if (n->entry == VE_DIR)
			return 0;
		if (n->entry >= VE_NEW)
			return write_is_new_file(v, ino) ? 0 : -ENOENT;
		if (exists != 2 || n->entry < VE_FOLDER_DIR ||
		    n->entry >= VE_FOLDER_PROP + VF_COUNT)
			return -ENOENT;
		return tree_folder(v, n->d, false, &f);
	}
	if (exists != 2)
		return -ENOENT;
	ret = tree_folder(v, n->d, false, &f);
	if (ret < 0)
		return ret;
	n->m = folder_find_uid(f, n->uid);
	if (n->m == NULL || !tree_msg_entry_exists(v, n->d, n->m, n->entry))
		return -ENOENT;
	return 0;
}

int tree_lookup(struct view *v, const struct node *p, const char *name,
		struct node *c)
{
	struct buf level = BUF_INIT, full = BUF_INIT;
	struct vdir *d = p->d;
	fuse_ino_t ino = 0;
	uint32_t uid;
	size_t i;
	int k;

	if (d->kind == VDIR_PENDING) {
		if (pending_lookup(v, p, name, &ino) < 0)
			ino = 0;
	} else if (d->kind == VDIR_ROOT) {
		for (i = 0; i < v->n_users; i++) {
			if (strcmp(v->users[i].name, name) == 0)
				ino = view_ino(v->users[i].dir, 0, VE_DIR);
		}
	} else if (p->uid == 0 && p->entry == VE_DIR) {
		if (d->kind == VDIR_FOLDER &&
		    (ino = write_new_lookup(v, d->id, name)) != 0)
			;
		else if (d->kind == VDIR_FOLDER && strcmp(name, VIEW_FOLDER_DIR) == 0)
			ino = view_ino(d->id, 0, VE_FOLDER_DIR);
		else if (d->kind == VDIR_FOLDER &&
			 (ino = pending_lookup_in_folder(v, d->id, name)) != 0)
			;
		else if (d->kind == VDIR_FOLDER && view_name_uid(name, &uid))
			ino = view_ino(d->id, uid, VE_DIR);
		else if (view_entry_folder(name, &level) == 0) {
			struct vuser *u = &v->users[d->user];

			if (d->name[0] != '\0')
				buf_printf(&full, "%s/", d->name);
			buf_append(&full, level.data, level.len);
			tree_user_folders(v, u, false);
			if (tree_folder_exists(u, full.data) > 0) {
				struct vdir *c_dir = tree_get_dir(v, d->user, full.data);

				if (c_dir != NULL)
					ino = view_ino(c_dir->id, 0, VE_DIR);
			}
		}
	} else if (p->uid == 0 && p->entry == VE_FOLDER_DIR) {
		k = view_folder_prop_lookup(name);
		if (k >= 0)
			ino = view_ino(d->id, 0, VE_FOLDER_PROP + (unsigned)k);
	} else if (p->uid > 0 && p->entry == VE_DIR) {
		if (strcmp(name, VIEW_MESSAGE_FILE) == 0)
			ino = view_ino(d->id, p->uid, VE_EML);
		else if (strcmp(name, VIEW_HEADER_FILE) == 0)
			ino = view_ino(d->id, p->uid, VE_HEADER);
		else if (strcmp(name, VIEW_FLAGS_DIR) == 0)
			ino = view_ino(d->id, p->uid, VE_FLAGS_DIR);
		else if (strcmp(name, VIEW_BODY_FILE) == 0)
			ino = view_ino(d->id, p->uid, VE_BODY);
		else if (strcmp(name, VIEW_ATTACH_DIR) == 0)
			ino = view_ino(d->id, p->uid, VE_ATTACH_DIR);
		else if (strcmp(name, VIEW_PARTS_DIR) == 0)
			ino = view_ino(d->id, p->uid, VE_PARTS_DIR);
		else if ((k = view_prop_lookup(name)) >= 0)
			ino = view_ino(d->id, p->uid, VE_PROP + (unsigned)k);
	} else if (p->uid > 0 && view_mime_dir(p->entry)) {
		int ret = msgparts_lookup(v, p, name, &ino);

		if (ret < 0 && ret != -ENOENT) {
			buf_release(&level);
			buf_release(&full);
			return ret;
		}
	} else if (p->uid > 0 && p->entry == VE_FLAGS_DIR) {
		if ((k = view_sysflag_lookup(name)) >= 0)
			ino = view_ino(d->id, p->uid, VE_SYSFLAG + (unsigned)k);
		else if ((k = keyword_file(d->f, name)) >= 0)
			ino = view_ino(d->id, p->uid, VE_KEYWORD + (unsigned)k);
		else if (strcmp(name, VIEW_FORWARDED) == 0)
			ino = view_ino(d->id, p->uid, VE_PASSED);
	}
	buf_release(&level);
	buf_release(&full);
	if (ino == 0)
		return -ENOENT;
	return tree_node(v, ino, c);
}

/* The size of a message's header block, cached per message. */
static int header_size(struct view *v, struct vdir *d, uint32_t uid,
		       uint64_t *size_r)
{
	struct message_summary sum;
	struct vmsg *x = tree_vmsg(d, uid, true);
	int fd, ret;

	(void)v;
	if (x->header_size == 0) {
		ret = folder_msg_open(d->f, uid, &fd);
		if (ret < 0)
			return ret;
		ret = message_summary_read_fd(fd, 0, &sum);
		close(fd);
		if (ret == 0)
			x = tree_vmsg(d, uid, true), x->header_size = sum.header_size + 1;
		message_summary_release(&sum);
		if (ret < 0)
			return ret;
	}
	*size_r = x->header_size - 1;
	return 0;
}

int tree_render(struct view *v, const struct node *n, struct buf *out)
{
	(void)v;
	buf_reset(out);
	if (n->uid == 0 && n->entry >= VE_FOLDER_PROP) {
		view_folder_prop_render(n->d->f, (int)(n->entry - VE_FOLDER_PROP),
					out);
		return 0;
	}
	if (n->uid > 0 && n->entry >= VE_PROP && n->entry < VE_PROP + VP_COUNT) {
		view_prop_render(n->d->f, n->m, (int)(n->entry - VE_PROP), out);
		return 0;
	}
	return 0;	/* flag files are empty */
}

int tree_attr(struct view *v, const struct node *n, struct stat *st)
{
	struct vuser *u = &v->users[n->d->user];
	struct buf tmp = BUF_INIT;
	time_t t = v->mount_time;
	uint64_t size;
	int ret;

	memset(st, 0, sizeof(*st));
	st->st_ino = n->ino;
	st->st_uid = n->d->kind == VDIR_ROOT ? getuid() : u->uid;
	st->st_gid = n->d->kind == VDIR_ROOT ? getgid() : u->gid;
	st->st_nlink = 1;
	st->st_blksize = 4096;
	if (n->uid == 0 && n->entry >= VE_NEW && n->d->kind == VDIR_FOLDER)
		return write_new_attr(v, n->ino, st);
	if (n->d->kind == VDIR_PENDING) {
		pending_attr(v, n, st);
		return 0;
	}
	if (n->m != NULL)
		t = n->m->internal_date;
	else if (n->d->f != NULL && n->d->f->cur_mtime.tv_sec > t)
		t = n->d->f->cur_mtime.tv_sec;
	if (n->d->f != NULL && n->m == NULL && n->d->f->new_mtime.tv_sec > t)
		t = n->d->f->new_mtime.tv_sec;
	st->st_atime = st->st_mtime = st->st_ctime = t;
	if (n->uid == 0 && n->entry == VE_DIR && n->d->kind != VDIR_ROOT) {
		/* A listing shows the folders: its mtime is at least when
		 * they last changed. */
		tree_user_folders(v, u, false);
		if (u->changed.tv_sec >= t)
			st->st_mtim = st->st_atim = st->st_ctim = u->changed;
	}
	switch (n->entry) {
	case VE_DIR:
		/* In a root mount, a user's mail is theirs alone. */
		st->st_mode = S_IFDIR | (v->all_users &&
					 n->d->kind == VDIR_USER ? 0700 : 0755);
		st->st_nlink = 2;
		break;
	case VE_FLAGS_DIR:
		st->st_mode = S_IFDIR | 0755;
		break;
	default:
		if (n->uid > 0 && view_mime_dir(n->entry)) {
			st->st_mode = S_IFDIR | 0555;
			break;
		}
		if (n->uid > 0 && msgparts_entry(n->entry)) {
			ret = msgparts_size(v, n, &size);
			if (ret < 0)
				return ret;
			st->st_mode = S_IFREG | 0444;
			st->st_size = (off_t)size;
			break;
		}
		if (n->uid == 0 && n->entry == VE_FOLDER_DIR) {
			st->st_mode = S_IFDIR | 0555;
			st->st_nlink = 2;
			break;
		}
		if (n->uid > 0 && n->entry == VE_EML) {
			st->st_mode = S_IFREG | 0444;
			st->st_size = (off_t)n->m->size;
			break;
		}
		if (n->uid > 0 && n->entry == VE_HEADER) {
			ret = header_size(v, n->d, n->uid, &size);
			if (ret < 0)
				return ret;
			st->st_mode = S_IFREG | 0444;
			st->st_size = (off_t)size;
			break;
		}
		if (n->uid > 0 && n->entry >= VE_SYSFLAG) {
			st->st_mode = S_IFREG | 0644;	/* flag files */
			break;
		}
		tree_render(v, n, &tmp);
		st->st_mode = S_IFREG | 0444;
		st->st_size = (off_t)tmp.len;
		buf_release(&tmp);
		break;
	}
	if (S_ISDIR(st->st_mode))
		st->st_nlink = 2;
	st->st_blocks = (st->st_size + 511) / 512;
	return 0;
}

double tree_timeout(const struct view *v, const struct node *n)
{
	unsigned int e = n->entry;

	if (n->d->kind != VDIR_FOLDER || n->uid == 0 || e == VE_FLAGS_DIR ||
	    (e >= VE_SYSFLAG && e < VE_ATTACH) || e == VE_PROP + VP_FLAGS ||
	    e == VE_PROP + VP_MODSEQ)
		return v->timeout;
	return VIEW_TIMEOUT_IMMUTABLE;
}

/*
 * A message's flags/, imap-flags and modseq change content but never
 * name: they exist, with the same inode, for as long as the message
 * does (an rm through this mount, which the kernel sees, aside), and the
 * message's directory is dropped when it goes.  So their
 * names are kept as long as the message's bytes, and only their
 * attributes expire with the timeout: a walk over the tree (rsync, find)
 * asks again for their sizes, not for the names too.
 */
double tree_entry_timeout(const struct view *v, const struct node *n)
{
	unsigned int e = n->entry;

	if (n->d->kind == VDIR_FOLDER && n->uid > 0 &&
	    (e == VE_FLAGS_DIR || e == VE_PROP + VP_FLAGS ||
	     e == VE_PROP + VP_MODSEQ))
		return VIEW_TIMEOUT_IMMUTABLE;
	return tree_timeout(v, n);
}

void view_inval(struct view *v, fuse_ino_t ino, const char *name)
{
	uint64_t one = 1;

	v->inval = xgrow(v->inval, &v->cap_inval, v->n_inval + 1,
			 sizeof(*v->inval));
	v->inval[v->n_inval].ino = ino;
	v->inval[v->n_inval].name = name != NULL ? xstrdup(name) : NULL;
	v->n_inval++;
	if (v->wake_fd >= 0 && write(v->wake_fd, &one, sizeof(one)) < 0) {
		/* The counter is full: the thread has a wake-up pending. */
	}
}
