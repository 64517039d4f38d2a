#ifndef MAILTREE_TEST_IMAP_PARSE_H
#define MAILTREE_TEST_IMAP_PARSE_H

/* What the IMAP command tests share: feeding a whole command, literals
 * included, to the parser as a session does. */

#include <string.h>

#include "imap/imap-parser.h"

/* Feeds `cmd` (lines joined by CRLF, each literal's bytes right after the
 * line that announces it) to p, accepting every literal and handing its
 * bytes over `step` at a time.  Returns the last result of
 * imap_parser_feed_line(). */
static inline int feed_command(struct imap_parser *p, const char *cmd,
			       size_t step)
{
	const char *in = cmd, *eol;
	size_t n;
	int r;

	for (;;) {
		eol = strstr(in, "\r\n");
		if (eol == NULL)
			eol = in + strlen(in);
		r = imap_parser_feed_line(p, in, (size_t)(eol - in), 0);
		in = *eol != '\0' ? eol + 2 : eol;
		if (r != IMAP_PARSE_LITERAL)
			return r;
		imap_parser_literal_accept(p);
		while (imap_parser_wants(p) == IMAP_PARSER_WANT_LITERAL) {
			n = strlen(in) < step ? strlen(in) : step;
			if (n == 0)
				break;
			in += imap_parser_feed_literal(p, in, n);
		}
	}
}

#endif
