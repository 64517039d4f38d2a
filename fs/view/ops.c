/* The FUSE low-level operations of mailtree-fs: reading the tree, and
 * the errno of everything that makes no sense as mail.  Changes to mail
 * (flags, expunge, folders, appends) are in write.c. */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "folder.h"
#include "util.h"
#include "fs.h"
#include "view.h"
#include "write.h"

struct view *ops_view(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

void ops_lock(struct view *v)
{
	pthread_mutex_lock(&v->lock);
}

void ops_unlock(struct view *v)
{
	pthread_mutex_unlock(&v->lock);
}

/* Fills an entry reply for node n (under the lock). */
int ops_entry(struct view *v, const struct node *n, struct fuse_entry_param *e)
{
	memset(e, 0, sizeof(*e));
	e->ino = n->ino;
	e->generation = 0;
	e->attr_timeout = tree_timeout(v, n);
	e->entry_timeout = tree_entry_timeout(v, n);
	return tree_attr(v, n, &e->attr);
}

static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct view *v = ops_view(req);
	struct fuse_entry_param e;
	struct node p, c;
	int ret;

	ops_lock(v);
	ret = tree_node(v, parent, &p);
	if (ret == 0)
		ret = tree_lookup(v, &p, name, &c);
	if (ret == 0)
		ret = ops_entry(v, &c, &e);
	ops_unlock(v);
	if (ret < 0)
		fuse_reply_err(req, -ret);
	else
		fuse_reply_entry(req, &e);
}

/* Nothing to free: inode numbers are computed (see fs.h). */
static void op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	(void)ino;
	(void)nlookup;
	fuse_reply_none(req);
}

static void op_forget_multi(fuse_req_t req, size_t count,
			    struct fuse_forget_data *forgets)
{
	(void)count;
	(void)forgets;
	fuse_reply_none(req);
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	struct view *v = ops_view(req);
	struct stat st;
	struct node n;
	double timeout = 0;
	int ret;

	(void)fi;
	ops_lock(v);
	ret = tree_node(v, ino, &n);
	if (ret == 0)
		ret = tree_attr(v, &n, &st);
	if (ret == 0)
		timeout = tree_timeout(v, &n);
	ops_unlock(v);
	if (ret < 0)
		fuse_reply_err(req, -ret);
	else
		fuse_reply_attr(req, &st, timeout);
}

static bool is_flag_file(const struct node *n)
{
	return n->uid > 0 && n->entry > VE_FLAGS_DIR;
}

/*
 * Only what a flag file allows: `touch` (times, ignored) and truncation
 * to 0 (`: > flags/seen`).  Modes and owners are not mail (EPERM); the
 * bytes of a message and of a property are read-only (EROFS).
 */
static void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
		       int to_set, struct fuse_file_info *fi)
{
	struct view *v = ops_view(req);
	const int times = FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME |
			  FUSE_SET_ATTR_ATIME_NOW | FUSE_SET_ATTR_MTIME_NOW |
			  FUSE_SET_ATTR_CTIME;
	struct stat st;
	struct node n;
	int ret;

	(void)fi;
	ops_lock(v);
	ret = tree_node(v, ino, &n);
	if (ret == 0 && write_is_new_file(v, ino))
		ret = write_setattr(v, ino, attr, to_set, &st);
	else if (ret == 0 && n.d->kind == VDIR_PENDING)
		ret = tree_attr(v, &n, &st);	/* what cp sets: ignored */
	else if (ret == 0) {
		if (to_set & (FUSE_SET_ATTR_MODE | FUSE_SET_ATTR_UID |
			      FUSE_SET_ATTR_GID))
			ret = -EPERM;
		else if ((to_set & FUSE_SET_ATTR_SIZE) &&
			 !(is_flag_file(&n) && attr->st_size == 0))
			ret = n.entry == VE_DIR || n.entry == VE_FLAGS_DIR ||
			      (n.uid > 0 && view_mime_dir(n.entry)) ?
			      -EISDIR : -EROFS;
		else if ((to_set & times) && !is_flag_file(&n))
			ret = -EPERM;
		if (ret == 0)
			ret = tree_attr(v, &n, &st);
	}
	ops_unlock(v);
	if (ret < 0)
		fuse_reply_err(req, -ret);
	else
		fuse_reply_attr(req, &st, v->timeout);
}

