#ifndef MAILTREE_REPAIR_INT_H
#define MAILTREE_REPAIR_INT_H

/* Shared by the files of the repair module (repair*.c) only. */

#include "folder.h"
#include "index.h"
#include "repair.h"

/* `one` when n is 1, else `many`. */
const char *repair_plural(unsigned long n, const char *one, const char *many);
/* The messages of a folder whose cur/ and new/ exist: duplicates, file
 * names, dovecot-uidlist and mailtree.index (repair-folder.c). */
int repair_messages(struct repair *r, const char *dir, const char *name);

/* A message file as listed. */
struct mfile {
	char *name;
	size_t base_len;
	bool in_new;
	bool gone;	/* deleted: a copy of a file that is kept */
	bool rebased;	/* given a new base name, so it gets a new UID */
};

struct fstate {
	struct repair *r;
	const char *dir, *name;
	struct folder *f;		/* locked, in a repair */
	struct mfile *files;
	size_t nfiles, cap;
	struct strmap by_base;		/* files still there, by base name */
	struct repair_uidlist ul;
	bool ul_exists;
	struct index_summary idx;
	int idx_ret;
	struct keywords kw;
	uint32_t named_kw;		/* keyword letters with a name */
	bool changed;			/* a repair changed something */
	const char *what;		/* the step under way, for errors */
};

/* repair-files.c: lists new/ and cur/ into st->files; settles base names
 * held by several files; renames files to their canonical names. */
int repair_scan_files(struct fstate *st);
int repair_fix_duplicates(struct fstate *st);
int repair_fix_names(struct fstate *st);

#endif
