#ifndef MAILTREE_IMAP_ARG_H
#define MAILTREE_IMAP_ARG_H

/*
 * The arguments of an IMAP command as imap-parser.h produces them, and
 * the accessors the commands read them with.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum imap_arg_type {
	IMAP_ARG_ATOM,		/* also numbers, sequence sets, flags */
	IMAP_ARG_NIL,		/* the atom NIL, any case; str is "NIL" */
	IMAP_ARG_QUOTED,
	IMAP_ARG_LITERAL,	/* kept in memory */
	IMAP_ARG_STREAMED,	/* a literal handed to a sink: size only */
	IMAP_ARG_LIST,		/* ( ... ) */
};

/* Flags of an argument. */
#define IMAP_ARG_SECTION	0x01	/* ATOM: "NAME[...]" */
#define IMAP_ARG_PARTIAL	0x02	/* ATOM: "NAME[...]<...>" */
#define IMAP_ARG_LITERAL8	0x04	/* LITERAL/STREAMED: ~{N} */
#define IMAP_ARG_NONSYNC	0x08	/* LITERAL/STREAMED: {N+} */
#define IMAP_ARG_8BIT		0x10	/* QUOTED: holds UTF-8 (RFC 6855) */
#define IMAP_ARG_HAS_NUL	0x20	/* STREAMED/LITERAL8: has NUL bytes */

struct imap_arg;

struct imap_list {
	struct imap_arg *args;
	size_t count;
};

/*
 * One argument.  All pointers stay valid until the parser that made it
 * starts the next command (see imap-parser.h).
 */
struct imap_arg {
	enum imap_arg_type type;
	unsigned int flags;
	/* ATOM, NIL, QUOTED, LITERAL: the value, NUL-terminated (a
	 * literal8 may hold NULs: use len).  STREAMED, LIST: "". */
	const char *str;
	size_t len;
	struct imap_list list;		/* LIST */
	/* ATOM with IMAP_ARG_SECTION: str is the name before '[' and
	 * section holds what was between the brackets, as arguments:
	 * "BODY[HEADER.FIELDS (A B)]" gives str "BODY" and section
	 * { HEADER.FIELDS, (A B) }. */
	struct imap_list section;
	/* ATOM with IMAP_ARG_PARTIAL: the bytes between '<' and '>',
	 * digits and dots only ("0.100"). */
	const char *partial;
	uint64_t size;			/* STREAMED: the literal's size */
};

/* Each returns true and sets the
 * out-parameter when the argument has that form. */
/* An atom, any case, equal to `s` (never true with a section). */
bool imap_arg_atom_equals(const struct imap_arg *arg, const char *s);
/* A plain atom (no section). */
bool imap_arg_get_atom(const struct imap_arg *arg, const char **str_r);
/* string = quoted / literal. */
bool imap_arg_get_string(const struct imap_arg *arg, const char **str_r,
			 size_t *len_r);
/* astring = atom / string; NIL counts as the atom "NIL". */
bool imap_arg_get_astring(const struct imap_arg *arg, const char **str_r,
			  size_t *len_r);
/* nstring = string / NIL (str_r NULL). */
bool imap_arg_get_nstring(const struct imap_arg *arg, const char **str_r,
			  size_t *len_r);
/* number: 32-bit unsigned, digits only. */
bool imap_arg_get_number(const struct imap_arg *arg, uint32_t *num_r);
/* number64 (RFC 9051): up to 2^63 - 1, as mod-sequences need. */
bool imap_arg_get_number64(const struct imap_arg *arg, uint64_t *num_r);
bool imap_arg_get_list(const struct imap_arg *arg,
		       const struct imap_list **list_r);

/* Parses a decimal number of `len` bytes into *num_r if it is at most
 * `max`; false for anything else (empty, non-digits, too big). */
bool imap_arg_parse_number(const char *s, size_t len, uint64_t max,
		       uint64_t *num_r);

#endif
