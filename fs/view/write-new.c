/* New files of the FUSE view: a file written into a folder, appended
 * as a message when it is closed (write.h), and the files cp makes in a
 * new message directory (pending.c). */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "folder.h"
#include "save.h"
#include "util.h"
#include "view.h"
#include "write.h"

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
			write_inval_folder(v, d);
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
	ret = write_parent_node(v, parent, &p);
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
