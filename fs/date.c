/* RFC 5322 date parsing; see date.h. */

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "date.h"
#include "util.h"

/* More tokens than any date has; the rest of a long value is ignored. */
#define DATE_TOKENS_MAX 16
#define DATE_TOKEN_LEN 16

static const char *const months[12] = {
	"jan", "feb", "mar", "apr", "may", "jun",
	"jul", "aug", "sep", "oct", "nov", "dec",
};

static const struct {
	const char *name;
	int minutes;
} zones[] = {
	{ "ut", 0 }, { "utc", 0 }, { "gmt", 0 }, { "z", 0 },
	{ "est", -300 }, { "edt", -240 }, { "cst", -360 }, { "cdt", -300 },
	{ "mst", -420 }, { "mdt", -360 }, { "pst", -480 }, { "pdt", -420 },
	{ "bst", 60 }, { "cet", 60 }, { "cest", 120 }, { "met", 60 },
	{ "mest", 120 }, { "eet", 120 }, { "eest", 180 }, { "wet", 0 },
	{ "west", 60 }, { "jst", 540 }, { "kst", 540 }, { "hkt", 480 },
	{ "sgt", 480 }, { "msk", 180 }, { "nzst", 720 }, { "nzdt", 780 },
	{ "aest", 600 }, { "aedt", 660 }, { "ast", -240 }, { "adt", -180 },
	{ "hst", -600 }, { "akst", -540 }, { "akdt", -480 },
};

int64_t date_days_from_civil(int64_t y, unsigned int m, unsigned int d)
{
	int64_t era;
	unsigned int yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned int)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static bool is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
	static const int mdays[12] = { 31, 28, 31, 30, 31, 30,
				       31, 31, 30, 31, 30, 31 };

	return m == 2 && is_leap(y) ? 29 : mdays[m - 1];
}

/* Splits the value into words: letters, digits, ':', '+' and '-' runs;
 * comments are skipped, other bytes separate. */
static size_t tokenize(const char *s, size_t len,
		       char tok[][DATE_TOKEN_LEN])
{
	size_t i = 0, n = 0;
	int depth;

	while (i < len && n < DATE_TOKENS_MAX) {
		unsigned char c = s[i];
		size_t k = 0;

		if (c == '(') {
			for (depth = 0; i < len; i++) {
				if (s[i] == '\\' && i + 1 < len)
					i++;
				else if (s[i] == '(')
					depth++;
				else if (s[i] == ')' && --depth == 0)
					break;
			}
			i++;
			continue;
		}
		if (!isalnum(c) && c != '+' && c != '-' && c != ':') {
			i++;
			continue;
		}
		/* A sign only starts a zone; between fields it separates
		 * ("1-Jan-2003"). */
		if (c == '-' && !(i + 1 < len && isdigit((unsigned char)s[i + 1])
				  && n > 0 && strchr(tok[n - 1], ':') != NULL)) {
			i++;
			continue;
		}
		do {
			if (k + 1 < DATE_TOKEN_LEN)
				tok[n][k++] = (char)tolower((unsigned char)s[i]);
			i++;
		} while (i < len && (isalnum((unsigned char)s[i]) ||
				     s[i] == ':'));
		tok[n][k] = '\0';
		n++;
	}
	return n;
}

static bool all_digits(const char *t)
{
	if (*t == '\0')
		return false;
	for (; *t != '\0'; t++)
		if (!isdigit((unsigned char)*t))
			return false;
	return true;
}

static bool parse_time(const char *t, int *h, int *m, int *sec)
{
	int v[3] = { 0, 0, 0 }, n = 0, digits = 0;

	for (; *t != '\0'; t++) {
		if (*t == ':') {
			if (digits == 0 || ++n > 2)
				return false;
			digits = 0;
		} else if (isdigit((unsigned char)*t) && digits < 2) {
			v[n] = v[n] * 10 + (*t - '0');
			digits++;
		} else {
			return false;
		}
	}
	if (n < 1 || digits == 0 || v[0] > 23 || v[1] > 59 || v[2] > 60)
		return false;
	*h = v[0];
	*m = v[1];
	*sec = v[2] == 60 ? 59 : v[2];
	return true;
}

