#ifndef MAILTREE_IMAP_SEARCH_INT_H
#define MAILTREE_IMAP_SEARCH_INT_H

/* Internals of the SEARCH engine shared by imap-search.c (the program and
 * the keys answered from memory) and imap-search-file.c (the keys that
 * read the message file). */

#include <stdbool.h>

#include "imap-casefold.h"
#include "imap-search.h"
#include "mime.h"

/* One compiled key: a node of the program tree. */
struct imap_search_node {
	enum imap_search_type type;
	const struct imap_search_key *key;
	struct imap_search_node *children;	/* array, cheap ones first */
	size_t n_children;
	int keyword;		/* KEYWORD/UNKEYWORD: the bit, or -1 */
	bool forwarded;		/* KEYWORD $Forwarded: the P flag counts */
	bool has_needle;
	struct imap_casefold_needle needle;	/* the string keys */
	const char *field;	/* the header field a string key looks at */
	bool reads_file;	/* the key itself needs the file */
	bool needs_file;	/* it or a key below it does */
};

struct imap_search_prog {
	struct imap_search_node root;
};

/* The message file while one message is matched: opened, and its MIME
 * tree parsed, the first time a key needs them. */
struct imap_search_file {
	const struct imap_search_env *env;
	const struct imap_msg_ref *m;
	int fd;			/* -1 until opened */
	struct mime_part *tree;	/* NULL until parsed */
};

void imap_search_file_init(struct imap_search_file *f,
			   const struct imap_search_env *env,
			   const struct imap_msg_ref *m);
void imap_search_file_release(struct imap_search_file *f);

/*
 * Does a field of the message's own header contain the needle?  All
 * fields named `name` count (any of them, for an empty needle); NULL
 * means every field, searched as "Name: value" lines (TEXT).  Returns 1,
 * 0 or a negative errno (-EWOULDBLOCK without env->open_msg).
 */
int imap_search_file_header(struct imap_search_file *f, const char *name,
			    const struct imap_casefold_needle *needle);

/* Does the body text (see imap-search.h, BODY) contain the needle?
 * Returns like imap_search_file_header(). */
int imap_search_file_body(struct imap_search_file *f,
			  const struct imap_casefold_needle *needle);

/* Appends the searchable form of a header value: the address list as
 * "Name <user@host>, ..." for address fields, else the decoded text. */
void imap_search_decode_header(const char *name, const char *value,
			       size_t len, struct buf *out);

#endif
