/*
 * New message directories: what makes `cp -r INBOX/12 Archive/` a copy.
 *
 * mkdir of a UID-like name in a folder (one that is not a message there)
 * makes a pending directory, which lives only in this mount.  A
 * message.eml written into it is appended to the folder when it is
 * closed, as any file written into a folder is (write.h); files created
 * in its flags/ set those flags on the new message (before or after the
 * message is saved); every other file and directory cp makes is accepted
 * and discarded, and shows empty.  The new message gets the folder's
 * next UID, shown as its own directory; the pending directory goes away
 * PENDING_SAVED_SECS after the last use once the message is saved (or
 * PENDING_IDLE_SECS when nothing was saved), or at rmdir.
 *
 * A pending directory is a VDIR_PENDING in the directory table; its
 * nodes are numbered in the UID field of the inode (node 0 is the
 * directory itself), so they need no entry numbers of the folder.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "folder.h"
#include "util.h"
#include "fs.h"
#include "view.h"
#include "write.h"

#define PENDING_SAVED_SECS 3
#define PENDING_IDLE_SECS 60
#define PENDING_NODES_MAX 4096

enum pnode_kind { PN_DIR, PN_FILE, PN_FLAGS, PN_FLAG, PN_EML };

struct pnode {
	uint32_t parent;
	char *name;
	enum pnode_kind kind;
	bool gone;
};

struct pending {
	uint32_t folder;	/* dir id of the folder */
	struct pnode *nodes;
	size_t n, cap;
	uint32_t saved_uid;	/* 0 until message.eml is saved */
	fuse_ino_t eml_ino;	/* the new file while it is written */
	char **flags;		/* flag files made before the save */
	size_t n_flags;
	unsigned int open;	/* open files */
	time_t touched;
};

static time_t now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static uint32_t add_node(struct pending *pd, uint32_t parent, const char *name,
			 enum pnode_kind kind)
{
	pd->nodes = xgrow(pd->nodes, &pd->cap, pd->n + 1, sizeof(*pd->nodes));
	pd->nodes[pd->n].parent = parent;
	pd->nodes[pd->n].name = xstrdup(name);
	pd->nodes[pd->n].kind = kind;
	pd->nodes[pd->n].gone = false;
	return (uint32_t)pd->n++;
}

static void pending_free(struct pending **pdp)
{
	struct pending *pd = *pdp;
	size_t i;

	if (pd == NULL)
		return;
	for (i = 0; i < pd->n; i++)
		free(pd->nodes[i].name);
	for (i = 0; i < pd->n_flags; i++)
		free(pd->flags[i]);
	free(pd->flags);
	free(pd->nodes);
	free(pd);
	*pdp = NULL;
}

void pending_release_dir(struct vdir *d)
{
	pending_free(&d->pend);
}

/* The live pending directory `name` of folder directory `folder`. */
static struct vdir *find(struct view *v, uint32_t folder, const char *name)
{
	size_t i;

	for (i = 0; i < v->n_pend; i++) {
		struct vdir *d = tree_dir(v, v->pend[i]);

		if (d->pend->folder == folder && strcmp(d->name, name) == 0)
			return d;
	}
	return NULL;
}

fuse_ino_t pending_lookup_in_folder(struct view *v, uint32_t folder,
				    const char *name)
{
	struct vdir *d = find(v, folder, name);

	return d != NULL ? view_ino(d->id, 0, VE_DIR) : 0;
}

void pending_list_in_folder(struct view *v, struct vdir *folder,
			    struct listing *l)
{
	size_t i;
	uint32_t uid;

	for (i = 0; i < v->n_pend; i++) {
		struct vdir *d = tree_dir(v, v->pend[i]);

		if (d->pend->folder != folder->id ||
		    (view_name_uid(d->name, &uid) && folder->f != NULL &&
		     folder_find_uid(folder->f, uid) != NULL))
			continue;
		tree_list_add(l, d->name, view_ino(d->id, 0, VE_DIR), S_IFDIR);
	}
}

