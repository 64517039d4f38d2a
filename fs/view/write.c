/* Changes to mail through the FUSE view (see write.h). */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "folder.h"
#include "mailbox.h"
#include "maildir-name.h"
#include "save.h"
#include "util.h"
#include "view.h"
#include "write.h"

/* Kernel caches to drop after a message's flags changed here. */
static void inval_flags(struct view *v, struct vdir *d, uint32_t uid)
{
	unsigned int k;

	view_inval(v, view_ino(d->id, uid, VE_PROP + VP_FLAGS), NULL);
	view_inval(v, view_ino(d->id, uid, VE_PROP + VP_MODSEQ), NULL);
	view_inval(v, view_ino(d->id, uid, VE_FLAGS_DIR), NULL);
	for (k = 0; k < VF_COUNT; k++)
		view_inval(v, view_ino(d->id, 0, VE_FOLDER_PROP + k), NULL);
}

static void inval_folder(struct view *v, struct vdir *d)
{
	unsigned int k;

	view_inval(v, view_ino(d->id, 0, VE_DIR), NULL);
	for (k = 0; k < VF_COUNT; k++)
		view_inval(v, view_ino(d->id, 0, VE_FOLDER_PROP + k), NULL);
}

/* Sets (on) or clears the flag file `name` of the message p is in. */
int write_set_flag(struct view *v, const struct node *p, const char *name,
		   bool on)
{
	struct folder *f = p->d->f;
	uint32_t flags = p->m->flags, kw = p->m->keywords, uid = p->uid;
	int k;

	if ((k = view_sysflag_lookup(name)) >= 0) {
		if (on)
			flags |= view_sysflag_bits[k];
		else
			flags &= ~view_sysflag_bits[k];
	} else {
		k = folder_keyword_index(f, name, on);
		if (k >= 0 && !view_keyword_shown(name))
			k = -EINVAL;
		if (strcasecmp(name, VIEW_FORWARDED) == 0 && !on)
			flags &= ~(uint32_t)MFLAG_PASSED;
		if (k == -ENOENT && !on)
			k = -1;
		else if (k < 0)
			return k == -ENOSPC ? -ENOSPC : -EINVAL;
		if (k >= 0) {
			if (on)
				kw |= 1u << k;
			else
				kw &= ~(1u << k);
		}
	}
	if (flags == p->m->flags && kw == p->m->keywords)
		return 0;
	k = folder_set_flags(f, uid, flags, kw);
	if (k == 0)
		inval_flags(v, p->d, uid);
	return k;
}

/* Resolves a parent directory inode for a change. */
static int parent_node(struct view *v, fuse_ino_t ino, struct node *p)
{
	int ret = tree_node(v, ino, p);

	if (ret < 0)
		return ret;
	if (p->entry != VE_DIR && p->entry != VE_FLAGS_DIR &&
	    !(p->uid == 0 && p->entry == VE_FOLDER_DIR) &&
	    !(p->uid > 0 && view_mime_dir(p->entry)))
		return -ENOTDIR;
	return 0;
}

static void reply_entry_for(fuse_req_t req, struct view *v, fuse_ino_t ino)
{
	struct fuse_entry_param e;
	struct node n;
	int ret = tree_node(v, ino, &n);

	if (ret == 0)
		ret = ops_entry(v, &n, &e);
	ops_unlock(v);
	if (ret < 0)
		fuse_reply_err(req, -ret);
	else
		fuse_reply_entry(req, &e);
}

/* The full folder name for entry `name` in directory p. */
static int child_folder_name(const struct node *p, const char *name,
			     struct buf *full)
{
	struct buf level = BUF_INIT;
	const char *why;
	int ret;

	if (p->d->kind == VDIR_ROOT || p->uid != 0 || p->entry != VE_DIR)
		return -EPERM;
	ret = view_entry_folder(name, &level);
	if (ret == 0) {
		if (p->d->name[0] != '\0')
			buf_printf(full, "%s/", p->d->name);
		buf_append(full, level.data, level.len);
		ret = mailbox_name_check(full->data, &why);
	} else {
		ret = -EINVAL;
	}
	buf_release(&level);
	return ret;
}

