#ifndef MAILTREE_KEYWORDS_H
#define MAILTREE_KEYWORDS_H

/*
 * dovecot-keywords: which keyword name each Maildir flag letter a-z stands
 * for in one folder ("0 $Junk" means letter 'a' is $Junk).  Read without a
 * lock; replaced with rename() only while dovecot-uidlist.lock is held.
 *
 * Functions return 0 or a negative errno unless documented otherwise.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define KEYWORDS_NAME "dovecot-keywords"
#define KEYWORDS_MAX 26
/* IMAP atoms are short; this bounds a line of the file. */
#define KEYWORD_MAX_LEN 200

struct keywords {
	char *path;
	char *names[KEYWORDS_MAX];	/* NULL where a letter is unused */
	ino_t ino;
	off_t size;
	struct timespec mtime;
	bool exists;
};

void keywords_init(struct keywords *kw, const char *folder_dir);
void keywords_release(struct keywords *kw);
/* Re-reads the file if it changed.  Returns 1 if it was (re)read. */
int keywords_refresh(struct keywords *kw);
/* Letter index (0 = 'a') of a keyword, or -1. Case-insensitive, as IMAP
 * keywords are. */
int keywords_lookup(const struct keywords *kw, const char *name);
/* Finds or allocates a letter for the keyword, writing the file when a new
 * one is added (the caller holds the uidlist lock).  Returns the index, or
 * -ENOSPC when all 26 letters are used, -EINVAL for a name that is not a
 * valid IMAP flag keyword. */
int keywords_assign(struct keywords *kw, const char *name);
/* True for a valid IMAP keyword atom (no specials, no backslash). */
bool keyword_name_valid(const char *name);
/* Parses file content into kw (for the fuzz target and tests). */
int keywords_parse(struct keywords *kw, const char *data, size_t len);

#endif
