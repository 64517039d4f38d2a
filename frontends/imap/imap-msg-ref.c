/* Messages as the SEARCH, SORT and THREAD engines see them; see
 * imap-msg-ref.h. */

#include <limits.h>
#include <string.h>
#include <strings.h>

#include "date.h"
#include "imap-msg-ref.h"
#include "index.h"

bool imap_msg_ref_header(const struct imap_msg_ref *m, const char *name,
			 const char **value_r, size_t *len_r)
{
	const char *p = m->headers, *end, *nl, *v;
	size_t nlen = strlen(name);

	if (p == NULL)
		return false;
	end = p + m->headers_len;
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		if ((size_t)(nl - p) > nlen && p[nlen] == ':' &&
		    strncasecmp(p, name, nlen) == 0) {
			v = p + nlen + 1;
			if (v < nl && *v == ' ')
				v++;
			*value_r = v;
			*len_r = (size_t)(nl - v);
			return true;
		}
		p = nl + 1;
	}
	return false;
}

bool imap_msg_ref_header_cut(size_t len)
{
	return len >= INDEX_MAX_HEADER_VALUE;
}

bool imap_msg_ref_sent_date(const struct imap_msg_ref *m, time_t *time_r,
			    int *tz_min_r)
{
	const char *v;
	size_t len;

	if (imap_msg_ref_header(m, "Date", &v, &len) &&
	    date_parse(v, len, time_r, tz_min_r) == 0)
		return true;
	*time_r = m->internal_date;
	*tz_min_r = INT_MIN;
	return false;
}

static long floor_day(long long secs)
{
	return (long)(secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400));
}

long imap_msg_ref_local_day(time_t t)
{
	struct tm tm;

	/* The offset of local time at that instant, DST included. */
	if (localtime_r(&t, &tm) == NULL)
		return floor_day((long long)t);
	return floor_day((long long)t + tm.tm_gmtoff);
}

long imap_msg_ref_zone_day(time_t t, int tz_min)
{
	return floor_day((long long)t + (long long)tz_min * 60);
}