void write_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name,
		 mode_t mode)
{
	struct view *v = ops_view(req);
	struct buf full = BUF_INIT;
	struct node p, c;
	int ret;

	(void)mode;
	ops_lock(v);
	ret = parent_node(v, parent, &p);
	if (ret == 0 && (p.d->kind == VDIR_PENDING ||
			 (p.d->kind == VDIR_FOLDER && p.uid == 0 &&
			  p.entry == VE_DIR && view_name_digits(name)))) {
		fuse_ino_t ino;

		/* A new message directory, or a directory inside one
		 * (pending.c): what cp -r of a message directory makes. */
		if (p.d->kind == VDIR_PENDING)
			ret = pending_mknode(v, &p, name, true, &ino);
		else if (tree_lookup(v, &p, name, &c) == 0)
			ret = -EEXIST;
		else if (tree_folder_exists(&v->users[p.d->user], p.d->name) != 2)
			ret = -EPERM;
		else
			ret = pending_mkdir(v, p.d, name, &ino);
		if (ret == 0) {
			view_inval(v, parent, NULL);
			reply_entry_for(req, v, ino);
			return;
		}
	}
	if (ret == 0)
		ret = child_folder_name(&p, name, &full);
	if (ret == 0) {
		struct vuser *u = &v->users[p.d->user];

		tree_user_folders(v, u, true);
		if (tree_folder_exists(u, full.data) == 2)
			ret = -EEXIST;
		else
			ret = mailbox_folder_create(u->mbox, full.data);
		tree_user_folders(v, u, true);
	}
	if (ret == 0) {
		struct vdir *d = tree_get_dir(v, p.d->user, full.data);

		view_inval(v, parent, NULL);
		buf_release(&full);
		if (d == NULL) {
			ops_unlock(v);
			fuse_reply_err(req, ENOSPC);
			return;
		}
		reply_entry_for(req, v, view_ino(d->id, 0, VE_DIR));
		return;
	}
	ops_unlock(v);
	buf_release(&full);
	fuse_reply_err(req, -ret);
}

/*
 * unlink: in flags/ it clears the flag.  In a message directory it only
 * hides the file from this mount, so that `rm -r` can empty the directory
 * before removing it, which is what expunges the message.
 */
void write_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct view *v = ops_view(req);
	struct node p, c;
	int ret;

	ops_lock(v);
	ret = parent_node(v, parent, &p);
	if (ret == 0 && p.d->kind == VDIR_PENDING) {
		ret = pending_remove(v, &p, name, false);
		goto out;
	}
	if (ret == 0)
		ret = tree_lookup(v, &p, name, &c);
	if (ret == 0 && p.uid > 0 && p.entry == VE_FLAGS_DIR) {
		ret = write_set_flag(v, &p, name, false);
	} else if (ret == 0 && p.uid > 0 && p.entry == VE_DIR) {
		struct vmsg *x = tree_vmsg(p.d, p.uid, true);

		x->hidden |= 1ull << c.entry;
	} else if (ret == 0 && p.uid > 0) {
		ret = 0;	/* in attachments/ or parts/: see write_rmdir */
	} else if (ret == 0 && p.uid == 0 && c.entry >= VE_NEW) {
		ret = -EBUSY;	/* being written; it is saved on close */
	} else if (ret == 0 && p.uid == 0 && p.entry == VE_FOLDER_DIR) {
		ret = 0;	/* computed: rm -r of a folder passes by */
	} else if (ret == 0) {
		ret = -EPERM;
	}
out:
	ops_unlock(v);
	fuse_reply_err(req, -ret);
}

void write_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct view *v = ops_view(req);
	struct listing l;
	struct node p, c;
	int ret;

	memset(&l, 0, sizeof(l));
	buf_init(&l.names);
	ops_lock(v);
	ret = parent_node(v, parent, &p);
	if (ret == 0 && p.d->kind == VDIR_PENDING) {
		ret = pending_remove(v, &p, name, true);
		goto out;
	}
	if (ret == 0)
		ret = tree_lookup(v, &p, name, &c);
	if (ret == 0 && c.d->kind == VDIR_PENDING) {
		ret = pending_rmdir(v, c.d);
		goto out;
	}
	/* .folder is computed; rm -r of a folder removes it in passing. */
	if (ret == 0 && c.uid == 0 && c.entry == VE_FOLDER_DIR) {
		ops_unlock(v);
		fuse_reply_err(req, 0);
		return;
	}
	/* The MIME directories are computed: rm -r hides attachments/ and
	 * parts/ in this mount, whatever they hold. */
	if (ret == 0 && c.uid > 0 && view_mime_dir(c.entry)) {
		if (c.entry == VE_ATTACH_DIR || c.entry == VE_PARTS_DIR)
			tree_vmsg(c.d, c.uid, true)->hidden |= 1ull << c.entry;
		ops_unlock(v);
		fuse_reply_err(req, 0);
		return;
	}
	if (ret == 0 && c.entry != VE_DIR && c.entry != VE_FLAGS_DIR)
		ret = -ENOTDIR;
	if (ret == 0)
		ret = tree_list(v, &c, &l);
	/* Empty: nothing but ".", ".." and a folder's ".folder". */
	if (ret == 0 && l.n > 2u + (c.uid == 0 && l.n > 2 &&
				   strcmp(l.names.data + l.ents[2].name,
					  VIEW_FOLDER_DIR) == 0))
		ret = -ENOTEMPTY;
	if (ret == 0 && c.uid > 0 && c.entry == VE_FLAGS_DIR) {
		tree_vmsg(c.d, c.uid, true)->hidden |= 1ull << VE_FLAGS_DIR;
	} else if (ret == 0 && c.uid > 0) {
		ret = folder_expunge(c.d->f, c.uid);
		if (ret == 0)
			inval_folder(v, c.d);
	} else if (ret == 0) {
		struct vuser *u = &v->users[c.d->user];

		ret = mailbox_folder_delete(u->mbox, c.d->name, false);
		if (ret == 0) {
			tree_drop_dir(v, c.d);
			tree_user_folders(v, u, true);
			view_inval(v, parent, NULL);
		}
	}
