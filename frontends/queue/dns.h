#ifndef MAILTREE_QUEUE_DNS_H
#define MAILTREE_QUEUE_DNS_H

/*
 * Where mail for a domain goes (RFC 5321 5.1): its MX records by
 * preference, or the domain itself when it has none (the A/AAAA
 * fallback).  Lookups use the system resolver (res_query(3)); the answer
 * parser is separate so that it can be tested and fuzzed.
 *
 * Functions return 0 or a negative errno.
 */

#include <stddef.h>
#include <stdint.h>

#define DNS_MAX_MX 16

struct dns_mx {
	uint16_t pref;
	char host[256];
};

/*
 * Parses a DNS answer to an MX query into up to DNS_MAX_MX records,
 * sorted by preference.  Returns the count (0 when the answer has no MX
 * records), -ENOENT for RFC 7505's null MX ("."; the domain takes no
 * mail), or -EINVAL for a malformed message.
 */
int dns_mx_parse(const unsigned char *msg, size_t len, struct dns_mx *mx,
		 size_t max);

/*
 * The hosts to try for a domain: its MXes, or the domain alone.  Returns
 * the count, -ENOENT when the domain does not exist or takes no mail
 * (a permanent failure), -EAGAIN when the resolver failed (temporary).
 * Blocking.
 */
int dns_mail_hosts(const char *domain, struct dns_mx *mx, size_t max);

#endif