/*
 * There is no opendir: the kernel then keeps every directory's listing in
 * its cache (FOPEN_CACHE_DIR) and sends no opendir and releasedir, so a
 * directory that was listed once costs nothing to list again, and one
 * listed for the first time (find, rsync) costs its readdirs alone.  A
 * cached listing is dropped when the directory's mtime changes, when the
 * kernel changes it itself (mkdir, create, unlink, rename) and when the
 * view invalidates the directory (changes.c, tree.c).
 */
static void readdir_common(fuse_req_t req, fuse_ino_t ino, size_t size,
			   off_t off, bool plus)
{
	struct view *v = ops_view(req);
	struct listing *l;
	struct node dn;
	char *out;
	size_t used = 0, i;
	int ret;

	ops_lock(v);
	ret = tree_node(v, ino, &dn);
	if (ret == 0)
		ret = tree_list_at(v, &dn, off, &l);
	if (ret < 0) {
		ops_unlock(v);
		fuse_reply_err(req, -ret);
		return;
	}
	out = xmalloc(size);
	for (i = (size_t)off; i < l->n; i++) {
		const char *name = l->names.data + l->ents[i].name;
		size_t need, room = size - used;

		if (plus) {
			struct fuse_entry_param e;
			struct node n;

			memset(&e, 0, sizeof(e));
			if (i < 2 || (l->ents[i].ino & 0xfff) == VE_BODY) {
				/* No attributes for body.txt: its size
				 * needs the message parsed, which a listing
				 * (find, ls) must not cost.  The kernel
				 * looks it up when it is used. */
				e.attr.st_ino = l->ents[i].ino;
				e.attr.st_mode = l->ents[i].type;
			} else if (tree_node(v, l->ents[i].ino, &n) < 0 ||
				   ops_entry(v, &n, &e) < 0) {
				continue;	/* gone since opendir */
			}
			need = fuse_add_direntry_plus(req, out + used, room,
						      name, &e, (off_t)(i + 1));
		} else {
			struct stat st;

			memset(&st, 0, sizeof(st));
			st.st_ino = l->ents[i].ino;
			st.st_mode = l->ents[i].type;
			need = fuse_add_direntry(req, out + used, room, name,
						 &st, (off_t)(i + 1));
		}
		if (need > room)
			break;
		used += need;
	}
	ops_unlock(v);
	fuse_reply_buf(req, out, used);
	free(out);
}

/* ENOSYS: the kernel opens directories itself from now on. */
static void op_opendir(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	(void)ino;
	(void)fi;
	fuse_reply_err(req, ENOSYS);
}

static void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	(void)fi;
	readdir_common(req, ino, size, off, false);
}

static void op_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size,
			   off_t off, struct fuse_file_info *fi)
{
	(void)fi;
	readdir_common(req, ino, size, off, true);
}

