/*
 * What the kernel must forget after a folder changed, whoever changed it.
 *
 * The kernel keeps a message's entries and attributes for a long time
 * (VIEW_TIMEOUT_IMMUTABLE): a message's bytes, size, date and header
 * properties never change for a UID.  What can change is whether the
 * message exists and its flags.  So every folder directory keeps a
 * snapshot of the UIDs, flags and keywords the kernel may have seen, and
 * after each folder_sync() (by the watcher, by the once-a-second sync of
 * an operation, or inside the store's own calls) changes_publish()
 * compares the folder with it and queues the invalidations: the entry of
 * each message gone, the flag files and properties of each message whose
 * flags changed, and the folder's listing and properties.
 */

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "folder.h"
#include "util.h"
#include "fs.h"
#include "view.h"

struct vsnap {
	uint32_t uid, flags, keywords;
};

static void inval_flag_names(struct view *v, struct vdir *d, uint32_t uid,
			     uint32_t flags, uint32_t kw)
{
	fuse_ino_t dir = view_ino(d->id, uid, VE_FLAGS_DIR);
	int k;

	for (k = 0; k < VIEW_SYSFLAGS; k++) {
		if (flags & view_sysflag_bits[k])
			view_inval(v, dir, view_sysflag_names[k]);
	}
	view_inval(v, dir, VIEW_FORWARDED);
	for (k = 0; k < KEYWORDS_MAX; k++) {
		const char *name = folder_keyword_name(d->f, k);

		if ((kw & (1u << k)) && name != NULL)
			view_inval(v, dir, name);
	}
}

static void inval_flags(struct view *v, struct vdir *d, uint32_t uid,
			uint32_t flags, uint32_t kw)
{
	view_inval(v, view_ino(d->id, uid, VE_PROP + VP_FLAGS), NULL);
	view_inval(v, view_ino(d->id, uid, VE_PROP + VP_MODSEQ), NULL);
	view_inval(v, view_ino(d->id, uid, VE_FLAGS_DIR), NULL);
	inval_flag_names(v, d, uid, flags, kw);
}

/* Takes the folder's state as what the kernel has seen. */
static void snapshot(struct vdir *d)
{
	const struct folder *f = d->f;
	size_t i;

	if (f->count > d->cap_snap) {
		free(d->snap);
		d->cap_snap = f->count + f->count / 4;
		d->snap = xcalloc(d->cap_snap, sizeof(*d->snap));
	}
	for (i = 0; i < f->count; i++) {
		d->snap[i].uid = f->msgs[i].uid;
		d->snap[i].flags = f->msgs[i].flags;
		d->snap[i].keywords = f->msgs[i].keywords;
	}
	d->n_snap = f->count;
}

void changes_publish(struct view *v, struct vdir *d)
{
	const struct folder *f = d->f;
	const struct vsnap *old = d->snap;
	size_t i, j, n_old = d->n_snap;
	char num[16];
	unsigned int k;
	bool any = false;

	if (f == NULL)
		return;
	if (old == NULL) {
		snapshot(d);	/* first open: the kernel has seen nothing */
		return;
	}
	for (i = 0, j = 0; i < n_old || j < f->count;) {
		const struct message *m = j < f->count ? &f->msgs[j] : NULL;

		if (m == NULL || (i < n_old && old[i].uid < m->uid)) {
			xsnprintf(num, sizeof(num), "%" PRIu32, old[i].uid);
			view_inval(v, view_ino(d->id, 0, VE_DIR), num);
			any = true;
			i++;
		} else if (i >= n_old || m->uid < old[i].uid) {
			any = true;	/* new: nothing cached yet */
			j++;
		} else {
			if (m->flags != old[i].flags ||
			    m->keywords != old[i].keywords) {
				inval_flags(v, d, m->uid,
					    m->flags ^ old[i].flags,
					    m->keywords ^ old[i].keywords);
				any = true;
			}
			i++;
			j++;
		}
	}
	if (any) {
		view_inval(v, view_ino(d->id, 0, VE_DIR), NULL);
		for (k = 0; k < VF_COUNT; k++)
			view_inval(v, view_ino(d->id, 0, VE_FOLDER_PROP + k),
				   NULL);
		snapshot(d);
	}
}

void changes_release(struct vdir *d)
{
	free(d->snap);
	d->snap = NULL;
	d->n_snap = d->cap_snap = 0;
}
