#ifndef MAILTREE_IMAP_SECTION_H
#define MAILTREE_IMAP_SECTION_H

/*
 * The bytes of one FETCH BODY[section]<partial>, BINARY[section]<partial>
 * or BINARY.SIZE[section] item (RFC 3501 section 6.4.5, RFC 3516),
 * streamed from the message file.
 *
 * What a section is:
 *  - BODY[] the whole message; HEADER, TEXT, HEADER.FIELDS (...) and
 *    HEADER.FIELDS.NOT (...) the header, body or chosen fields of the
 *    message, or after a part number of the message embedded in that
 *    message/rfc822 part;
 *  - BODY[N] the body of part N: for a non-multipart message BODY[1] is
 *    its body, for a message/rfc822 part the whole embedded message;
 *  - BODY[N.MIME] the MIME header of part N (for a message/rfc822 part's
 *    embedded non-multipart message, N.1.MIME is its header, as mime.h
 *    numbers it and as Dovecot answers);
 *  - BINARY[...] the same section as BODY, with the body of a leaf part
 *    decoded from base64 or quoted-printable; BINARY[] of a non-multipart
 *    message is its header followed by its decoded body.  Multipart and
 *    message/rfc822 bodies are not decoded (their encoding can only be
 *    7bit, 8bit or binary).  BINARY.SIZE is the size of that content.
 *
 * Line endings and sizes: every byte taken from the file goes out with
 * CRLF line endings (imap-crlf.h), so sizes and partial offsets are in
 * the octets IMAP counts.  Quoted-printable is decoded after that
 * conversion, so its hard line breaks come out as CRLF; base64 decodes to
 * exactly the encoded bytes.  BODY content has NUL bytes replaced by 0x80
 * (a literal cannot carry NUL; Dovecot does the same); BINARY content is
 * exact and imap_section_has_nul() tells when it needs literal8 ~{N}.
 *
 * Partial <origin.length>: origin at or past the end gives an empty
 * string; length cuts.  A section that does not exist (no such part, or
 * HEADER/TEXT of a part that is not message/rfc822) is nil: the response
 * carries NIL.
 *
 * Memory stays bounded whatever the message size: content is produced a
 * chunk (IMAP_CRLF_CHUNK read bytes) at a time as imap_section_read() is
 * called.  Only HEADER.FIELDS content is built in memory at open time,
 * capped (imap-header-filter.h).  Opening makes one pass over the range
 * (up to the end of the partial window) to know the exact size, and a
 * read at origin N reads the N bytes before it again: no position cache.
 */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct imap_fetch_body;
struct imap_section;
struct mime_part;

/* imap_section_open() for BINARY of a part whose Content-Transfer-Encoding
 * is not one of 7bit, 8bit, binary, base64, quoted-printable: the server
 * answers NO [UNKNOWN-CTE] (RFC 3516). */
#define IMAP_SECTION_UNKNOWN_CTE (-ENOTSUP)

/*
 * Opens the section `body` names of the message in `fd` (which must stay
 * open until imap_section_free()).  *root_inout is the message's MIME
 * tree: when it is NULL and the section needs it, the tree is parsed from
 * `fd` and handed back in *root_inout, so several items of one message
 * parse it once; the caller frees it with mime_part_free(), and may do so
 * before the section is freed (the section keeps no pointer into it).
 * BODY[], HEADER, TEXT and HEADER.FIELDS of the message itself need no
 * tree.  Returns 0 and *sec_r, IMAP_SECTION_UNKNOWN_CTE, or a negative
 * errno from reading.
 */
int imap_section_open(struct imap_section **sec_r, int fd,
		      struct mime_part **root_inout,
		      const struct imap_fetch_body *body);

/* The exact number of octets imap_section_read() gives in total: after
 * CRLF conversion (BODY) or decoding (BINARY), after <partial>.  For
 * BINARY.SIZE this is the value to send. */
uint64_t imap_section_size(const struct imap_section *sec);

/* The section does not exist: answer NIL. */
bool imap_section_nil(const struct imap_section *sec);

/* BINARY content holds a NUL byte: send it as literal8 ~{N}.  Set from
 * the pass made at open time, which covers the content up to the end of
 * the partial window. */
bool imap_section_has_nul(const struct imap_section *sec);

/*
 * Copies the next bytes into buf, at most len.  Returns the count, 0 at
 * the end, or a negative errno; -EIO when the file no longer holds the
 * bytes the size promised (it changed under us), after which the
 * literal cannot be completed.
 */
ssize_t imap_section_read(struct imap_section *sec, void *buf, size_t len);

void imap_section_free(struct imap_section **sec);

#endif
