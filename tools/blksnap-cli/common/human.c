// SPDX-License-Identifier: GPL-2.0-or-later
#include <inttypes.h>
#include <stdio.h>
#include "human.h"

char *human_age(int64_t seconds, char *buf)
{
	uint64_t s = seconds > 0 ? (uint64_t)seconds : 0;

	if (s < 60)
		snprintf(buf, HUMAN_LEN, "%" PRIu64 "s", s);
	else if (s < 3600)
		snprintf(buf, HUMAN_LEN, "%" PRIu64 "m%02" PRIu64 "s", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, HUMAN_LEN, "%" PRIu64 "h%02" PRIu64 "m", s / 3600,
			 s % 3600 / 60);
	else
		snprintf(buf, HUMAN_LEN, "%" PRIu64 "d%02" PRIu64 "h",
			 s / 86400, s % 86400 / 3600);
	return buf;
}
