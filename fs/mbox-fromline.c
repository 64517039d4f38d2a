/* Parsing and writing mbox From_ lines; see mbox.h. */

#include <errno.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "buf.h"
#include "date.h"
#include "mbox.h"
#include "util.h"

static const char *const month_names[12] = {
	"jan", "feb", "mar", "apr", "may", "jun",
	"jul", "aug", "sep", "oct", "nov", "dec",
};
static const char *const day_names[7] = {
	"sun", "mon", "tue", "wed", "thu", "fri", "sat",
};

/* Zone names seen on From_ lines, with their offsets in minutes. */
static const struct {
	const char *name;
	int minutes;
} zones[] = {
	{ "ut", 0 }, { "utc", 0 }, { "gmt", 0 }, { "z", 0 }, { "wet", 0 },
	{ "est", -300 }, { "edt", -240 }, { "cst", -360 }, { "cdt", -300 },
	{ "mst", -420 }, { "mdt", -360 }, { "pst", -480 }, { "pdt", -420 },
	{ "bst", 60 }, { "cet", 60 }, { "met", 60 }, { "west", 60 },
	{ "cest", 120 }, { "mest", 120 }, { "eet", 120 }, { "eest", 180 },
	{ "jst", 540 },
};

/* 9999-12-31 23:59:59 UTC. */
#define MBOX_DATE_MAX INT64_C(253402300799)

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Matches a token against a name list by its first three letters; the
 * token must be the abbreviation or the full English name. */
static int name_index(const char *t, size_t n, const char *const *names,
		      size_t count)
{
	static const char *const full[] = {
		"january", "february", "march", "april", "may", "june",
		"july", "august", "september", "october", "november",
		"december", "sunday", "monday", "tuesday", "wednesday",
		"thursday", "friday", "saturday",
	};
	size_t i, j;

	if (n < 3)
		return -1;
	for (i = 0; i < count; i++) {
		if (lower(t[0]) != names[i][0] || lower(t[1]) != names[i][1] ||
		    lower(t[2]) != names[i][2])
			continue;
		if (n == 3)
			return (int)i;
		for (j = 0; j < ARRAY_SIZE(full); j++) {
			size_t k;

			if (strlen(full[j]) != n)
				continue;
			for (k = 0; k < n && lower(t[k]) == full[j][k]; k++)
				;
			if (k == n)
				return (int)i;
		}
		return -1;
	}
	return -1;
}

static int parse_digits(const char *t, size_t n, int *v_r)
{
	int v = 0;
	size_t i;

	if (n == 0 || n > 4)
		return -1;
	for (i = 0; i < n; i++) {
		if (!is_digit(t[i]))
			return -1;
		v = v * 10 + (t[i] - '0');
	}
	*v_r = v;
	return 0;
}

/* "h:mm" or "hh:mm:ss". */
static int parse_time(const char *t, size_t n, int *secs_r)
{
	int h, m, s = 0;
	const char *c1 = memchr(t, ':', n), *c2;

	if (c1 == NULL || parse_digits(t, (size_t)(c1 - t), &h) < 0 ||
	    c1 - t > 2)
		return -1;
	c1++;
	c2 = memchr(c1, ':', n - (size_t)(c1 - t));
	if (c2 == NULL) {
		if (n - (size_t)(c1 - t) != 2 || parse_digits(c1, 2, &m) < 0)
			return -1;
	} else {
		if (c2 - c1 != 2 || parse_digits(c1, 2, &m) < 0 ||
		    n - (size_t)(c2 + 1 - t) != 2 ||
		    parse_digits(c2 + 1, 2, &s) < 0)
			return -1;
	}
	if (h > 23 || m > 59 || s > 60)
		return -1;
	*secs_r = h * 3600 + m * 60 + s;
	return 0;
}

static int parse_zone(const char *t, size_t n, int *minutes_r)
{
	size_t i;
	int hhmm;

	if (n == 5 && (t[0] == '+' || t[0] == '-') &&
	    parse_digits(t + 1, 4, &hhmm) == 0) {
		if (hhmm % 100 > 59)
			return -1;
		*minutes_r = (hhmm / 100 * 60 + hhmm % 100) *
			     (t[0] == '-' ? -1 : 1);
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(zones); i++) {
		size_t k, len = strlen(zones[i].name);

		if (len != n)
			continue;
		for (k = 0; k < n && lower(t[k]) == zones[i].name[k]; k++)
			;
		if (k == n) {
			*minutes_r = zones[i].minutes;
			return 0;
		}
	}
	/* Other upper-case names: we cannot know them, so read as UTC. */
	if (n < 2 || n > 5)
		return -1;
	for (i = 0; i < n; i++)
		if (t[i] < 'A' || t[i] > 'Z')
			return -1;
	*minutes_r = 0;
	return 0;
}

/*
 * The date is a list of tokens in any order: so asctime ("Tue Mar  4
 * 03:33:20 2003"), asctime with a zone before or after the year, and RFC
 * 5322 order all parse.  Month, day, time and year are required; every
 * token must be one of those, a weekday, a zone or a parenthesised
 * comment, until "remote from HOST" (UUCP), which ends the date.
 */