out:
	ops_unlock(v);
	buf_release(&l.names);
	free(l.ents);
	fuse_reply_err(req, -ret);
}

/* Renames the directories of a folder and of every folder below it,
 * keeping their inodes (the kernel keeps the renamed dentries). */
static void rename_tree(struct view *v, unsigned int user, const char *from,
			const char *to)
{
	struct buf name = BUF_INIT;
	size_t i, len = strlen(from);

	for (i = 0; i < v->n_dirs; i++) {
		struct vdir *d = v->dirs[i];

		if (d->kind == VDIR_FOLDER && d->user == user && !d->gone &&
		    strncmp(d->name, from, len) == 0 &&
		    (d->name[len] == '\0' || d->name[len] == '/')) {
			buf_reset(&name);
			buf_printf(&name, "%s%s", to, d->name + len);
			tree_rename_dir(v, d, name.data);
		}
	}
	buf_release(&name);
}

static int move_message(struct view *v, const struct node *c,
			const struct node *np)
{
	struct folder *dst;
	uint32_t uid;
	int ret;

	if (np->d->kind != VDIR_FOLDER || np->uid != 0 || np->entry != VE_DIR ||
	    np->d->user != c->d->user)
		return -EXDEV;
	if (np->d == c->d)
		return -EINVAL;	/* renaming a message is not mail */
	ret = tree_folder(v, np->d, false, &dst);
	if (ret < 0)
		return ret;
	ret = folder_move(c->d->f, c->uid, dst, &uid);
	if (ret == 0) {
		inval_folder(v, c->d);
		inval_folder(v, np->d);
	}
	return ret;
}

/*
 * mv of a message directory into another folder moves the message (it
 * gets the next UID there, whatever the target name); mv of a folder
 * renames it with its children.  Nothing else can be renamed.
 */
void write_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
		  fuse_ino_t newparent, const char *newname,
		  unsigned int flags)
{
	struct view *v = ops_view(req);
	struct buf full = BUF_INIT;
	struct node p, np, c;
	int ret;

	ops_lock(v);
	ret = flags != 0 ? -EINVAL : parent_node(v, parent, &p);
	if (ret == 0)
		ret = parent_node(v, newparent, &np);
	if (ret == 0)
		ret = tree_lookup(v, &p, name, &c);
	if (ret == 0 && c.uid > 0 && c.entry == VE_DIR) {
		ret = move_message(v, &c, &np);
		if (ret == 0)
			view_inval(v, newparent, newname);
	} else if (ret == 0 && c.d->kind == VDIR_FOLDER && c.uid == 0 &&
		   c.entry == VE_DIR) {
		struct vuser *u = &v->users[c.d->user];

		if (np.d->user != c.d->user || np.d->kind == VDIR_ROOT)
			ret = -EXDEV;
		else
			ret = child_folder_name(&np, newname, &full);
		if (ret == 0 && strcmp(full.data, c.d->name) == 0)
			ret = 0;	/* same name: nothing to do */
		else if (ret == 0) {
			char *old = xstrdup(c.d->name);

			ret = mailbox_folder_rename(u->mbox, old, full.data);
			if (ret == -EEXIST)
				ret = -ENOTEMPTY;
			if (ret == 0) {
				rename_tree(v, c.d->user, old, full.data);
				view_inval(v, parent, NULL);
				view_inval(v, newparent, NULL);
			}
			free(old);
			tree_user_folders(v, u, true);
		}
	} else if (ret == 0) {
		ret = -EPERM;
	}
	ops_unlock(v);
	buf_release(&full);
	fuse_reply_err(req, -ret);
}

