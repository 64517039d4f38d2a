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

void write_inval_folder(struct view *v, struct vdir *d)
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
	uint32_t bits = 0, kw_bits = 0, uid = p->uid;
	uint32_t flags = p->m->flags, kw = p->m->keywords;
	int k;

	if ((k = view_sysflag_lookup(name)) >= 0) {
		bits = view_sysflag_bits[k];
	} else {
		k = folder_keyword_index(f, name, on);
		if (k >= 0 && !view_keyword_shown(name))
			k = -EINVAL;
		if (strcasecmp(name, VIEW_FORWARDED) == 0 && !on)
			bits = MFLAG_PASSED;
		if (k == -ENOENT && !on)
			k = -1;
		else if (k < 0)
			return k == -ENOSPC ? -ENOSPC : -EINVAL;
		if (k >= 0)
			kw_bits = 1u << k;
	}
	/* Nothing to do as this view sees it; otherwise a change (not a
	 * new set), so that another program's since then stays. */
	if (on ? (flags & bits) == bits && (kw & kw_bits) == kw_bits :
		 (flags & bits) == 0 && (kw & kw_bits) == 0)
		return 0;
	k = on ? folder_change_flags(f, uid, bits, 0, kw_bits, 0) :
		 folder_change_flags(f, uid, 0, bits, 0, kw_bits);
	if (k == 0)
		inval_flags(v, p->d, uid);
	return k;
}

/* Resolves a parent directory inode for a change. */
int write_parent_node(struct view *v, fuse_ino_t ino, struct node *p)
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
	ret = write_parent_node(v, parent, &p);
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
	ret = write_parent_node(v, parent, &p);
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
	ret = write_parent_node(v, parent, &p);
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
			write_inval_folder(v, c.d);
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
		write_inval_folder(v, c->d);
		write_inval_folder(v, np->d);
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
	ret = flags != 0 ? -EINVAL : write_parent_node(v, parent, &p);
	if (ret == 0)
		ret = write_parent_node(v, newparent, &np);
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
