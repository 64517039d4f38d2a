#ifndef MAILTREE_IMAP_THREAD_H
#define MAILTREE_IMAP_THREAD_H

/*
 * THREAD (RFC 5256 section 3): the ORDEREDSUBJECT and REFERENCES
 * algorithms over the messages a search selected, answered from the
 * cached header fields only (Subject, Date, Message-ID, In-Reply-To,
 * References; see imap-msg-ref.h).
 *
 * Sent dates are the Date: field's instant, or the internal date when
 * it has none that parses; ties go to the lower sequence number.  Base
 * subjects (imap-base-subject.h) are grouped ASCII case-insensitively.
 * Message-IDs are compared as exact strings, with any whitespace inside
 * the angle brackets removed.  A message whose Message-ID is missing or
 * already seen counts as having a unique one.  Links that would make a
 * loop are not made, so no input makes the work loop; the cost is
 * O(n log n) plus, for each reference, a walk up to the thread's root.
 */

#include <stdbool.h>
#include <stddef.h>

#include "imap-msg-ref.h"

struct buf;

enum imap_thread_alg {
	IMAP_THREAD_ORDEREDSUBJECT,
	IMAP_THREAD_REFERENCES,
};

/* Maps an algorithm name (any case) to its enum.  Returns 0 or -EINVAL
 * (the session answers BAD). */
int imap_thread_alg_parse(const char *name, enum imap_thread_alg *alg_r);

/*
 * Threads msgs[0..n) (in any order) and appends the threads in the
 * response syntax, "(1)(2 3 (4)(5))" without the "* THREAD " in front,
 * naming messages by UID when use_uid, else by sequence number.
 * Nothing is appended when n is 0.  Returns 0.
 */
int imap_thread_run(enum imap_thread_alg alg, const struct imap_msg_ref *msgs,
		    size_t n, bool use_uid, struct buf *out);

#endif
