/* IMAP date and date-time; see imap-date.h. */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <strings.h>

#include "buf.h"
#include "date.h"
#include "imap-date.h"

static const char months[12][4] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

static unsigned int days_in_month(unsigned int y, unsigned int m)
{
	static const unsigned char mdays[12] = { 31, 28, 31, 30, 31, 30,
						 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : mdays[m - 1];
}

/* Reads exactly n digits at *s. */
static bool digits(const char **s, const char *end, unsigned int n,
		   unsigned int *val_r)
{
	unsigned int v = 0;

	if (end - *s < (ptrdiff_t)n)
		return false;
	for (; n > 0; n--, (*s)++) {
		if (**s < '0' || **s > '9')
			return false;
		v = v * 10 + (unsigned int)(**s - '0');
	}
	*val_r = v;
	return true;
}

/* date-day "-" date-month "-" date-year; a leading space is the padding
 * of date-day-fixed. */
static bool parse_day(const char **sp, const char *end, int64_t *days_r)
{
	const char *s = *sp;
	unsigned int day, mon, year;

	if (s < end && *s == ' ')
		s++;
	if (!digits(&s, end, 1, &day))
		return false;
	if (s < end && *s >= '0' && *s <= '9') {
		day = day * 10 + (unsigned int)(*s - '0');
		s++;
	}
	if (end - s < 5 || *s != '-' || s[4] != '-')
		return false;
	for (mon = 0; mon < 12; mon++)
		if (strncasecmp(s + 1, months[mon], 3) == 0)
			break;
	if (mon == 12)
		return false;
	s += 5;
	if (!digits(&s, end, 4, &year) || year < 1 || day < 1 ||
	    day > days_in_month(year, mon + 1))
		return false;
	*days_r = date_days_from_civil(year, mon + 1, day);
	*sp = s;
	return true;
}

int imap_date_parse(const char *s, size_t len, time_t *day_r)
{
	const char *end = s + len;
	int64_t days;

	if (len == 0 || s[0] == ' ' || !parse_day(&s, end, &days) || s != end)
		return -EINVAL;
	*day_r = (time_t)(days * 86400);
	return 0;
}

int imap_date_time_parse(const char *s, size_t len, time_t *time_r,
			 int *tz_min_r)
{
	const char *end = s + len;
	unsigned int h, m, sec, zh, zm;
	int64_t days, t;
	int sign, tz;

	if (!parse_day(&s, end, &days) || s == end || *s++ != ' ' ||
	    !digits(&s, end, 2, &h) || s == end || *s++ != ':' ||
	    !digits(&s, end, 2, &m) || s == end || *s++ != ':' ||
	    !digits(&s, end, 2, &sec) || s == end || *s++ != ' ' ||
	    s == end || (*s != '+' && *s != '-'))
		return -EINVAL;
	sign = *s++ == '-' ? -1 : 1;
	if (!digits(&s, end, 2, &zh) || !digits(&s, end, 2, &zm) || s != end)
		return -EINVAL;
	/* 60 seconds: a leap second, as RFC 5322 allows. */
	if (h > 23 || m > 59 || sec > 60 || zm > 59)
		return -EINVAL;
	tz = sign * (int)(zh * 60 + zm);
	t = days * 86400 + h * 3600 + m * 60 + sec - (int64_t)tz * 60;
	*time_r = (time_t)t;
	*tz_min_r = tz;
	return 0;
}

void imap_date_time_format(time_t t, int tz_min, struct buf *out)
{
	int64_t local = (int64_t)t + (int64_t)tz_min * 60;
	int64_t days = local >= 0 ? local / 86400 : (local - 86399) / 86400;
	int64_t secs = local - days * 86400;
	/* civil_from_days */
	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned int doe = (unsigned int)(z - era * 146097);
	unsigned int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) /
		365;
	unsigned int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned int mp = (5 * doy + 2) / 153;
	unsigned int d = doy - (153 * mp + 2) / 5 + 1;
	unsigned int mon = mp < 10 ? mp + 3 : mp - 9;
	int64_t y = (int64_t)yoe + era * 400 + (mon <= 2);
	int az = tz_min < 0 ? -tz_min : tz_min;

	buf_printf(out, "%2u-%s-%04lld %02u:%02u:%02u %c%02d%02d", d,
		   months[mon - 1], (long long)y, (unsigned int)(secs / 3600),
		   (unsigned int)(secs / 60 % 60), (unsigned int)(secs % 60),
		   tz_min < 0 ? '-' : '+', az / 60, az % 60);
}
