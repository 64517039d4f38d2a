#ifndef MAILTREE_REPAIR_H
#define MAILTREE_REPAIR_H

/*
 * Checking and repairing a store: what `mailtree check [--repair]` does.
 *
 * A check only reads: it takes no lock and changes nothing, so it may run
 * beside a live server.  A repair changes a folder only while holding its
 * dovecot-uidlist.lock, as every other writer does.  Both report through
 * one callback, a sentence per finding:
 *
 *   REPAIR_PROBLEM  something is wrong ("3 message files have no UID")
 *   REPAIR_FIXED    what the repair did about it ("gave them UIDs 7-9")
 *   REPAIR_NOTE     worth knowing, not wrong ("1 delivery in progress")
 *
 * What a repair never does: renumber a message that has a readable UID,
 * lower the next UID, change UIDVALIDITY when it can be recovered (from
 * the uidlist or from mailtree.index), or delete a message file whose
 * bytes are not also kept under another name.
 *
 * Functions return 0 or a negative errno (for errors that stopped the
 * work, as opposed to problems found, which are counted).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "buf.h"
#include "strmap.h"
#include "uidlist.h"

struct keywords;

/* Files in tmp/ untouched this long are left over from a crash; younger
 * ones may be a delivery in progress.  qmail and Dovecot use 36 hours. */
#define REPAIR_TMP_STALE_SECS (36 * 3600)

enum repair_note { REPAIR_PROBLEM, REPAIR_FIXED, REPAIR_NOTE };

struct repair {
	bool fix;		/* repair, not only report */
	time_t now;		/* the time ages are measured at */
	/* Called once per finding; `folder` is the folder name (UTF-8, or
	 * the raw directory entry when it is not a valid name), NULL for
	 * the mailbox as a whole. */
	void (*note)(void *ctx, const char *folder, enum repair_note kind,
		     const char *msg);
	void *ctx;
	/* The mailbox being checked, set by repair_mailbox(): where a
	 * new UIDVALIDITY is recorded (see mailbox.c). */
	const char *mailbox_root;
	unsigned long problems;	/* REPAIR_PROBLEM notes so far */
	unsigned long fixed;	/* REPAIR_FIXED notes so far */
};

/* Sets up a check (fix false) or repair reporting to note(ctx, ...). */
void repair_init(struct repair *r, bool fix,
		 void (*note)(void *, const char *, enum repair_note,
			      const char *),
		 void *ctx);

/* Formats a finding, counts it, and hands it to r->note; also for the
 * caller's own findings (the tool's checks of the passwd file). */
void repair_say(struct repair *r, const char *folder, enum repair_note kind,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * Checks (and with r->fix repairs) one Maildir folder at `dir`: its
 * cur/ new/ tmp/ and maildirfolder (`subfolder`), tmp/ leftovers, a stale
 * dovecot-uidlist.lock, dovecot-uidlist, mailtree.index, duplicate and
 * badly named message files.  `name` labels the notes.
 */
int repair_folder(struct repair *r, const char *dir, const char *name,
		  bool subfolder);

/*
 * Checks every folder of the mailbox at `root` (INBOX and each ".Name"
 * directory, including those mailbox_list() skips because cur/ is
 * missing), the mailbox's own lock files, and directory entries that are
 * not valid folder names (reported only).  Returns the first error; the
 * other folders are still checked.
 */
int repair_mailbox(struct repair *r, const char *root);

/*
 * Checks a dot-lock file "<path>.lock" holding "pid:host".  It is stale
 * when it is older than stale_secs and its owner is gone: a process on
 * this host that no longer exists, or (another host, unreadable) one that
 * cannot be asked.  A repair removes a stale lock.  `folder` labels
 * the notes.
 */
int repair_lock(struct repair *r, const char *folder, const char *lock_path,
		unsigned int stale_secs);

/*
 * The canonical name of a message file: the same base name, and when it
 * has an info part, ":2," with the flag letters in ASCII order, once
 * each, without letters that mean nothing (unknown capitals, keyword
 * letters not in `named_keywords`, bit i = letter 'a' + i, other bytes),
 * then anything after a ',' in the info as it was.  An info part not in
 * the ":2," form becomes ":2,".  Sets out to the canonical name and
 * returns 1 when it differs from `name` (with a reason in *why_r, a
 * static sentence), 0 when `name` is canonical.
 */
int repair_canonical_name(const char *name, uint32_t named_keywords,
			  struct buf *out, const char **why_r);

/*
 * A forgiving reader of dovecot-uidlist for repairs.  Where the uidlist
 * module stops at damage (a record whose UID does not grow is dropped, a
 * bad header makes the whole file unreadable), this one keeps every
 * record it can parse, wherever it is in the file, and counts what is
 * wrong.  Feed it the file in any pieces, then call finish(); memory is
 * bounded by the number of records (a line is at most UIDLIST_MAX_LINE).
 */
struct repair_uidrec {
	uint32_t uid;
	char *base;
	char *ext;		/* extension fields, or NULL */
	size_t line;		/* 1-based line in the file */
	bool dropped;		/* lost to a duplicate (see below) */
};

struct repair_uidlist {
	/* The header as parsed by uidlist_parse_header(); valid when
	 * header_ok.  Its records are not used. */
	struct uidlist hdr;
	bool header_ok;
	/* Records in file order until finish(), then sorted by UID. */
	struct repair_uidrec *recs;
	size_t count, cap;
	size_t lines;		/* complete lines read */
	unsigned int broken_lines;	/* unparseable, over-long, or a
					   partial last line */
	unsigned int out_of_order;	/* records whose UID does not grow */
	unsigned int dup_bases;	/* a base name listed again (the later
				   line wins, as in Dovecot) */
	unsigned int dup_uids;	/* a UID given to a second base name
				   (the earlier line wins) */
	uint32_t max_uid;	/* highest UID of any parsed record */
	/* private */
	struct uidlist one;
	struct buf line;
	bool overlong;
	uint32_t last_uid;
};

void repair_uidlist_init(struct repair_uidlist *ru);
void repair_uidlist_feed(struct repair_uidlist *ru, const char *data,
			 size_t len);
/* Ends the input, sorts the records by UID and marks duplicates
 * `dropped`. */
void repair_uidlist_finish(struct repair_uidlist *ru);
void repair_uidlist_release(struct repair_uidlist *ru);
/* Reads the file at path into ru (initialised here).  Returns 0, or a
 * negative errno (-ENOENT when there is no file). */
int repair_uidlist_read(const char *path, struct repair_uidlist *ru);

#endif
