/* Directory listings of the FUSE view, snapshotted at opendir: the
 * root, users, folders with their subfolders and messages, message
 * directories and flags/ (the MIME directories are in msgparts.c and
 * new message directories in pending.c). */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "folder.h"
#include "util.h"
#include "fs.h"
#include "view.h"
#include "write.h"

void tree_list_add(struct listing *l, const char *name, fuse_ino_t ino,
		   mode_t type)
{
	size_t len = strlen(name);

	l->ents = xgrow(l->ents, &l->cap, l->n + 1, sizeof(*l->ents));
	l->ents[l->n].ino = ino;
	l->ents[l->n].type = type;
	l->ents[l->n].name = l->names.len;
	buf_append(&l->names, name, len);
	buf_putc(&l->names, '\0');
	l->n++;
}

static void list_folders(struct view *v, struct vdir *d, struct listing *l)
{
	struct vuser *u = &v->users[d->user];
	struct buf entry = BUF_INIT, full = BUF_INIT;
	struct strmap seen;
	size_t i, plen = strlen(d->name), dummy;

	strmap_init(&seen);
	tree_user_folders(v, u, false);
	for (i = 0; i < u->n_folders; i++) {
		const char *f = u->folders[i], *level, *end;

		if (plen > 0 && (strncmp(f, d->name, plen) != 0 || f[plen] != '/'))
			continue;
		level = plen > 0 ? f + plen + 1 : f;
		end = strchrnul(level, '/');
		if (strmap_get(&seen, level, (size_t)(end - level), &dummy))
			continue;
		strmap_put(&seen, level, (size_t)(end - level), 0);
		buf_reset(&full);
		buf_append(&full, f, (size_t)(end - f));
		struct vdir *c = tree_get_dir(v, d->user, full.data);
		if (c == NULL)
			continue;
		buf_reset(&entry);
		view_folder_entry(full.data + (level - f), &entry);
		tree_list_add(l, entry.data, view_ino(c->id, 0, VE_DIR),
			      S_IFDIR);
	}
	strmap_release(&seen);
	buf_release(&entry);
	buf_release(&full);
}

