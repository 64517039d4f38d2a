#ifndef MAILTREE_DATE_H
#define MAILTREE_DATE_H

/*
 * RFC 5322 date-time parsing, with the obsolete and broken forms seen in
 * real mail: a missing day of week or seconds, two- and three-digit years
 * (RFC 5322 section 4.3: 00-49 are 20xx, 50-99 and three digits 19xx),
 * named zones (UT, GMT, the US zones, a few common European and Asian
 * ones; military letters count as +0000), a missing zone (+0000),
 * comments anywhere, asctime() order ("Wed Feb 11 11:51:00 1998") and
 * dots or dashes between the date fields.
 */

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/*
 * Parses `len` bytes of a Date value.  Stores the instant in *time_r and
 * the zone in *tz_min_r (minutes east of UTC, as written).  Returns 0, or
 * -EINVAL if no date can be made of it (the outputs are then untouched).
 */
int date_parse(const char *s, size_t len, time_t *time_r, int *tz_min_r);
/* Days since 1970-01-01 of a proleptic Gregorian date, month 1-12 (Howard
 * Hinnant's days_from_civil); independent of the process time zone. */
int64_t date_days_from_civil(int64_t y, unsigned int m, unsigned int d);

/* Formats an instant as an RFC 5322 date in the given zone, e.g.
 * "Tue, 1 Jul 2003 10:52:37 +0200". */
struct buf;
void date_format(time_t t, int tz_min, struct buf *out);

#endif