int pending_mkdir(struct view *v, struct vdir *folder, const char *name,
		  fuse_ino_t *ino_r)
{
	struct vdir *d;
	struct pending *pd;

	if (find(v, folder->id, name) != NULL)
		return -EEXIST;
	if (v->n_pend >= VIEW_PENDING_MAX)
		return -ENOSPC;
	d = tree_new_dir(v, VDIR_PENDING, folder->user, name);
	if (d == NULL)
		return -ENOSPC;
	pd = xcalloc(1, sizeof(*pd));
	pd->folder = folder->id;
	pd->touched = now();
	add_node(pd, 0, "", PN_DIR);
	d->pend = pd;
	v->pend[v->n_pend++] = d->id;
	*ino_r = view_ino(d->id, 0, VE_DIR);
	return 0;
}

static void drop(struct view *v, size_t i)
{
	struct vdir *d = tree_dir(v, v->pend[i]);
	struct vdir *folder = tree_dir(v, d->pend->folder);

	view_inval(v, view_ino(folder->id, 0, VE_DIR), d->name);
	view_inval(v, view_ino(folder->id, 0, VE_DIR), NULL);
	pending_free(&d->pend);
	d->gone = true;
	v->pend[i] = v->pend[--v->n_pend];
}

void pending_expire(struct view *v)
{
	time_t t = now();
	size_t i;

	for (i = v->n_pend; i > 0; i--) {
		struct pending *pd = tree_dir(v, v->pend[i - 1])->pend;
		time_t idle = pd->saved_uid ? PENDING_SAVED_SECS : PENDING_IDLE_SECS;

		if (pd->open == 0 && pd->eml_ino == 0 && t - pd->touched >= idle)
			drop(v, i - 1);
	}
}

int pending_node(struct view *v, struct node *n)
{
	struct pending *pd = n->d->pend;

	(void)v;
	if (pd == NULL || n->entry != VE_DIR || n->uid >= pd->n ||
	    pd->nodes[n->uid].gone)
		return -ENOENT;
	return 0;
}

int pending_lookup(struct view *v, const struct node *p, const char *name,
		   fuse_ino_t *ino_r)
{
	struct pending *pd = p->d->pend;
	size_t i;

	if (p->uid == 0 && strcmp(name, VIEW_MESSAGE_FILE) == 0) {
		if (pd->eml_ino != 0) {
			*ino_r = pd->eml_ino;
			return 0;
		}
		if (pd->saved_uid != 0) {
			*ino_r = view_ino(pd->folder, pd->saved_uid, VE_EML);
			return 0;
		}
	}
	for (i = 1; i < pd->n; i++) {
		if (!pd->nodes[i].gone && pd->nodes[i].parent == p->uid &&
		    strcmp(pd->nodes[i].name, name) == 0) {
			*ino_r = view_ino(p->d->id, (uint32_t)i, VE_DIR);
			return 0;
		}
	}
	(void)v;
	return -ENOENT;
}

int pending_list(struct view *v, const struct node *n, struct listing *l)
{
	struct pending *pd = n->d->pend;
	fuse_ino_t ino;
	size_t i;

	if (pd->nodes[n->uid].kind != PN_DIR && pd->nodes[n->uid].kind != PN_FLAGS)
		return -ENOTDIR;
	if (n->uid == 0 && pending_lookup(v, n, VIEW_MESSAGE_FILE, &ino) == 0)
		tree_list_add(l, VIEW_MESSAGE_FILE, ino, S_IFREG);
	for (i = 1; i < pd->n; i++) {
		const struct pnode *c = &pd->nodes[i];

		if (!c->gone && c->parent == n->uid)
			tree_list_add(l, c->name,
				      view_ino(n->d->id, (uint32_t)i, VE_DIR),
				      c->kind == PN_DIR || c->kind == PN_FLAGS ?
				      S_IFDIR : S_IFREG);
	}
	return 0;
}

void pending_attr(struct view *v, const struct node *n, struct stat *st)
{
	enum pnode_kind k = n->d->pend->nodes[n->uid].kind;

	(void)v;
	st->st_mode = k == PN_DIR || k == PN_FLAGS ? S_IFDIR | 0755 :
		      S_IFREG | 0644;
	st->st_nlink = S_ISDIR(st->st_mode) ? 2 : 1;
	st->st_atime = st->st_mtime = st->st_ctime = time(NULL);
}

/* Sets a flag named in flags/ on the saved message. */
static int apply_flag(struct view *v, struct pending *pd, const char *name)
{
	struct node m;
	int ret = tree_node(v, view_ino(pd->folder, pd->saved_uid,
					VE_FLAGS_DIR), &m);

	return ret < 0 ? ret : write_set_flag(v, &m, name, true);
}

