/* Fuzz target for the DNS MX answer parser: whatever the input, the
 * records fit and come sorted by preference. */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "queue/dns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dns_mx mx[DNS_MAX_MX];
	int n = dns_mx_parse(data, size, mx, DNS_MAX_MX);

	for (int i = 0; i < n; i++) {
		if (strlen(mx[i].host) >= sizeof(mx[i].host) ||
		    (i > 0 && mx[i].pref < mx[i - 1].pref))
			abort();
	}
	return 0;
}
