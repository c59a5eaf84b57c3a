/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Durations for people, in table cells (JSON keeps the numbers; sizes
 * are parse_size.h's size_format()):
 *   human_age(3725)          "1h02m"  the two largest units of d h m s
 */
#ifndef BLKSNAP_CLI_HUMAN_H
#define BLKSNAP_CLI_HUMAN_H

#include <stddef.h>
#include <stdint.h>

#define HUMAN_LEN	32	/* enough for any age, with its NUL */

/*
 * Writes @seconds (negative: clock set back, shown as 0s) to @buf
 * (HUMAN_LEN bytes) and returns @buf.
 */
char *human_age(int64_t seconds, char *buf);

#endif /* BLKSNAP_CLI_HUMAN_H */