static void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct view *v = ops_view(req);
	struct ofile *o = NULL;
	struct node n;
	int ret, acc = fi->flags & O_ACCMODE;
	bool store = false;

	ops_lock(v);
	ret = tree_node(v, ino, &n);
	if (ret < 0)
		goto out;
	if (write_is_new_file(v, ino)) {
		ret = write_open(v, ino, fi);
		goto out;
	}
	if (n.d->kind == VDIR_PENDING) {
		/* A file cp made in a new message directory: empty, and
		 * what is written to it is discarded (pending.c). */
		struct stat st;

		tree_attr(v, &n, &st);
		if (S_ISDIR(st.st_mode)) {
			ret = -EISDIR;
			goto out;
		}
		o = xcalloc(1, sizeof(*o));
		o->kind = OFILE_SINK;
		o->fd = -1;
		o->pending = n.d->id;
		buf_init(&o->content);
		pending_open(v, o->pending, 1);
		fi->direct_io = 1;
		fi->fh = (uintptr_t)o;
		goto out;
	}
	if (n.entry == VE_DIR || n.entry == VE_FLAGS_DIR ||
	    (n.uid == 0 && n.entry == VE_FOLDER_DIR) ||
	    (n.uid > 0 && view_mime_dir(n.entry))) {
		ret = -EISDIR;
		goto out;
	}
	if (!is_flag_file(&n) && (acc != O_RDONLY || (fi->flags & O_TRUNC))) {
		ret = -EROFS;
		goto out;
	}
	o = xcalloc(1, sizeof(*o));
	o->fd = -1;
	o->ino = ino;
	buf_init(&o->content);
	if (n.uid > 0 && (n.entry == VE_EML || n.entry == VE_HEADER)) {
		struct stat st;

		ret = tree_attr(v, &n, &st);	/* caches the header size */
		if (ret == 0)
			ret = folder_msg_open(n.d->f, n.uid, &o->fd);
		if (ret < 0) {
			free(o);
			goto out;
		}
		o->limit = (uint64_t)st.st_size;
		fi->keep_cache = 1;	/* a message's bytes never change */
	} else if (n.uid > 0 && msgparts_entry(n.entry)) {
		ret = msgparts_open(v, &n, o);
		if (ret < 0) {
			buf_release(&o->content);
			free(o);
			goto out;
		}
		fi->keep_cache = 1;
	} else {
		tree_render(v, &n, &o->content);
		if (is_flag_file(&n) || n.uid == 0 ||
		    view_prop_mutable((int)(n.entry - VE_PROP)))
			fi->direct_io = 1;
		else
			fi->keep_cache = 1;
	}
	/* Nothing to do at close but for a file being written. */
	fi->noflush = 1;
	fi->fh = (uintptr_t)o;
	store = prefill_opened(v, ino) && fi->keep_cache;
out:
	ops_unlock(v);
	if (ret < 0) {
		fuse_reply_err(req, -ret);
		return;
	}
	if (store)
		prefill_store(v, ino, o);
	fuse_reply_open(req, fi);
}

static void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	struct ofile *o = (struct ofile *)(uintptr_t)fi->fh;
	uint64_t end;

	(void)ino;
	if (o->kind == OFILE_NEW) {
		fuse_reply_err(req, EBADF);
		return;
	}
	if (o->fd < 0) {
		if ((uint64_t)off >= o->content.len)
			size = 0;
		else if (size > o->content.len - (size_t)off)
			size = o->content.len - (size_t)off;
		fuse_reply_buf(req, o->content.data + (size > 0 ? off : 0), size);
		return;
	}
	end = (uint64_t)off + size;
	if ((uint64_t)off >= o->limit)
		size = 0;
	else if (end > o->limit)
		size = (size_t)(o->limit - (uint64_t)off);
	struct fuse_bufvec bv = FUSE_BUFVEC_INIT(size);
	bv.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
	bv.buf[0].fd = o->fd;
	bv.buf[0].pos = (off_t)o->base + off;
	fuse_reply_data(req, &bv, FUSE_BUF_SPLICE_MOVE);
}

static void op_write(fuse_req_t req, fuse_ino_t ino, const char *data,
		     size_t size, off_t off, struct fuse_file_info *fi)
{
	struct ofile *o = (struct ofile *)(uintptr_t)fi->fh;
	struct view *v = ops_view(req);
	int ret;

	(void)ino;
	if (o->kind == OFILE_NEW) {
		ops_lock(v);
		ret = write_data(v, o, data, size, off);
		ops_unlock(v);
	} else if (o->kind == OFILE_SINK) {
		ret = 0;
	} else {
		/* Flag files are empty: their existence is the flag. */
		ret = size == 0 ? 0 : -EINVAL;
	}
	if (ret < 0)
		fuse_reply_err(req, -ret);
	else
		fuse_reply_write(req, size);
}

/* close(): a new message is saved at the first close after data was
 * written, so close() reports failure.  A close before any data (a shell
 * closing its copy after dup2()) saves nothing yet. */
