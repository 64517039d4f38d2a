#ifndef MAILTREE_VIEW_FS_H
#define MAILTREE_VIEW_FS_H

/*
 * The FUSE side of mailtree-fs: the mount's state, the directory table
 * and the inode scheme.
 *
 * Inodes are computed, not stored: an inode number is
 *
 *   dir id (20 bits) | UID (32 bits) | entry (12 bits)
 *
 * where the dir id names a directory of the tree above the messages (the
 * mount root, a user, a folder) in a table that only grows during the
 * mount, the UID a message of that folder (0 for the folder itself) and
 * the entry a file or directory of the message or folder (VE_*).  So an
 * object keeps its number for the life of the mount, and a number is
 * never reused for another object: a folder renamed, deleted or given a
 * new UIDVALIDITY gets a new dir id.  forget has nothing to free; the
 * generation is always 0.  The root is dir 0, UID 0, entry VE_DIR = 1,
 * which is FUSE_ROOT_ID.
 *
 * Threads: libfuse's session loop runs in the main thread; a second
 * thread waits for the store's change notification, re-syncs the
 * changed folders and tells the kernel to drop what it cached.  One
 * mutex (view.lock) guards everything below; kernel notifications are
 * sent without holding it, since the kernel may be waiting for a reply
 * from the main thread while it handles them.
 */

#define FUSE_USE_VERSION 312

#include <fuse_lowlevel.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "buf.h"
#include "strmap.h"

struct folder;
struct message;
struct mailbox;
struct notify;
struct vsnap;
struct openino;

/* Entries of a folder (UID 0) or of a message (UID > 0). */
enum {
	VE_DIR = 1,		/* the directory itself */
	/* In a folder. */
	VE_FOLDER_DIR = 2,	/* .folder/ */
	VE_FOLDER_PROP = 3,	/* + enum view_folder_prop */
	/* In a message. */
	VE_EML = 2,		/* message.eml */
	VE_HEADER = 3,		/* header */
	VE_BODY = 4,		/* body.txt */
	VE_ATTACH_DIR = 5,	/* attachments/ */
	VE_PARTS_DIR = 6,	/* parts/ */
	VE_PROP = 8,		/* + enum view_prop */
	VE_FLAGS_DIR = 32,	/* flags/ */
	VE_SYSFLAG = 33,	/* + index in view_sysflag_names */
	VE_PASSED = 39,		/* $Forwarded from Maildir's P flag */
	VE_KEYWORD = 40,	/* + keyword letter index */
	/* MIME entries (msgparts.c), by index in the parsed message. */
	VE_ATTACH = 100,	/* + attachment index */
	VE_PART_DIR = 1100,	/* + part index: parts/SECTION/ */
	VE_PART_HDR = 2090,	/* + part index: its header */
	VE_PART_CONTENT = 3080,	/* + part index: its decoded content */
	VE_MAX = 4095,
};
#define VIEW_ATTACH_MAX 1000
#define VIEW_PARTS_MAX 990
/* Parsed messages kept (msgparts.c). */
#define VIEW_MCACHE 32
/* Directory listings kept for readdir (tree-list.c). */
#define VIEW_LISTINGS 4
/* New message directories alive at once (pending.c). */
#define VIEW_PENDING_MAX 256

#define VE_NEW 64		/* + slot: a file being written (write.h) */
#define VIEW_NEW_MAX 1024
#define VIEW_DIRS_MAX ((1u << 20) - 1)

/* attachments/, parts/ and parts/SECTION/ of a message. */
static inline bool view_mime_dir(unsigned int e)
{
	return e == VE_ATTACH_DIR || e == VE_PARTS_DIR ||
	       (e >= VE_PART_DIR && e < VE_PART_DIR + VIEW_PARTS_MAX);
}

static inline fuse_ino_t view_ino(uint32_t dir, uint32_t uid, unsigned entry)
{
	return ((uint64_t)dir << 44) | ((uint64_t)uid << 12) | entry;
}

/* VDIR_PENDING: a new message directory made by mkdir (pending.c). */
enum vdir_kind { VDIR_ROOT, VDIR_USER, VDIR_FOLDER, VDIR_PENDING };

/* What the view remembers per message beyond the index. */
struct vmsg {
	uint32_t uid;
	uint64_t header_size;	/* +1; 0 = not known yet */
	uint64_t hidden;	/* bit e: entry e removed by rm -r */
};

/* A directory above the messages. */
struct vdir {
	enum vdir_kind kind;
	uint32_t id;
	unsigned int user;	/* index in view.users */
	char *name;		/* folder name, "" for a user or the root */
	char *key;		/* "<user>/<name>", the table's key */
	bool gone;		/* deleted or renamed away */
	struct folder *f;	/* opened at first use */
	struct timespec synced;	/* last folder_sync() */
	uint32_t uidvalidity;
	struct vmsg *extra;	/* sorted by UID */
	size_t n_extra, cap_extra;
	struct vsnap *snap;	/* what the kernel has seen (changes.c) */
	size_t n_snap, cap_snap;
	struct pending *pend;	/* VDIR_PENDING */
};

