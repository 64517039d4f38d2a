#ifndef MAILTREE_IMAP_SEARCH_PARSE_H
#define MAILTREE_IMAP_SEARCH_PARSE_H

/*
 * SEARCH programs (RFC 3501 6.4.4 and 9 search-key), with ESEARCH
 * RETURN options (RFC 4731), SEARCHRES "$" and SAVE (RFC 5182) and the
 * MODSEQ key (RFC 7162), parsed from the arguments imap-parser.h produced
 * into a tree of keys.  The tree owns its memory.  Nesting (parentheses,
 * NOT, OR) is bounded by IMAP_SEARCH_MAX_DEPTH, so a "NOT NOT NOT ..."
 * bomb is a BAD, not a deep recursion.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "imap-seqset.h"

struct imap_arg;

#define IMAP_SEARCH_MAX_DEPTH	32

enum imap_search_type {
	/* No argument. */
	IMAP_SEARCH_ALL,
	IMAP_SEARCH_ANSWERED,
	IMAP_SEARCH_DELETED,
	IMAP_SEARCH_DRAFT,
	IMAP_SEARCH_FLAGGED,
	IMAP_SEARCH_NEW,		/* RECENT and UNSEEN */
	IMAP_SEARCH_OLD,		/* not RECENT */
	IMAP_SEARCH_RECENT,
	IMAP_SEARCH_SEEN,
	IMAP_SEARCH_UNANSWERED,
	IMAP_SEARCH_UNDELETED,
	IMAP_SEARCH_UNDRAFT,
	IMAP_SEARCH_UNFLAGGED,
	IMAP_SEARCH_UNSEEN,
	/* str: a keyword (an atom). */
	IMAP_SEARCH_KEYWORD,
	IMAP_SEARCH_UNKEYWORD,
	/* str: text to find. */
	IMAP_SEARCH_BCC,
	IMAP_SEARCH_BODY,
	IMAP_SEARCH_CC,
	IMAP_SEARCH_FROM,
	IMAP_SEARCH_SUBJECT,
	IMAP_SEARCH_TEXT,
	IMAP_SEARCH_TO,
	IMAP_SEARCH_HEADER,		/* header and str */
	/* date: internal date, or the Date: header for SENT*. */
	IMAP_SEARCH_BEFORE,
	IMAP_SEARCH_ON,
	IMAP_SEARCH_SINCE,
	IMAP_SEARCH_SENTBEFORE,
	IMAP_SEARCH_SENTON,
	IMAP_SEARCH_SENTSINCE,
	/* number: a size in bytes. */
	IMAP_SEARCH_LARGER,
	IMAP_SEARCH_SMALLER,
	/* seqset: UIDs, or sequence numbers; either may be "$". */
	IMAP_SEARCH_UID,
	IMAP_SEARCH_SEQSET,
	/* number: the mod-sequence; modseq_entry optional. */
	IMAP_SEARCH_MODSEQ,
	/* children */
	IMAP_SEARCH_NOT,		/* one child */
	IMAP_SEARCH_OR,			/* two children */
	IMAP_SEARCH_AND,		/* a parenthesised group, or the top */
};

enum imap_search_entry_type {
	IMAP_SEARCH_ENTRY_ALL,
	IMAP_SEARCH_ENTRY_SHARED,
	IMAP_SEARCH_ENTRY_PRIV,
};

struct imap_search_key {
	enum imap_search_type type;
	struct imap_search_key *next;	/* the next key of the same list */
	struct imap_search_key *children;	/* NOT, OR, AND */
	char *str;			/* NUL-terminated; len bytes */
	size_t len;
	char *header;			/* HEADER: the field name */
	time_t date;			/* 00:00 UTC of the day */
	uint64_t number;
	struct imap_seqset seqset;
	/* MODSEQ "/flags/\\draft" all: the entry and its type. */
	char *modseq_entry;
	enum imap_search_entry_type modseq_type;
};

/* ESEARCH RETURN options (RFC 4731, RFC 5182). */
#define IMAP_SEARCH_RETURN_MIN		0x01
#define IMAP_SEARCH_RETURN_MAX		0x02
#define IMAP_SEARCH_RETURN_ALL		0x04
#define IMAP_SEARCH_RETURN_COUNT	0x08
#define IMAP_SEARCH_RETURN_SAVE		0x10

struct imap_search {
	struct imap_search_key *root;	/* an AND of the top-level keys */
	bool esearch;			/* RETURN given: answer with ESEARCH */
	unsigned int return_opts;	/* "RETURN ()" means ALL */
	bool modseq;			/* a MODSEQ key: report the modseq */
	bool dollar;			/* "$" is used somewhere */
	size_t key_count;
};

void imap_search_init(struct imap_search *search);
void imap_search_release(struct imap_search *search);

/*
 * Parses the arguments of SEARCH:
 *   [RETURN (opts)] [CHARSET charset] key *(key)
 * `search` (initialised once with imap_search_init()) is emptied
 * first.  Returns 0; -EINVAL with a text for the BAD
 * reply in *error_r; or -EILSEQ for a charset other than UTF-8 and
 * US-ASCII: reply "NO [BADCHARSET (UTF-8 US-ASCII)]".
 */
int imap_search_parse(struct imap_search *search, const struct imap_arg *args,
		      size_t count, const char **error_r);

/* Parses keys only: what SORT and THREAD take after their charset. */
int imap_search_parse_keys(struct imap_search *search,
			   const struct imap_arg *args, size_t count,
			   const char **error_r);

/* Is the charset one SEARCH supports (UTF-8, US-ASCII, any case)? */
bool imap_search_charset_ok(const char *charset);

#endif