static void op_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct ofile *o = (struct ofile *)(uintptr_t)fi->fh;
	struct view *v = ops_view(req);
	int ret = 0;

	(void)ino;
	if (o->kind == OFILE_NEW && (o->written > 0 || o->error)) {
		ops_lock(v);
		ret = write_finish(v, o);
		ops_unlock(v);
	}
	fuse_reply_err(req, -ret);
}

static void op_release(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	struct ofile *o = (struct ofile *)(uintptr_t)fi->fh;
	struct view *v = ops_view(req);

	(void)ino;
	if (o->kind == OFILE_NEW) {
		ops_lock(v);
		write_release(v, o);
		ops_unlock(v);
	} else {
		ops_lock(v);
		if (o->kind == OFILE_SINK)
			pending_open(v, o->pending, -1);
		else
			prefill_closed(v, o->ino);
		ops_unlock(v);
		if (o->fd >= 0)
			close(o->fd);
		buf_release(&o->content);
		free(o);
	}
	fuse_reply_err(req, 0);
}

static void op_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct view *v = ops_view(req);
	struct statvfs sv;

	(void)ino;
	if (statvfs(v->store, &sv) < 0) {
		fuse_reply_err(req, errno);
		return;
	}
	sv.f_namemax = 255;
	fuse_reply_statfs(req, &sv);
}

/* Hard links, symlinks and device nodes are not mail. */
static void op_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent,
		    const char *newname)
{
	(void)ino;
	(void)newparent;
	(void)newname;
	fuse_reply_err(req, EPERM);
}

static void op_symlink(fuse_req_t req, const char *link, fuse_ino_t parent,
		       const char *name)
{
	(void)link;
	(void)parent;
	(void)name;
	fuse_reply_err(req, EPERM);
}

static void op_mknod(fuse_req_t req, fuse_ino_t parent, const char *name,
		     mode_t mode, dev_t rdev)
{
	(void)parent;
	(void)name;
	(void)mode;
	(void)rdev;
	fuse_reply_err(req, EPERM);
}

static void op_readlink(fuse_req_t req, fuse_ino_t ino)
{
	(void)ino;
	fuse_reply_err(req, EINVAL);
}

static void op_init(void *userdata, struct fuse_conn_info *conn)
{
	(void)userdata;
	if (conn->capable & FUSE_CAP_SPLICE_WRITE)
		conn->want |= FUSE_CAP_SPLICE_WRITE | FUSE_CAP_SPLICE_MOVE;
	/* Always readdirplus: a folder's listing then gives the kernel
	 * every message directory's entry, which stays valid until the
	 * message goes, so reading the messages after listing them looks up no UID. */
	if (conn->capable & FUSE_CAP_READDIRPLUS) {
		conn->want |= FUSE_CAP_READDIRPLUS;
		conn->want &= ~(unsigned)FUSE_CAP_READDIRPLUS_AUTO;
	}
	/* No opendir: see readdir_common(). */
	if (conn->capable & FUSE_CAP_NO_OPENDIR_SUPPORT)
		conn->want |= FUSE_CAP_NO_OPENDIR_SUPPORT;
	/* Listings are dropped when a directory's mtime changes. */
	if (conn->capable & FUSE_CAP_AUTO_INVAL_DATA)
		conn->want |= FUSE_CAP_AUTO_INVAL_DATA;
	/* Appends must see their bytes in order, so no writeback cache. */
	conn->want &= ~(unsigned)FUSE_CAP_WRITEBACK_CACHE;
}

const struct fuse_lowlevel_ops view_ops = {
	.init = op_init,
	.lookup = op_lookup,
	.forget = op_forget,
	.forget_multi = op_forget_multi,
	.getattr = op_getattr,
	.setattr = op_setattr,
	.readlink = op_readlink,
	.mknod = op_mknod,
	.mkdir = write_mkdir,
	.unlink = write_unlink,
	.rmdir = write_rmdir,
	.symlink = op_symlink,
	.rename = write_rename,
	.link = op_link,
	.open = op_open,
	.read = op_read,
	.write = op_write,
	.flush = op_flush,
	.release = op_release,
	.opendir = op_opendir,
	.readdir = op_readdir,
	.readdirplus = op_readdirplus,
	.create = write_create,
	.statfs = op_statfs,
};
