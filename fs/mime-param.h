#ifndef MAILTREE_MIME_PARAM_H
#define MAILTREE_MIME_PARAM_H

/*
 * Parsing of structured MIME header values: Content-Type ("type/subtype;
 * params") and Content-Disposition ("value; params").
 *
 * Parameters may be tokens or quoted strings, comments are skipped, and
 * RFC 2231 is understood: continuations (name*0=, name*1=, in any order),
 * extended values (name*=charset'lang'%XX) and both together.  Each
 * parameter has a raw value, for protocols and for boundaries: unquoted,
 * and for RFC 2231 the sections joined and %XX-decoded but not converted
 * from their charset.  And it has a value decoded to UTF-8 for people:
 * RFC 2231 charsets are converted, and plain values get RFC 2047
 * decoding (senders that put encoded words in file names are common).
 *
 * Garbage is tolerated as mail readers do: a missing closing quote runs to
 * the end, unquoted values with specials are taken up to ';', duplicate
 * names keep the first.  The number and size of parameters are bounded.
 */

#include <stddef.h>

#include "buf.h"

/* Most parameters kept per header; real ones have a handful. */
#define MIME_PARAMS_MAX 32
/* Most RFC 2231 sections of one parameter that are joined. */
#define MIME_PARAM_SECTIONS_MAX 64
/* Longest value kept (raw or decoded); longer ones are cut. */
#define MIME_PARAM_VALUE_MAX 4096

struct mime_param {
	char *name;	/* lowercased, without RFC 2231 "*N*" suffixes */
	char *raw;	/* as described above */
	char *value;	/* UTF-8 */
};

struct mime_params {
	struct mime_param *v;
	unsigned int n;
};

/*
 * Parses "value; a=b; ..." of `len` bytes.  The leading value (everything
 * before the first ';', trimmed, comments removed, lowercased) goes to
 * `value` (reset first); the parameters are added to `params`, which must
 * be empty or initialized to zeros.  Cannot fail.
 */
void mime_param_parse(const char *s, size_t len, struct buf *value,
		      struct mime_params *params);

/*
 * Parses a Content-Type value.  *type_r and *subtype_r get lowercased
 * heap strings; both are NULL when the value has no "type/subtype" (the
 * caller then applies the default).  Returns 0, or -EINVAL when the
 * type is missing or malformed (parameters are still parsed).
 */
int mime_param_parse_content_type(const char *s, size_t len, char **type_r,
				  char **subtype_r,
				  struct mime_params *params);

/* The parameter named `name` (lowercase), or NULL. */
const struct mime_param *mime_params_find(const struct mime_params *params,
					  const char *name);

void mime_params_release(struct mime_params *params);

#endif
