/* MX lookups; see dns.h. */

#include <errno.h>
#include <netdb.h>
#include <resolv.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/nameser.h>

#include "queue/dns.h"
#include "util.h"

static unsigned int get16(const unsigned char *p)
{
	return (unsigned int)p[0] << 8 | p[1];
}

static int cmp_pref(const void *a, const void *b)
{
	const struct dns_mx *x = a, *y = b;

	return (int)x->pref - (int)y->pref;
}

int dns_mx_parse(const unsigned char *msg, size_t len, struct dns_mx *mx,
		 size_t max)
{
	const unsigned char *end = msg + len, *p;
	unsigned int qd, an, i;
	size_t n = 0;
	char name[NS_MAXDNAME];
	int k;

	if (len < 12 || len > 65535)
		return -EINVAL;
	qd = get16(msg + 4);
	an = get16(msg + 6);
	p = msg + 12;
	for (i = 0; i < qd; i++) {
		k = dn_expand(msg, end, p, name, sizeof(name));
		if (k < 0 || end - p < k + 4)
			return -EINVAL;
		p += k + 4;
	}
	for (i = 0; i < an; i++) {
		unsigned int type, rdlen;

		k = dn_expand(msg, end, p, name, sizeof(name));
		if (k < 0 || end - p < k + 10)
			return -EINVAL;
		p += k;
		type = get16(p);
		rdlen = get16(p + 8);
		p += 10;
		if ((size_t)(end - p) < rdlen)
			return -EINVAL;
		if (type == ns_t_mx && rdlen >= 3) {
			k = dn_expand(msg, end, p + 2, name, sizeof(name));
			if (k < 0 || (unsigned int)k + 2 > rdlen)
				return -EINVAL;
			if (name[0] == '\0' && an == 1)
				return -ENOENT;	/* null MX */
			if (n < max && name[0] != '\0' &&
			    strlen(name) < sizeof(mx[n].host)) {
				mx[n].pref = (uint16_t)get16(p);
				memcpy(mx[n].host, name, strlen(name) + 1);
				n++;
			}
		}
		p += rdlen;
	}
	if (n > 1)
		qsort(mx, n, sizeof(*mx), cmp_pref);
	return (int)n;
}

int dns_mail_hosts(const char *domain, struct dns_mx *mx, size_t max)
{
	unsigned char answer[8192];
	struct __res_state rs;
	int len, n;

	if (max == 0 || strlen(domain) >= sizeof(mx[0].host))
		return -EINVAL;
	memset(&rs, 0, sizeof(rs));
	if (res_ninit(&rs) < 0)
		return -EAGAIN;
	len = res_nquery(&rs, domain, ns_c_in, ns_t_mx, answer,
			 sizeof(answer));
	if (len < 0) {
		int herr = rs.res_h_errno;

		res_nclose(&rs);
		if (herr == HOST_NOT_FOUND)
			return -ENOENT;
		if (herr == NO_DATA) {
			/* No MX: the domain's own address (5321 5.1). */
			mx[0].pref = 0;
			memcpy(mx[0].host, domain, strlen(domain) + 1);
			return 1;
		}
		return -EAGAIN;
	}
	res_nclose(&rs);
	if ((size_t)len > sizeof(answer))
		len = sizeof(answer);
	n = dns_mx_parse(answer, (size_t)len, mx, max);
	if (n == 0) {
		mx[0].pref = 0;
		memcpy(mx[0].host, domain, strlen(domain) + 1);
		n = 1;
	}
	if (n == -EINVAL)
		n = -EAGAIN;
	return n;
}
