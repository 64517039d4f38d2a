#ifndef MAILTREE_IMAP_FETCH_PARSE_H
#define MAILTREE_IMAP_FETCH_PARSE_H

/*
 * FETCH attributes (RFC 3501 6.4.5 and 9 fetch-att), BINARY (RFC 3516),
 * MODSEQ and the CHANGEDSINCE / VANISHED modifiers (RFC 7162), parsed
 * from the arguments imap-parser.h produced into a struct the FETCH
 * command works from.  The struct owns its memory: it stays valid after
 * the parser moves on to the next command.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf;
struct imap_arg;

/* Items without a section, as bits of imap_fetch.items. */
#define IMAP_FETCH_FLAGS		0x0001
#define IMAP_FETCH_INTERNALDATE		0x0002
#define IMAP_FETCH_RFC822_SIZE		0x0004
#define IMAP_FETCH_ENVELOPE		0x0008
#define IMAP_FETCH_BODY			0x0010	/* BODY: structure */
#define IMAP_FETCH_BODYSTRUCTURE	0x0020
#define IMAP_FETCH_UID			0x0040
#define IMAP_FETCH_MODSEQ		0x0080
#define IMAP_FETCH_RFC822		0x0100	/* sets \Seen */
#define IMAP_FETCH_RFC822_HEADER	0x0200
#define IMAP_FETCH_RFC822_TEXT		0x0400	/* sets \Seen */

/* Macros (RFC 3501 6.4.5). */
#define IMAP_FETCH_FAST (IMAP_FETCH_FLAGS | IMAP_FETCH_INTERNALDATE | \
			 IMAP_FETCH_RFC822_SIZE)
#define IMAP_FETCH_ALL	(IMAP_FETCH_FAST | IMAP_FETCH_ENVELOPE)
#define IMAP_FETCH_FULL	(IMAP_FETCH_ALL | IMAP_FETCH_BODY)

/* How deep a section's part number may go ("1.2.3" is 3).  MIME
 * structures nest far less in real mail; deeper is refused as BAD. */
#define IMAP_FETCH_MAX_PARTS	32

enum imap_fetch_kind {
	IMAP_FETCH_KIND_BODY,		/* BODY[...], BODY.PEEK[...] */
	IMAP_FETCH_KIND_BINARY,		/* BINARY[...], BINARY.PEEK[...] */
	IMAP_FETCH_KIND_BINARY_SIZE,	/* BINARY.SIZE[...] */
};

enum imap_fetch_text {
	IMAP_FETCH_TEXT_ALL,		/* BODY[] or BODY[1.2]: the whole */
	IMAP_FETCH_TEXT_HEADER,
	IMAP_FETCH_TEXT_HEADER_FIELDS,
	IMAP_FETCH_TEXT_HEADER_FIELDS_NOT,
	IMAP_FETCH_TEXT_MIME,		/* only after a part number */
	IMAP_FETCH_TEXT_TEXT,
};

/* One BODY[section]<partial> or BINARY item. */
struct imap_fetch_body {
	enum imap_fetch_kind kind;
	bool peek;			/* does not set \Seen */
	uint32_t parts[IMAP_FETCH_MAX_PARTS];	/* each nonzero */
	unsigned int part_count;
	enum imap_fetch_text text;
	char **fields;			/* HEADER.FIELDS[.NOT], as given */
	size_t field_count;
	bool partial;			/* <origin.length> */
	uint32_t origin, length;	/* length > 0 */
};

struct imap_fetch {
	unsigned int items;		/* IMAP_FETCH_* bits */
	struct imap_fetch_body *bodies;
	size_t body_count, body_cap;
	uint64_t changedsince;		/* CHANGEDSINCE n; 0 = not given */
	bool vanished;			/* VANISHED (needs CHANGEDSINCE) */
};

void imap_fetch_init(struct imap_fetch *fetch);
void imap_fetch_release(struct imap_fetch *fetch);

/*
 * Parses the arguments of FETCH after the sequence set: an attribute, a
 * macro or a list of attributes, then optionally a list of modifiers.
 * `fetch` (initialised once with imap_fetch_init()) is emptied first.
 * Returns 0, or -EINVAL with a text for the
 * BAD reply in *error_r (a static string).  Whether VANISHED is allowed
 * (UID FETCH, QRESYNC enabled) is the command's check.
 */
int imap_fetch_parse(struct imap_fetch *fetch, const struct imap_arg *args,
		     size_t count, const char **error_r);

/* Does the FETCH set \Seen (RFC822, RFC822.TEXT, BODY[...], BINARY[...])? */
bool imap_fetch_sets_seen(const struct imap_fetch *fetch);

/* Appends the item's name as the response names it: "BODY[1.HEADER.FIELDS
 * (DATE FROM)]<0>" (no .PEEK; only the origin of a partial). */
void imap_fetch_body_name(const struct imap_fetch_body *body,
			  struct buf *out);

#endif