int mbox_parse_date(const char *s, size_t len, int64_t *t_r)
{
	const char *p = s, *end = s + len;
	int mon = -1, day = -1, year = -1, secs = -1, zone = 0, have_zone = 0;
	int v;

	while (p < end) {
		const char *t;
		size_t n;

		while (p < end && is_space(*p))
			p++;
		if (p == end)
			break;
		t = p;
		while (p < end && !is_space(*p))
			p++;
		n = (size_t)(p - t);
		if (n > 1 && t[n - 1] == ',')
			n--;
		if (n == 6 && strncasecmp(t, "remote", 6) == 0)
			break;
		if (t[0] == '(') {
			/* A comment such as "(Pacific Standard Time)". */
			while (t[n - 1] != ')' && p < end) {
				while (p < end && is_space(*p))
					p++;
				t = p;
				while (p < end && !is_space(*p))
					p++;
				n = (size_t)(p - t);
				if (n == 0)
					return -EINVAL;
			}
			if (t[n - 1] != ')')
				return -EINVAL;
			continue;
		}
		if (is_digit(t[0]) && memchr(t, ':', n) != NULL) {
			if (secs >= 0 || parse_time(t, n, &secs) < 0)
				return -EINVAL;
		} else if (is_digit(t[0])) {
			if (parse_digits(t, n, &v) < 0)
				return -EINVAL;
			if (n <= 2 && day < 0) {
				day = v;
			} else if (year < 0 && (n == 4 || n == 2)) {
				year = n == 4 ? v : v < 70 ? 2000 + v : 1900 + v;
			} else {
				return -EINVAL;
			}
		} else if (is_alpha(t[0])) {
			int i = name_index(t, n, month_names, 12);

			if (i >= 0 && mon < 0) {
				mon = i + 1;
			} else if (name_index(t, n, day_names, 7) >= 0) {
				;
			} else if (!have_zone && parse_zone(t, n, &zone) == 0) {
				have_zone = 1;
			} else {
				return -EINVAL;
			}
		} else if ((t[0] == '+' || t[0] == '-') && !have_zone &&
			   parse_zone(t, n, &zone) == 0) {
			have_zone = 1;
		} else {
			return -EINVAL;
		}
	}
	if (mon < 0 || day < 1 || day > 31 || year < 0 || secs < 0)
		return -EINVAL;
	*t_r = date_days_from_civil(year, (unsigned int)mon, (unsigned int)day) * 86400 + secs -
	       (int64_t)zone * 60;
	return 0;
}

int mbox_parse_from_line(const char *line, size_t len, struct buf *sender,
			 int64_t *date_r, int *has_date_r)
{
	const char *p, *end = line + len, *s;
	int64_t t;

	buf_reset(sender);
	*has_date_r = 0;
	*date_r = 0;
	if (len < 5 || memcmp(line, "From ", 5) != 0)
		return 0;
	p = line + 5;
	while (end > p && is_space(end[-1]))
		end--;
	s = p;
	if (p < end && *p == '"') {
		/* A quoted local part may hold spaces. */
		const char *q = memchr(p + 1, '"', (size_t)(end - p - 1));

		p = q != NULL ? q + 1 : p;
	}
	while (p < end && !is_space(*p))
		p++;
	if (!(p - s == 1 && *s == '-'))
		buf_append(sender, s, (size_t)(p - s));
	while (p < end && is_space(*p))
		p++;
	if (p == end)
		return (p > s && *s == '-') ||
		       memchr(sender->data, '@', sender->len) != NULL;
	if (mbox_parse_date(p, (size_t)(end - p), &t) < 0)
		return 0;
	*date_r = t;
	*has_date_r = 1;
	return 1;
}

int mbox_format_from_line(struct buf *out, const char *sender, int64_t date)
{
	static const char *const mon[12] = {
		"Jan", "Feb", "Mar", "Apr", "May", "Jun",
		"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
	};
	static const char *const wday[7] = {
		"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat",
	};
	struct tm tm;
	time_t tt;
	size_t i, n;

	if (sender == NULL || sender[0] == '\0')
		sender = "MAILER-DAEMON";
	n = strlen(sender);
	if (n > MBOX_SENDER_MAX)
		return -EINVAL;
	/* Keep the year at four digits, so that the reader parses it. */
	if (date < 0)
		date = 0;
	if (date > MBOX_DATE_MAX)
		date = MBOX_DATE_MAX;
	tt = (time_t)date;
	if (gmtime_r(&tt, &tm) == NULL)
		return -EINVAL;
	buf_puts(out, "From ");
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)sender[i];

		buf_putc(out, c <= ' ' || c == 0x7f ? '_' : (char)c);
	}
	buf_printf(out, " %s %s %2d %02d:%02d:%02d %lld\n",
		   wday[tm.tm_wday % 7], mon[tm.tm_mon % 12], tm.tm_mday,
		   tm.tm_hour, tm.tm_min, tm.tm_sec,
		   (long long)tm.tm_year + 1900);
	return 0;
}
