#ifndef MAILTREE_SMTP_H
#define MAILTREE_SMTP_H

/*
 * The SMTP family of protocols: LMTP (RFC 2033), the inbound MX (ESMTP,
 * RFC 5321) and submission (RFC 6409).  They share one session state
 * machine (smtp.c, a table of {verb, protocols, states, check, act} in
 * the manner of OpenSMTPD) and differ in greeting, HELO/EHLO, AUTH,
 * relay rules and the replies after DATA (one per recipient in LMTP).
 *
 * smtp-parse.c holds the argument parsers, fuzzed by
 * tests/fuzz/fuzz-smtp-parse.c.  Functions return 0 or a negative errno.
 */

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

struct proto;
extern const struct proto proto_lmtp, proto_smtp, proto_submission;

#define SMTP_MAX_PATH		256	/* RFC 5321 4.5.3.1.3 */
#define SMTP_MAX_PARAMS		16

/* A "FROM:<path> params" or "TO:<path> params" argument. */
struct smtp_path {
	char addr[SMTP_MAX_PATH + 1];	/* without < >, source route dropped */
	size_t param_count;
	struct {
		char key[32];		/* upper-cased */
		char value[128];	/* "" when the parameter has none */
	} params[SMTP_MAX_PARAMS];
};

/*
 * Parses the arguments of MAIL or RCPT: `keyword` is "FROM:" or "TO:"
 * (matched without case; spaces after it are tolerated).  An empty path
 * "<>" gives addr "".  Returns -EINVAL for bad syntax, -ENAMETOOLONG for
 * a path or parameter over the limits.
 */
int smtp_parse_path(const char *args, const char *keyword,
		    struct smtp_path *path);
/* The value of a parameter, or NULL when it was not given. */
const char *smtp_path_param(const struct smtp_path *path, const char *key);
/* The local part of an address (before the last '@'), into out. */
void smtp_local_part(const char *addr, struct buf *out);
/* Does the address hold bytes over 0x7f (it then needs SMTPUTF8)? */
bool smtp_addr_is_utf8(const char *addr);

/* RFC 3461 xtext (ENVID, ORCPT): '+' followed by two upper-case hex
 * digits, other bytes from '!' to '~' except '+' and '='. */
bool smtp_xtext_valid(const char *s);

#endif
