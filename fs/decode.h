#ifndef MAILTREE_DECODE_H
#define MAILTREE_DECODE_H

/*
 * Streaming Content-Transfer-Encoding decoders: base64 and
 * quoted-printable.  Each is fed chunks of any size and appends decoded
 * bytes to a struct buf; state carried between chunks is a few bytes.
 *
 * Both are as tolerant as mail readers: base64 skips bytes outside its
 * alphabet and carries on after padding found in the middle; a
 * quoted-printable '=' not followed by two hex digits or a line break is
 * kept as it is.  Neither can fail.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct base64_decoder {
	uint32_t acc;
	unsigned int bits;
};

void decode_base64_init(struct base64_decoder *d);
void decode_base64_feed(struct base64_decoder *d, const void *data,
			size_t len, struct buf *out);
/* Drops an incomplete last quantum (fewer than 8 bits left). */
void decode_base64_finish(struct base64_decoder *d, struct buf *out);

/* Longest run of whitespace held back while deciding whether it ends a
 * line (RFC 2045 says such trailing whitespace is removed); longer runs
 * are content and passed on. */
#define QP_WS_HOLD_MAX 256

struct qp_decoder {
	unsigned int state;
	char hex1;
	size_t ws_len;
	char ws[QP_WS_HOLD_MAX];
};

void decode_qp_init(struct qp_decoder *d);
/* With `q_encoding` (RFC 2047 "Q"), '_' decodes to a space. */
void decode_qp_feed(struct qp_decoder *d, const void *data, size_t len,
		    bool q_encoding, struct buf *out);
void decode_qp_finish(struct qp_decoder *d, struct buf *out);

enum cte {
	CTE_7BIT,	/* also for a missing header */
	CTE_8BIT,
	CTE_BINARY,
	CTE_BASE64,
	CTE_QP,
	CTE_UNKNOWN,	/* x-uuencode and the like: passed through */
};

/* Maps a Content-Transfer-Encoding value (case-insensitive, comments and
 * whitespace ignored) to an enum cte; NULL or empty gives CTE_7BIT. */
enum cte decode_cte_parse(const char *value);

struct cte_decoder {
	enum cte cte;
	union {
		struct base64_decoder b64;
		struct qp_decoder qp;
	} u;
};

void decode_cte_init(struct cte_decoder *d, enum cte cte);
void decode_cte_feed(struct cte_decoder *d, const void *data, size_t len,
		     struct buf *out);
void decode_cte_finish(struct cte_decoder *d, struct buf *out);

#endif