int pending_mknode(struct view *v, const struct node *p, const char *name,
		   bool dir, fuse_ino_t *ino_r)
{
	struct pending *pd = p->d->pend;
	enum pnode_kind pk = pd->nodes[p->uid].kind, kind;
	fuse_ino_t ino;
	int ret;

	if (pk != PN_DIR && pk != PN_FLAGS)
		return -ENOTDIR;
	if (pending_lookup(v, p, name, &ino) == 0)
		return -EEXIST;
	if (pd->n >= PENDING_NODES_MAX)
		return -ENOSPC;
	if (dir)
		kind = p->uid == 0 && strcmp(name, VIEW_FLAGS_DIR) == 0 ?
		       PN_FLAGS : PN_DIR;
	else
		kind = pk == PN_FLAGS ? PN_FLAG : PN_FILE;
	if (kind == PN_FLAGS || kind == PN_FLAG) {
		if (kind == PN_FLAG && view_sysflag_lookup(name) < 0 &&
		    !view_keyword_shown(name))
			return -EINVAL;
		if (kind == PN_FLAG && pd->saved_uid != 0) {
			ret = apply_flag(v, pd, name);
			if (ret < 0)
				return ret;
		} else if (kind == PN_FLAG) {
			pd->flags = xrealloc(pd->flags, (pd->n_flags + 1) *
					     sizeof(*pd->flags));
			pd->flags[pd->n_flags++] = xstrdup(name);
		}
	}
	*ino_r = view_ino(p->d->id, add_node(pd, p->uid, name, kind), VE_DIR);
	pd->touched = now();
	return 0;
}

int pending_create_eml(struct view *v, const struct node *p,
		       struct ofile **o_r)
{
	struct pending *pd = p->d->pend;
	int ret;

	if (pd->saved_uid != 0 || pd->eml_ino != 0)
		return -EEXIST;	/* one message per directory */
	ret = write_new_start(v, tree_dir(v, pd->folder), VIEW_MESSAGE_FILE,
			      p->d->id, o_r);
	if (ret == 0)
		pd->eml_ino = (*o_r)->ino;
	return ret;
}

void pending_saved(struct view *v, uint32_t dir, uint32_t uid)
{
	struct vdir *d = tree_dir(v, dir);
	struct pending *pd = d != NULL ? d->pend : NULL;
	size_t i;

	if (pd == NULL)
		return;
	pd->eml_ino = 0;
	pd->saved_uid = uid;
	pd->touched = now();
	for (i = 0; uid != 0 && i < pd->n_flags; i++)
		apply_flag(v, pd, pd->flags[i]);
}

void pending_open(struct view *v, uint32_t dir, int delta)
{
	struct vdir *d = tree_dir(v, dir);

	if (d != NULL && d->pend != NULL) {
		d->pend->open = (unsigned int)((int)d->pend->open + delta);
		d->pend->touched = now();
	}
}

int pending_remove(struct view *v, const struct node *p, const char *name,
		   bool dir)
{
	struct pending *pd = p->d->pend;
	fuse_ino_t ino;
	size_t i;
	uint32_t k;
	int ret = pending_lookup(v, p, name, &ino);

	if (ret < 0)
		return ret;
	if (ino >> 44 != p->d->id)	/* message.eml */
		return dir ? -ENOTDIR : pd->saved_uid != 0 ? 0 : -EBUSY;
	k = (uint32_t)(ino >> 12);
	if (dir != (pd->nodes[k].kind == PN_DIR || pd->nodes[k].kind == PN_FLAGS))
		return dir ? -ENOTDIR : -EISDIR;
	for (i = 1; dir && i < pd->n; i++) {
		if (!pd->nodes[i].gone && pd->nodes[i].parent == k)
			return -ENOTEMPTY;
	}
	pd->nodes[k].gone = true;
	pd->touched = now();
	return 0;
}

/* rmdir of the pending directory itself, from its folder. */
int pending_rmdir(struct view *v, struct vdir *d)
{
	size_t i;

	for (i = 1; i < d->pend->n; i++) {
		if (!d->pend->nodes[i].gone)
			return -ENOTEMPTY;
	}
	if (d->pend->eml_ino != 0)
		return -EBUSY;	/* message.eml is being written */
	for (i = 0; i < v->n_pend; i++) {
		if (v->pend[i] == d->id)
			drop(v, i);
	}
	return 0;
}
