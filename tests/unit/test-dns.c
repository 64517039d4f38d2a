/* The DNS MX answer parser (frontends/queue/dns.c) on hand-made answers. */

#include <errno.h>
#include <string.h>

#include "queue/dns.h"
#include "../tap.h"

/* "example.org" as a DNS name, then a query for MX. */
#define Q "\7example\3org\0\0\x0f\0\1"
#define HDR(an) "\0\1\x81\x80\0\1\0" an "\0\0\0\0"

static const unsigned char two[] =
	HDR("\2") Q
	/* 20 mx2.example.org, the owner a pointer to the question */
	"\xc0\x0c\0\x0f\0\1\0\0\1\x2c\0\x08\0\x14\3mx2\xc0\x0c"
	"\xc0\x0c\0\x0f\0\1\0\0\1\x2c\0\x08\0\x0a\3mx1\xc0\x0c";
static const unsigned char null_mx[] =
	HDR("\1") Q "\xc0\x0c\0\x0f\0\1\0\0\1\x2c\0\x03\0\0\0";

int main(void)
{
	struct dns_mx mx[DNS_MAX_MX];
	size_t i;
	int n, whole = 0;

	n = dns_mx_parse(two, sizeof(two) - 1, mx, DNS_MAX_MX);
	is_int(n, 2, "two MX records");
	is_str(mx[0].host, "mx1.example.org", "the lower preference first");
	is_int(mx[0].pref, 10, "its preference");
	is_str(mx[1].host, "mx2.example.org", "then the other");
	is_int(dns_mx_parse(null_mx, sizeof(null_mx) - 1, mx, DNS_MAX_MX),
	       -ENOENT, "a null MX: the domain takes no mail");
	is_int(dns_mx_parse(two, 11, mx, DNS_MAX_MX), -EINVAL,
	       "shorter than a header");
	is_int(dns_mx_parse(two, sizeof(two) - 1, mx, 1), 1,
	       "at most max records");
	/* Byte by byte: only the whole answer gives both records. */
	for (i = 0; i < sizeof(two); i++)
		if (dns_mx_parse(two, i, mx, DNS_MAX_MX) == 2)
			whole++;
	is_int(whole, 1, "only the whole answer parses to two records");
	return done_testing();
}