int tree_list(struct view *v, const struct node *n, struct listing *l)
{
	struct vdir *d = n->d;
	char num[16];
	size_t i;
	int k;

	tree_list_add(l, ".", n->ino, S_IFDIR);
	tree_list_add(l, "..", FUSE_ROOT_ID, S_IFDIR);
	if (d->kind == VDIR_ROOT) {
		for (i = 0; i < v->n_users; i++)
			tree_list_add(l, v->users[i].name,
				      view_ino(v->users[i].dir, 0, VE_DIR), S_IFDIR);
		return 0;
	}
	if (d->kind == VDIR_PENDING)
		return pending_list(v, n, l);
	if (n->uid == 0 && n->entry == VE_DIR) {
		struct folder *f = NULL;
		int exists = d->kind == VDIR_FOLDER ?
		    tree_folder_exists(&v->users[d->user], d->name) : 0;

		if (exists == 2) {
			int ret = tree_folder(v, d, false, &f);
			if (ret < 0)
				return ret;
			tree_list_add(l, VIEW_FOLDER_DIR,
				      view_ino(d->id, 0, VE_FOLDER_DIR), S_IFDIR);
		}
		list_folders(v, d, l);
		write_new_list(v, d->id, l);
		if (d->kind == VDIR_FOLDER)
			pending_list_in_folder(v, d, l);
		for (i = 0; f != NULL && i < f->count; i++) {
			xsnprintf(num, sizeof(num), "%" PRIu32, f->msgs[i].uid);
			tree_list_add(l, num, view_ino(d->id, f->msgs[i].uid, VE_DIR),
				      S_IFDIR);
		}
		return 0;
	}
	if (n->uid == 0 && n->entry == VE_FOLDER_DIR) {
		for (k = 0; k < VF_COUNT; k++)
			tree_list_add(l, view_folder_prop_names[k],
				      view_ino(d->id, 0, VE_FOLDER_PROP + (unsigned)k),
				      S_IFREG);
		return 0;
	}
	if (n->uid > 0 && n->entry == VE_DIR) {
		static const struct { const char *name; unsigned e; mode_t t; }
		fixed[] = {
			{ VIEW_MESSAGE_FILE, VE_EML, S_IFREG },
			{ VIEW_HEADER_FILE, VE_HEADER, S_IFREG },
			{ VIEW_FLAGS_DIR, VE_FLAGS_DIR, S_IFDIR },
			{ VIEW_BODY_FILE, VE_BODY, S_IFREG },
			{ VIEW_ATTACH_DIR, VE_ATTACH_DIR, S_IFDIR },
			{ VIEW_PARTS_DIR, VE_PARTS_DIR, S_IFDIR },
		};
		for (i = 0; i < ARRAY_SIZE(fixed); i++) {
			if (tree_msg_entry_exists(v, d, n->m, fixed[i].e))
				tree_list_add(l, fixed[i].name,
					      view_ino(d->id, n->uid, fixed[i].e),
					      fixed[i].t);
		}
		for (k = 0; k < VP_COUNT; k++) {
			if (tree_msg_entry_exists(v, d, n->m, VE_PROP + (unsigned)k))
				tree_list_add(l, view_prop_names[k],
					      view_ino(d->id, n->uid, VE_PROP + (unsigned)k),
					      S_IFREG);
		}
		return 0;
	}
	if (n->uid > 0 && view_mime_dir(n->entry))
		return msgparts_list(v, n, l);
	if (n->uid > 0 && n->entry == VE_FLAGS_DIR) {
		for (k = 0; k < VIEW_SYSFLAGS; k++) {
			if (tree_msg_entry_exists(v, d, n->m, VE_SYSFLAG + (unsigned)k))
				tree_list_add(l, view_sysflag_names[k],
					      view_ino(d->id, n->uid, VE_SYSFLAG + (unsigned)k),
					      S_IFREG);
		}
		if (tree_msg_entry_exists(v, d, n->m, VE_PASSED))
			tree_list_add(l, VIEW_FORWARDED,
				      view_ino(d->id, n->uid, VE_PASSED), S_IFREG);
		for (k = 0; k < KEYWORDS_MAX; k++) {
			const char *kw = folder_keyword_name(d->f, k);

			if (tree_msg_entry_exists(v, d, n->m, VE_KEYWORD + (unsigned)k))
				tree_list_add(l, kw,
					      view_ino(d->id, n->uid, VE_KEYWORD + (unsigned)k),
					      S_IFREG);
		}
		return 0;
	}
	return -ENOTDIR;
}

/*
 * The listings readdir serves.  The view has no opendir (the kernel then
 * caches every directory's listing itself, see ops.c), so a listing
 * cannot live in an open directory: the last VIEW_LISTINGS listed
 * directories are kept here, by inode.  A readdir from offset 0 lists
 * the directory afresh; one further on continues the kept listing, or
 * lists afresh when it was dropped (a reader then sees the directory as
 * it is now, never an error or half an entry).
 */
static void listing_release(struct listing *l)
{
	buf_release(&l->names);
	free(l->ents);
	memset(l, 0, sizeof(*l));
	buf_init(&l->names);
}

int tree_list_at(struct view *v, const struct node *n, off_t off,
		 struct listing **l_r)
{
	struct vlisting *c = NULL;
	size_t i;
	int ret;

	for (i = 0; i < VIEW_LISTINGS; i++) {
		if (v->listings[i].ino == n->ino && v->listings[i].l != NULL) {
			c = &v->listings[i];
			break;
		}
		if (c == NULL || v->listings[i].used < c->used)
			c = &v->listings[i];
	}
	if (c->l == NULL) {
		c->l = xcalloc(1, sizeof(*c->l));
		buf_init(&c->l->names);
	} else if (c->ino == n->ino && off > 0) {
		c->used = ++v->ltick;
		*l_r = c->l;
		return 0;
	}
	listing_release(c->l);
	c->ino = 0;
	ret = tree_list(v, n, c->l);
	if (ret < 0) {
		listing_release(c->l);
		return ret;
	}
	c->ino = n->ino;
	c->used = ++v->ltick;
	*l_r = c->l;
	return 0;
}

void tree_list_release(struct view *v)
{
	size_t i;

	for (i = 0; i < VIEW_LISTINGS; i++) {
		if (v->listings[i].l != NULL) {
			listing_release(v->listings[i].l);
			free(v->listings[i].l);
		}
	}
}