struct listing;
struct vlisting {
	fuse_ino_t ino;		/* 0: free */
	uint64_t used;		/* LRU tick */
	struct listing *l;
};

struct vuser {
	char *name;
	struct mailbox *mbox;
	uid_t uid;
	gid_t gid;
	uint32_t dir;		/* its VDIR_USER (or the root) */
	char **folders;		/* mailbox_list(), refreshed each second */
	size_t n_folders;
	struct timespec listed;
	struct timespec changed;	/* when the folder list last changed */
};

struct view {
	char *store;
	bool all_users;
	struct vuser *users;
	size_t n_users;
	uid_t owner_uid;	/* the store directory's owner */
	gid_t owner_gid;
	struct vdir **dirs;	/* by id */
	size_t n_dirs, cap_dirs;
	struct strmap dir_map;	/* key -> id */
	pthread_mutex_t lock;
	struct notify *notify;
	struct fuse_session *se;
	int wake_fd;		/* eventfd: the notify thread has work */
	/* Kernel invalidations queued by the main thread for the notify
	 * thread to send. */
	struct inval *inval;
	size_t n_inval, cap_inval;
	/* Files being written into folders (write.h), by entry - VE_NEW. */
	struct ofile *newfiles[VIEW_NEW_MAX];
	/* Parsed messages, least recently used replaced first. */
	struct mparsed *mcache[VIEW_MCACHE];
	uint64_t mtick;
	uint32_t pend[VIEW_PENDING_MAX];	/* live VDIR_PENDING ids */
	size_t n_pend;
	struct vlisting listings[VIEW_LISTINGS];
	uint64_t ltick;
	/* Open files per inode (prefill.c). */
	struct openino *opens;
	size_t n_opens, cap_opens;
	double timeout;		/* entry and attribute timeout, seconds */
	time_t mount_time;
};

struct inval {
	fuse_ino_t ino;		/* an inode, or the parent of name */
	char *name;		/* NULL: invalidate the inode */
};

/* A node the kernel asks about, resolved under the lock. */
struct node {
	fuse_ino_t ino;
	struct vdir *d;
	uint32_t uid;
	unsigned int entry;
	struct message *m;	/* the message when uid > 0 */
};

/* Entry and attribute timeout of what never changes for a message's UID
 * (its directory, message.eml, header and header properties, MIME
 * files): the kernel is told when the message goes (changes.c). */
#define VIEW_TIMEOUT_IMMUTABLE 86400.0

/* loop.c: serves requests until unmounted; < 0 on a device error. */
int view_loop(struct fuse_session *se);

/* tree.c */
int tree_init(struct view *v);
void tree_release(struct view *v);
struct vdir *tree_dir(struct view *v, uint32_t id);
/* A new directory in the table (NULL when the table is full). */
struct vdir *tree_new_dir(struct view *v, enum vdir_kind kind,
			  unsigned int user, const char *name);
/* The folder view of a folder directory, opened and synced as needed
 * (at most once a second unless `force`). */
int tree_folder(struct view *v, struct vdir *d, bool force,
		struct folder **f_r);
/* Refreshes the user's folder list if it is older than a second. */
void tree_user_folders(struct view *v, struct vuser *u, bool force);
/* The watcher re-reads the folder lists of the users shown so far this
 * often, so folders made or deleted elsewhere show in the cached
 * listings in time. */
#define VIEW_FOLDERS_POLL_MS 500
void tree_watch_folders(struct view *v);
/* Whether `name` is a folder or the parent of folders of the user:
 * 2 a folder, 1 only a parent, 0 neither. */
int tree_folder_exists(struct vuser *u, const char *name);
/* The directory of the user's folder `name` ("" for the user's top). */
struct vdir *tree_get_dir(struct view *v, unsigned int user,
			  const char *name);
/* A folder renamed: the directory keeps its id, so its inodes. */
void tree_rename_dir(struct view *v, struct vdir *d, const char *name);
/* Forgets a directory (deleted or renamed): its id is never reused. */
void tree_drop_dir(struct view *v, struct vdir *d);
/* Resolves an inode; -ENOENT when its object no longer exists. */
int tree_node(struct view *v, fuse_ino_t ino, struct node *n_r);
/* Looks up name in a directory node; fills the child node. */
int tree_lookup(struct view *v, const struct node *parent, const char *name,
		struct node *child_r);
int tree_attr(struct view *v, const struct node *n, struct stat *st);
/* How long the kernel may keep the node's attributes, and its entry. */
double tree_timeout(const struct view *v, const struct node *n);
double tree_entry_timeout(const struct view *v, const struct node *n);
struct vmsg *tree_vmsg(struct vdir *d, uint32_t uid, bool create);
/* Whether entry e of message m exists (not hidden by rm, shown). */
bool tree_msg_entry_exists(struct view *v, struct vdir *d,
			   const struct message *m, unsigned int e);
