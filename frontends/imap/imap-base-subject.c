/* RFC 5256 base subjects; see imap-base-subject.h. */

#include <strings.h>

#include "buf.h"
#include "imap-base-subject.h"
#include "rfc2047.h"

/* The subject being reduced: s[start..end). */
struct subj {
	const char *s;
	size_t start, end;
	bool reply;
};

/* A subj-blob at p ("[" *BLOBCHAR "]" *WSP): returns the position after
 * it, or 0 when there is none. */
static size_t blob_end(const struct subj *j, size_t p)
{
	if (p >= j->end || j->s[p] != '[')
		return 0;
	for (p++; p < j->end && j->s[p] != ']'; p++)
		if (j->s[p] == '[')
			return 0;
	if (p >= j->end)
		return 0;
	for (p++; p < j->end && j->s[p] == ' '; p++)
		;
	return p;
}

/* A subj-refwd at p (("re" / "fw" ["d"]) *WSP [subj-blob] ":"): returns
 * the position after the colon, or 0. */
static size_t refwd_end(const struct subj *j, size_t p)
{
	size_t left = j->end - p, q;

	if (left >= 2 && strncasecmp(j->s + p, "re", 2) == 0)
		p += 2;
	else if (left >= 3 && strncasecmp(j->s + p, "fwd", 3) == 0)
		p += 3;
	else if (left >= 2 && strncasecmp(j->s + p, "fw", 2) == 0)
		p += 2;
	else
		return 0;
	while (p < j->end && j->s[p] == ' ')
		p++;
	if ((q = blob_end(j, p)) != 0)
		p = q;
	if (p < j->end && j->s[p] == ':')
		return p + 1;
	return 0;
}

/* Step 2: trailing whitespace and "(fwd)". */
static void strip_trailers(struct subj *j)
{
	for (;;) {
		if (j->end > j->start && j->s[j->end - 1] == ' ') {
			j->end--;
		} else if (j->end - j->start >= 5 &&
			   strncasecmp(j->s + j->end - 5, "(fwd)", 5) == 0) {
			j->end -= 5;
			j->reply = true;
		} else {
			break;
		}
	}
}

/* Steps 3 to 5: leaders and blobs, until none is left. */
static void strip_leaders(struct subj *j)
{
	size_t p, q, last;

	for (;;) {
		if (j->start < j->end && j->s[j->start] == ' ') {
			j->start++;
			continue;
		}
		/* *subj-blob subj-refwd */
		last = j->start;
		for (p = j->start; (q = blob_end(j, p)) != 0; p = q)
			last = p;
		if ((q = refwd_end(j, p)) != 0) {
			j->start = q;
			j->reply = true;
			continue;
		}
		/*
		 * A lone subj-blob goes only when a subject is left.  Taking
		 * one off leaves the same chain minus one, after which the
		 * same refwd test fails again, so every blob of the chain
		 * goes at once, but the last one when nothing follows it.
		 * That keeps "[a][a][a]..." linear.
		 */
		if (p == j->start)
			break;
		q = p < j->end ? p : last;
		if (q == j->start)
			break;
		j->start = q;
	}
}

bool imap_base_subject(const char *raw, size_t len, struct buf *out)
{
	struct buf dec = BUF_INIT, ws = BUF_INIT;
	struct subj j;
	size_t i;

	/* Step 1: decode, then one space for every run of whitespace
	 * (rfc2047_decode() already turned tabs and line breaks into
	 * spaces). */
	rfc2047_decode(raw, len, &dec);
	for (i = 0; i < dec.len; i++) {
		if (dec.data[i] == ' ' && ws.len > 0 &&
		    ws.data[ws.len - 1] == ' ')
			continue;
		buf_putc(&ws, dec.data[i]);
	}
	buf_release(&dec);

	j.s = ws.data;
	j.start = 0;
	j.end = ws.len;
	j.reply = false;
	for (;;) {
		strip_trailers(&j);
		strip_leaders(&j);
		/* Step 6: a "[fwd: ... ]" wrapper, then again from 2. */
		if (j.end - j.start >= 6 &&
		    strncasecmp(j.s + j.start, "[fwd:", 5) == 0 &&
		    j.s[j.end - 1] == ']') {
			j.start += 5;
			j.end--;
			j.reply = true;
			continue;
		}
		break;
	}
	buf_append(out, j.s + j.start, j.end - j.start);
	buf_release(&ws);
	return j.reply;
}
