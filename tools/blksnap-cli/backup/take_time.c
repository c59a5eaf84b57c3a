// SPDX-License-Identifier: GPL-2.0-or-later
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "take_time.h"

static int format(int64_t t, const char *fmt, char out[TAKE_TIME_LEN])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if ((int64_t)tt != t || !gmtime_r(&tt, &tm) ||
	    !strftime(out, TAKE_TIME_LEN, fmt, &tm))
		return -EOVERFLOW;
	return 0;
}

int take_time_format(int64_t t, char out[TAKE_TIME_LEN])
{
	return format(t, "%Y-%m-%dT%H:%M:%SZ", out);
}

int take_time_format_name(int64_t t, char out[TAKE_TIME_LEN])
{
	return format(t, "%Y%m%dT%H%M%SZ", out);
}

/* Exactly @n digits at *@p, as a number; -1 if not. */
static int digits(const char **p, int n)
{
	int v = 0;

	while (n--) {
		if (!isdigit((unsigned char)**p))
			return -1;
		v = v * 10 + (*(*p)++ - '0');
	}
	return v;
}

/* Skip @c at *@p if the form has separators; false if it is missing. */
static int sep(const char **p, char c, int basic)
{
	if (basic)
		return 1;
	if (**p != c)
		return 0;
	(*p)++;
	return 1;
}

int take_time_parse(const char *s, int64_t *t)
{
	const char *p = s;
	struct tm tm, back;
	int basic, off = 0, oh, om, mday;
	time_t v;

	memset(&tm, 0, sizeof(tm));
	/* "YYYYMMDD" then 'T' is the name form; "YYYY-" the RFC 3339 one. */
	basic = strlen(s) > 8 && isdigit((unsigned char)s[4]);
	tm.tm_year = digits(&p, 4) - 1900;
	if (!sep(&p, '-', basic) || (tm.tm_mon = digits(&p, 2) - 1) < 0 ||
	    !sep(&p, '-', basic) || (tm.tm_mday = digits(&p, 2)) < 1)
		return -EINVAL;
	if (*p != 'T' && *p != 't' && (basic || *p != ' '))
		return -EINVAL;
	p++;
	if ((tm.tm_hour = digits(&p, 2)) < 0 || !sep(&p, ':', basic) ||
	    (tm.tm_min = digits(&p, 2)) < 0 || !sep(&p, ':', basic) ||
	    (tm.tm_sec = digits(&p, 2)) < 0)
		return -EINVAL;
	if (tm.tm_year < 70 || tm.tm_mon > 11 || tm.tm_mday > 31 ||
	    tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 59)
		return -EINVAL;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (!basic && (*p == '+' || *p == '-')) {
		int sign = *p++ == '-' ? -1 : 1;

		if ((oh = digits(&p, 2)) < 0 || oh > 23 || *p++ != ':' ||
		    (om = digits(&p, 2)) < 0 || om > 59)
			return -EINVAL;
		off = sign * (oh * 3600 + om * 60);
	} else {
		return -EINVAL;
	}
	if (*p)
		return -EINVAL;
	/* timegm() makes 31 February 3 March: refuse such days. */
	mday = tm.tm_mday;
	v = timegm(&tm);
	if (v == (time_t)-1 || !gmtime_r(&v, &back) || back.tm_mday != mday)
		return -EINVAL;
	*t = (int64_t)v - off;
	return 0;
}
