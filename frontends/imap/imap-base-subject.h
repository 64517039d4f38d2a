#ifndef MAILTREE_IMAP_BASE_SUBJECT_H
#define MAILTREE_IMAP_BASE_SUBJECT_H

/*
 * The "base subject" of RFC 5256 section 2.1, which SORT SUBJECT and
 * THREAD compare: the Subject with encoded words decoded to UTF-8,
 * whitespace collapsed to single spaces, and reply and forward markers
 * taken off, repeatedly:
 *   - trailing "(fwd)" and whitespace,
 *   - leading "Re:", "Fw:", "Fwd:" (any case, with an optional
 *     "[blob]" before the colon) after any number of "[blob]"s,
 *   - a leading "[blob]" when something is left after it,
 *   - a "[fwd: ... ]" wrapper around the whole subject.
 * The result keeps its case; comparisons fold it (i;ascii-casemap).
 *
 * Memory is the decoded subject's size, and the work is linear in it for
 * each marker removed.
 */

#include <stdbool.h>
#include <stddef.h>

struct buf;

/*
 * Appends the base subject of `len` bytes of a raw Subject value to out.
 * Returns true when the subject marks a reply or forward (a "Re:"-like
 * leader, a "(fwd)" trailer or a "[fwd: ]" wrapper was removed), which
 * THREAD=REFERENCES needs for grouping by subject.
 */
bool imap_base_subject(const char *raw, size_t len, struct buf *out);

#endif
