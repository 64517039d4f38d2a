#ifndef MAILTREE_VIEW_WRITE_H
#define MAILTREE_VIEW_WRITE_H

/*
 * Changes to mail through the FUSE view: flag files, rm -r (expunge),
 * folders (mkdir, rmdir, mv), moving message directories, and appending
 * a new message by writing a file into a folder.
 *
 * A new file is saved through save.h: created in the folder's tmp/ at
 * create(), written in order (a write at any other offset than the end
 * fails with EINVAL and spoils the file), and saved on the first flush,
 * that is when the writer closes it; close() returns the error if saving
 * failed, and nothing is left.  Until then it is listed in the folder
 * under the name it was created with; afterwards the message directory
 * appears instead.
 */

#include "fs.h"

struct save;

/* OFILE_SINK: a file cp makes in a new message directory; its bytes
 * are discarded (pending.c). */
enum ofile_kind { OFILE_READ, OFILE_NEW, OFILE_SINK };

/* An open file (fi->fh). */
struct ofile {
	enum ofile_kind kind;
	int fd;			/* the backing file, or -1 */
	uint64_t base;		/* offset in fd of byte 0 */
	uint64_t limit;		/* bytes of fd shown */
	struct buf content;	/* rendered content when fd < 0 */
	/* OFILE_NEW */
	fuse_ino_t ino;
	uint32_t dir;
	char *name;
	struct save *save;
	uint32_t pending;	/* its VDIR_PENDING, or 0 */
	uint64_t written;
	int error;		/* a write failed: the save is aborted */
	bool done;
};

bool write_is_new_file(struct view *v, fuse_ino_t ino);
/* Starts a new file `name` in folder directory d, to be appended when
 * closed; `pending` is the new message directory it is in, or 0. */
int write_new_start(struct view *v, struct vdir *d, const char *name,
		    uint32_t pending, struct ofile **o_r);
/* Sets or clears the flag file `name` of the message of node p. */
int write_set_flag(struct view *v, const struct node *p, const char *name,
		   bool on);
/* Name -> inode of a new file in directory `dir`, or 0. */
fuse_ino_t write_new_lookup(struct view *v, uint32_t dir, const char *name);
int write_new_attr(struct view *v, fuse_ino_t ino, struct stat *st);
void write_new_list(struct view *v, uint32_t dir, struct listing *l);
int write_open(struct view *v, fuse_ino_t ino, struct fuse_file_info *fi);
int write_data(struct view *v, struct ofile *o, const char *data, size_t size,
	       off_t off);
int write_finish(struct view *v, struct ofile *o);
void write_release(struct view *v, struct ofile *o);
int write_setattr(struct view *v, fuse_ino_t ino, const struct stat *attr,
		  int to_set, struct stat *st_r);

void write_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name,
		 mode_t mode);
void write_unlink(fuse_req_t req, fuse_ino_t parent, const char *name);
void write_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name);
void write_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
		  fuse_ino_t newparent, const char *newname,
		  unsigned int flags);
void write_create(fuse_req_t req, fuse_ino_t parent, const char *name,
		  mode_t mode, struct fuse_file_info *fi);

/* write.c, shared with write-new.c */
/* Resolves a directory inode that a change happens in. */
int write_parent_node(struct view *v, fuse_ino_t ino, struct node *p);
/* Queues the kernel invalidations of a folder whose messages changed. */
void write_inval_folder(struct view *v, struct vdir *d);

/* ops.c, shared with write.c */
struct view *ops_view(fuse_req_t req);
void ops_lock(struct view *v);
void ops_unlock(struct view *v);
int ops_entry(struct view *v, const struct node *n,
	      struct fuse_entry_param *e);

#endif