/* New files. */

static struct ofile *new_file(struct view *v, fuse_ino_t ino)
{
	unsigned int e = ino & 0xfff;

	if ((ino >> 12 & 0xffffffff) != 0 || e < VE_NEW ||
	    e >= VE_NEW + VIEW_NEW_MAX)
		return NULL;
	struct ofile *o = v->newfiles[e - VE_NEW];
	return o != NULL && o->ino == ino ? o : NULL;
}

bool write_is_new_file(struct view *v, fuse_ino_t ino)
{
	return new_file(v, ino) != NULL;
}

fuse_ino_t write_new_lookup(struct view *v, uint32_t dir, const char *name)
{
	size_t i;

	for (i = 0; i < VIEW_NEW_MAX; i++) {
		struct ofile *o = v->newfiles[i];

		if (o != NULL && o->dir == dir && !o->done && o->pending == 0 &&
		    strcmp(o->name, name) == 0)
			return o->ino;
	}
	return 0;
}

int write_new_attr(struct view *v, fuse_ino_t ino, struct stat *st)
{
	struct ofile *o = new_file(v, ino);

	if (o == NULL)
		return -ENOENT;
	st->st_mode = S_IFREG | 0644;
	st->st_size = (off_t)o->written;
	st->st_blocks = (st->st_size + 511) / 512;
	st->st_atime = st->st_mtime = st->st_ctime = time(NULL);
	return 0;
}

void write_new_list(struct view *v, uint32_t dir, struct listing *l)
{
	size_t i;

	for (i = 0; i < VIEW_NEW_MAX; i++) {
		struct ofile *o = v->newfiles[i];

		if (o == NULL || o->dir != dir || o->done || o->pending != 0)
			continue;
		l->ents = xgrow(l->ents, &l->cap, l->n + 1, sizeof(*l->ents));
		l->ents[l->n].ino = o->ino;
		l->ents[l->n].type = S_IFREG;
		l->ents[l->n].name = l->names.len;
		buf_puts(&l->names, o->name);
		buf_putc(&l->names, '\0');
		l->n++;
	}
}

int write_open(struct view *v, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)v;
	(void)ino;
	(void)fi;
	return -EBUSY;	/* one writer per new file: the one that made it */
}

int write_data(struct view *v, struct ofile *o, const char *data, size_t size,
	       off_t off)
{
	int ret;

	(void)v;
	if (o->done || o->error)
		return -(o->error ? o->error : EBADF);
	if ((uint64_t)off != o->written) {
		o->error = EINVAL;	/* a message is written in order */
		return -EINVAL;
	}
	ret = save_write(o->save, data, size);
	if (ret < 0) {
		o->error = -ret;
		return ret;
	}
	o->written += size;
	return 0;
}

int write_setattr(struct view *v, fuse_ino_t ino, const struct stat *attr,
		  int to_set, struct stat *st_r)
{
	struct ofile *o = new_file(v, ino);

	if (o == NULL)
		return -ENOENT;
	if ((to_set & FUSE_SET_ATTR_SIZE) && (uint64_t)attr->st_size != o->written)
		return -EINVAL;
	if (to_set & (FUSE_SET_ATTR_MODE | FUSE_SET_ATTR_UID |
		      FUSE_SET_ATTR_GID))
		return -EPERM;
	memset(st_r, 0, sizeof(*st_r));
	st_r->st_ino = ino;
	st_r->st_nlink = 1;
	st_r->st_uid = v->users[tree_dir(v, o->dir)->user].uid;
	st_r->st_gid = v->users[tree_dir(v, o->dir)->user].gid;
	return write_new_attr(v, ino, st_r);
}

int write_finish(struct view *v, struct ofile *o)
{
	struct vdir *d = tree_dir(v, o->dir);
	uint32_t uid = 0;
	int ret;

	if (o->done)
		return o->error ? -o->error : 0;
	o->done = true;
	if (o->error) {
		save_abort(&o->save);
		ret = -o->error;
	} else if (o->written == 0) {
		save_abort(&o->save);	/* an empty file is no message */
		ret = 0;
	} else {
		ret = save_finish(&o->save, 0, 0, 0, &uid);
		if (ret < 0)
			o->error = -ret;
	}
	if (o->pending != 0)
		pending_saved(v, o->pending, ret == 0 ? uid : 0);
	if (d != NULL) {
		struct folder *f;

		if (tree_folder(v, d, true, &f) == 0)
			inval_folder(v, d);
		view_inval(v, view_ino(d->id, 0, VE_DIR), o->name);
	}
	return ret;
}