/* Renders a file's content (props, flags, folder props). */
int tree_render(struct view *v, const struct node *n, struct buf *out);
/* The name of a directory entry of a directory: appends to out. */
void tree_dir_entry_name(struct view *v, struct vdir *d, struct buf *out);

/* Directory listings, snapshotted at opendir. */
struct listing {
	struct {
		fuse_ino_t ino;
		mode_t type;
		size_t name;	/* offset in names */
	} *ents;
	size_t n, cap;
	struct buf names;
};
/* tree-list.c */
int tree_list(struct view *v, const struct node *n, struct listing *l);
/* The listing of node n for a readdir at off (see tree-list.c); valid
 * until the lock is released. */
int tree_list_at(struct view *v, const struct node *n, off_t off,
		 struct listing **l_r);
void tree_list_release(struct view *v);
void tree_list_add(struct listing *l, const char *name, fuse_ino_t ino,
		   mode_t type);

/* msgparts.c: body.txt, attachments/ and parts/ of a message. */
struct mparsed;
struct ofile;
/* Whether entry e is one of them. */
bool msgparts_entry(unsigned int e);
/* Whether it exists: 1, 0, or a negative errno (parses the message). */
int msgparts_exists(struct view *v, struct vdir *d, uint32_t uid,
		    unsigned int e);
/* Name -> inode in attachments/, parts/ or parts/SECTION/. */
int msgparts_lookup(struct view *v, const struct node *p, const char *name,
		    fuse_ino_t *ino_r);
int msgparts_list(struct view *v, const struct node *n, struct listing *l);
/* The exact size of a MIME file (decoding once if needed). */
int msgparts_size(struct view *v, const struct node *n, uint64_t *size_r);
/* Fills o (fd, base, limit or content) to read a MIME file. */
int msgparts_open(struct view *v, const struct node *n, struct ofile *o);
void msgparts_cache_release(struct view *v);

/* pending.c: new message directories (cp -r of a message directory). */
int pending_mkdir(struct view *v, struct vdir *folder, const char *name,
		  fuse_ino_t *ino_r);
/* In a folder directory: the pending directory `name`, or 0. */
fuse_ino_t pending_lookup_in_folder(struct view *v, uint32_t folder,
				    const char *name);
void pending_list_in_folder(struct view *v, struct vdir *folder,
			    struct listing *l);
/* Resolves a node of a pending directory (and notes the use). */
int pending_node(struct view *v, struct node *n);
int pending_lookup(struct view *v, const struct node *p, const char *name,
		   fuse_ino_t *ino_r);
int pending_list(struct view *v, const struct node *n, struct listing *l);
void pending_attr(struct view *v, const struct node *n, struct stat *st);
/* Makes a file or directory that is kept as a name only (flags/ files
 * set flags). */
int pending_mknode(struct view *v, const struct node *p, const char *name,
		   bool dir, fuse_ino_t *ino_r);
/* Starts message.eml: a new file of the folder (write.h). */
int pending_create_eml(struct view *v, const struct node *p,
		       struct ofile **o_r);
/* message.eml of pending directory `dir` was saved as `uid` (0: failed). */
void pending_saved(struct view *v, uint32_t dir, uint32_t uid);
/* An open file of pending directory `dir` was opened (+1) or closed. */
void pending_open(struct view *v, uint32_t dir, int delta);
int pending_remove(struct view *v, const struct node *p, const char *name,
		   bool dir);
int pending_rmdir(struct view *v, struct vdir *d);
/* Drops pending directories no longer in use (watcher thread). */
void pending_expire(struct view *v);
void pending_release_dir(struct vdir *d);

/* changes.c: after a folder_sync(), queues the invalidations of what
 * changed since the kernel last saw the folder. */
void changes_publish(struct view *v, struct vdir *d);
void changes_release(struct vdir *d);

/* prefill.c: pushing a small file's bytes into the kernel at open.
 * prefill_opened() counts an open file of ino and returns whether it is
 * the only one, when prefill_store() is safe (see prefill.c). */
bool prefill_opened(struct view *v, fuse_ino_t ino);
void prefill_closed(struct view *v, fuse_ino_t ino);
void prefill_store(struct view *v, fuse_ino_t ino, const struct ofile *o);
void prefill_release(struct view *v);

/* Queues a kernel invalidation (sent by the notify thread). */
void view_inval(struct view *v, fuse_ino_t ino, const char *name);

/* ops.c */
extern const struct fuse_lowlevel_ops view_ops;

/* notify thread (watch.c) */
int watch_start(struct view *v, pthread_t *thr_r);
void watch_stop(struct view *v, pthread_t thr);

#endif
