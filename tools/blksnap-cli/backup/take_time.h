/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A backup's take time as people and files read it: RFC 3339 in UTC
 * ("2026-12-02T12:34:56Z") for output, headers and --at, and the same
 * without the separators ("20261202T123456Z") for file names, as FAT and
 * exFAT backup disks refuse ':' in a name.
 */
#ifndef BLKSNAP_CLI_TAKE_TIME_H
#define BLKSNAP_CLI_TAKE_TIME_H

#include <stdint.h>

#define TAKE_TIME_LEN	32	/* room for either form and the NUL */

/* @t (seconds since the epoch) as RFC 3339 UTC; 0 or -EOVERFLOW. */
int take_time_format(int64_t t, char out[TAKE_TIME_LEN]);

/* @t in the file name form; 0 or -EOVERFLOW. */
int take_time_format_name(int64_t t, char out[TAKE_TIME_LEN]);

/*
 * Parse an RFC 3339 time ("2026-12-02T12:34:56Z", a 't' or ' ' for 'T',
 * an offset such as "+01:00" for 'Z') or the file name form into seconds
 * since the epoch.  Fractions of a second are refused: points are whole
 * seconds.  0 or -EINVAL.
 */
int take_time_parse(const char *s, int64_t *t);

#endif /* BLKSNAP_CLI_TAKE_TIME_H */
