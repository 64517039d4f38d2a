#ifndef MAILTREE_IMAP_DATE_H
#define MAILTREE_IMAP_DATE_H

/*
 * IMAP dates (RFC 3501 section 9): `date` as SEARCH takes it
 * ("1-Feb-1994"), and `date-time` as APPEND takes it and INTERNALDATE
 * shows it ("17-Jul-1996 02:44:25 -0700").  Unlike RFC 5322 dates
 * (fs/date.h) the format is fixed; anything else is refused.
 */

#include <stddef.h>
#include <time.h>

struct buf;

/*
 * Parses date-text (without quotes): day (1 or 2 digits), month name
 * (any case), 4-digit year.  Stores 00:00:00 UTC of that day in *day_r;
 * SEARCH compares in the server's zone, which is the caller's business.
 * Returns 0 or -EINVAL (no such day, bad syntax).
 */
int imap_date_parse(const char *s, size_t len, time_t *day_r);

/*
 * Parses date-time (without quotes): "dd-Mon-yyyy hh:mm:ss +zzzz", the
 * day space-padded or, leniently, one digit.  Stores the instant in
 * *time_r and the zone in *tz_min_r (minutes east of UTC).  Returns 0 or
 * -EINVAL.
 */
int imap_date_time_parse(const char *s, size_t len, time_t *time_r,
			 int *tz_min_r);

/* Appends "17-Jul-1996 02:44:25 -0700" (no quotes) for an instant shown
 * in the given zone. */
void imap_date_time_format(time_t t, int tz_min, struct buf *out);

#endif
