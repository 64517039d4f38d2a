#ifndef MAILTREE_MAILDIR_NAME_H
#define MAILTREE_MAILDIR_NAME_H

/*
 * Maildir file names: "<base>" in new/, "<base>:2,<flags>" in cur/.
 *
 * The base name is the message's identity for its whole life (the
 * dovecot-uidlist maps UIDs to it); only the part after ":2," changes when
 * flags change.  mailtree creates bases in the standard form
 * "<sec>.M<usec>P<pid>Q<n>.<host>,S=<size>,W=<vsize>".
 *
 * Flags are the standard letters in ASCII order (D F P R S T) followed by
 * keyword letters a-z, which dovecot-keywords maps to names.  Anything after
 * a ',' in the info part is kept untouched, as Dovecot does.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct buf;

/* System flags, as bits. */
enum {
	MFLAG_DRAFT    = 1 << 0,	/* D */
	MFLAG_FLAGGED  = 1 << 1,	/* F */
	MFLAG_PASSED   = 1 << 2,	/* P: forwarded */
	MFLAG_ANSWERED = 1 << 3,	/* R: replied */
	MFLAG_SEEN     = 1 << 4,	/* S */
	MFLAG_DELETED  = 1 << 5,	/* T: trashed */
};
#define MFLAG_ALL 0x3f

/* What a file name says about a message. */
struct maildir_name {
	size_t base_len;	/* bytes of the base name */
	bool has_info;		/* ":2," present */
	uint32_t flags;		/* MFLAG_* */
	uint32_t keywords;	/* bit i = keyword letter 'a' + i */
	uint64_t size;		/* S=, or UINT64_MAX when absent */
	uint64_t vsize;		/* W=, or UINT64_MAX when absent */
	const char *extra;	/* info after the flags' ',' or NULL; points
				   into the parsed name */
};

/* Parses a file name found in new/ or cur/.  Returns 0, or -EINVAL for
 * names that are not messages (dot files, empty, containing '/'). */
int maildir_name_parse(const char *name, struct maildir_name *mn_r);

/* Appends ":2,<flags><keywords>[,extra]" in canonical order to out. */
void maildir_name_info(struct buf *out, uint32_t flags, uint32_t keywords,
		       const char *extra);

/* Makes a new unique base name for a message of the given sizes, for a
 * file written at time `now_usec` (microseconds since the epoch). */
void maildir_name_new_base(struct buf *out, uint64_t now_usec,
			   uint64_t size, uint64_t vsize);

/* Flag letters <-> bits. */
uint32_t maildir_flag_from_letter(char c);
/* The base name of a file name: the bytes before ":2," (or before ':' when
 * another info version is used). */
size_t maildir_name_base_len(const char *name);

#endif
