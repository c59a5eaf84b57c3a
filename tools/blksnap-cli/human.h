/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Sizes and durations for people, in table cells (JSON keeps the numbers):
 *   human_size(1536 * 1024)  "1.5M"   binary units B K M G T P, one decimal
 *                                    below 10 (as lsblk prints sizes)
 *   human_age(3725)          "1h02m"  the two largest units of d h m s
 */
#ifndef BLKSNAP_CLI_HUMAN_H
#define BLKSNAP_CLI_HUMAN_H

#include <stddef.h>
#include <stdint.h>

#define HUMAN_LEN	32	/* enough for either, with its NUL */

/* Writes @bytes to @buf (HUMAN_LEN bytes) and returns @buf. */
char *human_size(uint64_t bytes, char *buf);

/* Writes @seconds (negative: clock set back, shown as 0s) to @buf. */
char *human_age(int64_t seconds, char *buf);

#endif /* BLKSNAP_CLI_HUMAN_H */
