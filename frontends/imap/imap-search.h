#ifndef MAILTREE_IMAP_SEARCH_H
#define MAILTREE_IMAP_SEARCH_H

/*
 * The SEARCH engine: does a message match a parsed SEARCH program
 * (imap-search-parse.h)?  RFC 3501 6.4.4, with MODSEQ (RFC 7162) and
 * "$" (RFC 5182).
 *
 * It knows nothing of struct folder.  The session compiles the parsed
 * program once (resolving keyword names to the folder's bits), then asks
 * about each message through a struct imap_msg_ref, a copy of what the
 * store keeps in memory.  A compiled program is read-only while it is
 * matched, so a search that must read message files can run on a worker
 * thread over a snapshot of the refs, and a cheap one on the event loop.
 *
 * What each key compares:
 *  - flags, KEYWORD/UNKEYWORD, NEW/OLD/RECENT: ref->flags (MFLAG_* from
 *    maildir-name.h, plus IMAP_MSG_RECENT given by the session) and
 *    ref->keywords.  KEYWORD $Forwarded also matches the Maildir P flag,
 *    as the store shows it.  A keyword the folder does not know never
 *    matches KEYWORD and always matches UNKEYWORD.
 *  - BEFORE/ON/SINCE: the day of the internal date in the server's local
 *    time zone (as Dovecot does; set TZ to change it).  It is read with
 *    localtime_r(), so the daemon calls tzset() once before threads
 *    match.
 *  - SENTBEFORE/SENTON/SENTSINCE: the day of the Date: field in that
 *    field's own zone; without a valid Date, the internal date as above.
 *  - LARGER/SMALLER: ref->vsize (RFC822.SIZE).
 *  - a sequence set: ref->seq with '*' = env->max_seq; UID: ref->uid with
 *    '*' = env->max_uid; "$" (either): ref->uid in env->saved.
 *  - MODSEQ: ref->modseq >= the value; the entry name is ignored (the
 *    store keeps one MODSEQ per message, as RFC 7162 3.1.5 allows).
 *  - SUBJECT: the decoded subject; FROM/TO/CC/BCC: the decoded address
 *    list as "Name <user@host>, ..." (so a name, a mailbox or a domain
 *    matches); HEADER: the decoded value of every such field; an empty
 *    HEADER string matches when the field is there.
 *  - BODY: the text of every text part (and the header of every attached
 *    message), decoded from its transfer encoding and charset to UTF-8,
 *    HTML reduced to its text; TEXT: the message's header and BODY.
 * Strings match as case-insensitive substrings of UTF-8 (imap-casefold.h
 * says which scripts fold); the search strings must be UTF-8 (the parser
 * refused other charsets).
 *
 * The cached header fields of the index (index.h: Subject, From, Sender,
 * Reply-To, To, Cc, Bcc, Date, Message-ID, In-Reply-To, References, the
 * first of each, cut at INDEX_MAX_HEADER_VALUE bytes) answer SUBJECT,
 * FROM, TO, CC, BCC, SENT* and HEADER for those fields.  The message file
 * is read only for BODY, TEXT and HEADER of other fields, and, when the
 * environment can open files, for a cached value that was cut.  Reading
 * a file streams it with bounded memory (a mime.h tree and one chunk).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "imap-msg-ref.h"
#include "imap-search-parse.h"

struct imap_search_env {
	uint32_t max_seq, max_uid;	/* what '*' means */
	/* "$": the saved result as UIDs; NULL for none (then "$" matches
	 * nothing, as RFC 5182 says for a missing result). */
	const struct imap_seqset *saved;
	/*
	 * Opens the message file read-only: returns 0 with *fd_r, which the
	 * engine closes, or a negative errno (-ENOENT: expunged meanwhile).
	 * NULL when files may not be read here: a key that needs the file
	 * then makes imap_search_match() return -EWOULDBLOCK.
	 */
	int (*open_msg)(void *ctx, const struct imap_msg_ref *m, int *fd_r);
	void *ctx;
};

/* Resolves a keyword name to its bit index (0..31), or returns a
 * negative number when the folder has no such keyword. */
typedef int imap_search_keyword_cb(void *ctx, const char *name);

struct imap_search_prog;

/*
 * Compiles a parsed program.  `search` must outlive the result.  Returns
 * 0 and the program in *prog_r (free with imap_search_prog_free()).
 * keyword_index may be NULL when no keyword exists.  Cannot fail today;
 * the return leaves room for that.
 */
int imap_search_compile(const struct imap_search *search,
			imap_search_keyword_cb *keyword_index, void *ctx,
			struct imap_search_prog **prog_r);
void imap_search_prog_free(struct imap_search_prog **prog);

/* Does any key (in any branch) need the message file?  Then the session
 * should match on a worker thread. */
bool imap_search_needs_file(const struct imap_search_prog *prog);

/*
 * Matches one message.  Returns 1 (match), 0 (no match), -EWOULDBLOCK
 * (the file is needed and env->open_msg is NULL), or a negative errno
 * from opening or reading the file (-ENOENT: the session treats an
 * expunged message as not matching).  Cheap keys are tried first, so a
 * file is opened only when they leave the answer open.
 */
int imap_search_match(const struct imap_search_prog *prog,
		      const struct imap_search_env *env,
		      const struct imap_msg_ref *m);

#endif