static bool parse_zone(const char *t, int *tz)
{
	size_t i;

	if ((t[0] == '+' || t[0] == '-') && strlen(t) == 5 &&
	    all_digits(t + 1)) {
		int hh = (t[1] - '0') * 10 + (t[2] - '0');
		int mm = (t[3] - '0') * 10 + (t[4] - '0');

		if (hh > 23 || mm > 59)
			return false;
		*tz = (hh * 60 + mm) * (t[0] == '-' ? -1 : 1);
		return true;
	}
	for (i = 0; i < ARRAY_SIZE(zones); i++) {
		if (strcmp(t, zones[i].name) == 0) {
			*tz = zones[i].minutes;
			return true;
		}
	}
	/* Military zones were defined with the wrong sign; RFC 5322 says
	 * to treat them as unknown, that is +0000. */
	if (strlen(t) == 1 && isalpha((unsigned char)t[0]) && t[0] != 'j') {
		*tz = 0;
		return true;
	}
	return false;
}

static int month_of(const char *t)
{
	int i;

	if (strlen(t) < 3)
		return 0;
	for (i = 0; i < 12; i++)
		if (strncmp(t, months[i], 3) == 0)
			return i + 1;
	return 0;
}

int date_parse(const char *s, size_t len, time_t *time_r, int *tz_min_r)
{
	char tok[DATE_TOKENS_MAX][DATE_TOKEN_LEN];
	int num[3], digits[3], nnum = 0, mon = 0, hh = -1, mi = 0, ss = 0;
	int tz = 0, day, year, year_digits;
	bool have_zone = false;
	size_t n, k;
	int64_t t;

	n = tokenize(s, len, tok);
	for (k = 0; k < n; k++) {
		const char *t = tok[k];

		if (strchr(t, ':') != NULL) {
			if (hh < 0 && parse_time(t, &hh, &mi, &ss))
				continue;
			return -EINVAL;
		}
		if (hh >= 0 && !have_zone && parse_zone(t, &tz)) {
			have_zone = true;
			continue;
		}
		if (all_digits(t)) {
			if (nnum == 3 || strlen(t) > 4)
				return -EINVAL;
			digits[nnum] = (int)strlen(t);
			num[nnum++] = (int)strtol(t, NULL, 10);
			continue;
		}
		if (mon == 0 && (mon = month_of(t)) != 0)
			continue;
		/* Day names and unknown words (zone names we lack) are
		 * ignored. */
	}
	if (mon == 0 || nnum < 2 || hh < 0)
		return -EINVAL;
	/* The year is the number written with 3-4 digits, else the second
	 * one ("1 Jan 03"). */
	if (digits[0] >= 3) {
		year = num[0];
		year_digits = digits[0];
		day = num[1];
	} else {
		day = num[0];
		year = num[1];
		year_digits = digits[1];
	}
	if (year_digits <= 2)
		year += year < 50 ? 2000 : 1900;
	else if (year_digits == 3)
		year += 1900;
	if (year < 1900 || day < 1 || day > days_in_month(year, mon))
		return -EINVAL;
	t = date_days_from_civil(year, (unsigned int)mon, (unsigned int)day) *
		86400 + hh * 3600 + mi * 60 + ss - (int64_t)tz * 60;
	*time_r = (time_t)t;
	*tz_min_r = tz;
	return 0;
}

void date_format(time_t t, int tz_min, struct buf *out)
{
	static const char *const wday[7] = { "Sun", "Mon", "Tue", "Wed",
					     "Thu", "Fri", "Sat" };
	static const char *const mname[12] = {
		"Jan", "Feb", "Mar", "Apr", "May", "Jun",
		"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
	};
	time_t local = t + (time_t)tz_min * 60;
	struct tm tm;
	int a = tz_min < 0 ? -tz_min : tz_min;

	gmtime_r(&local, &tm);
	buf_printf(out, "%s, %d %s %04d %02d:%02d:%02d %c%02d%02d",
		   wday[tm.tm_wday], tm.tm_mday, mname[tm.tm_mon],
		   tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec,
		   tz_min < 0 ? '-' : '+', a / 60, a % 60);
}