void write_release(struct view *v, struct ofile *o)
{
	unsigned int e = o->ino & 0xfff;

	write_finish(v, o);
	v->newfiles[e - VE_NEW] = NULL;
	free(o->name);
	free(o);
}

int write_new_start(struct view *v, struct vdir *d, const char *name,
		    uint32_t pending, struct ofile **o_r)
{
	struct folder *f;
	struct ofile *o;
	size_t slot;
	int ret;

	for (slot = 0; slot < VIEW_NEW_MAX && v->newfiles[slot] != NULL; slot++)
		;
	ret = slot == VIEW_NEW_MAX ? -ENFILE : tree_folder(v, d, false, &f);
	if (ret < 0)
		return ret;
	o = xcalloc(1, sizeof(*o));
	o->kind = OFILE_NEW;
	o->fd = -1;
	buf_init(&o->content);
	o->ino = view_ino(d->id, 0, VE_NEW + (unsigned)slot);
	o->dir = d->id;
	o->pending = pending;
	o->name = xstrdup(name);
	ret = save_begin(f, &o->save);
	if (ret < 0) {
		free(o->name);
		free(o);
		return ret;
	}
	v->newfiles[slot] = o;
	*o_r = o;
	return 0;
}

/* A file in a new message directory (pending.c). */
static int create_pending(struct view *v, const struct node *p,
			  const char *name, struct ofile **o_r)
{
	struct ofile *o;
	fuse_ino_t ino;
	int ret;

	if (p->uid == 0 && strcmp(name, VIEW_MESSAGE_FILE) == 0)
		return pending_create_eml(v, p, o_r);
	ret = pending_mknode(v, p, name, false, &ino);
	if (ret < 0)
		return ret;
	o = xcalloc(1, sizeof(*o));
	o->kind = OFILE_SINK;
	o->fd = -1;
	o->ino = ino;
	o->pending = p->d->id;
	buf_init(&o->content);
	pending_open(v, o->pending, 1);
	*o_r = o;
	return 0;
}

/*
 * create: in flags/ it sets the flag; in a folder it starts a new message
 * (write.h); in a new message directory see pending.c.  Anywhere else it
 * is not mail.
 */
void write_create(fuse_req_t req, fuse_ino_t parent, const char *name,
		  mode_t mode, struct fuse_file_info *fi)
{
	struct view *v = ops_view(req);
	struct fuse_entry_param e;
	struct node p, c;
	struct ofile *o = NULL;
	int ret;

	(void)mode;
	ops_lock(v);
	ret = parent_node(v, parent, &p);
	if (ret < 0)
		goto out;
	if (p.uid > 0 && p.entry == VE_FLAGS_DIR) {
		ret = write_set_flag(v, &p, name, true);
		if (ret == 0)
			ret = tree_node(v, parent, &p);
		if (ret == 0)
			ret = tree_lookup(v, &p, name, &c);
		if (ret == 0)
			ret = ops_entry(v, &c, &e);
		if (ret == 0) {
			o = xcalloc(1, sizeof(*o));
			o->fd = -1;
			buf_init(&o->content);
			fi->direct_io = 1;
		}
		goto out;
	}
	if (p.d->kind == VDIR_PENDING) {
		ret = create_pending(v, &p, name, &o);
	} else if (p.d->kind != VDIR_FOLDER || p.uid != 0 ||
		   p.entry != VE_DIR ||
		   tree_folder_exists(&v->users[p.d->user], p.d->name) != 2 ||
		   name[0] == '.') {
		ret = -EPERM;
	} else if (tree_lookup(v, &p, name, &c) == 0) {
		ret = -EEXIST;
	} else {
		ret = write_new_start(v, p.d, name, 0, &o);
	}
	if (ret < 0) {
		o = NULL;
		goto out;
	}
	ret = tree_node(v, o->ino, &c);
	if (ret == 0)
		ret = ops_entry(v, &c, &e);
	e.attr_timeout = e.entry_timeout = 0;
	fi->direct_io = 1;
out:
	ops_unlock(v);
	if (ret < 0) {
		fuse_reply_err(req, -ret);
		return;
	}
	fi->fh = (uintptr_t)o;
	fuse_reply_create(req, &e, fi);
}
