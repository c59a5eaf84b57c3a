// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <string.h>
#include "generation.h"
#include "since.h"

int since_parse(const char *s, struct since *out)
{
	char gen[GENERATION_STR_LEN];
	const char *colon = strchr(s, ':');
	const char *p;
	unsigned int n = 0;

	if (!colon || (size_t)(colon - s) != GENERATION_STR_LEN - 1)
		return -EINVAL;
	memcpy(gen, s, GENERATION_STR_LEN - 1);
	gen[GENERATION_STR_LEN - 1] = '\0';
	if (generation_parse(gen, &out->generation))
		return -EINVAL;

	/* Digits only: strtoul would take signs, spaces and hex. */
	p = colon + 1;
	if (!*p)
		return -EINVAL;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		n = n * 10 + (*p - '0');
		if (n > UINT8_MAX)
			return -EINVAL;
	}
	out->number = n;
	return 0;
}

enum since_verdict since_check(const struct since *since,
			       const struct blksnap_cbtinfo *info)
{
	if (!generation_equal(&since->generation, &info->generation_id))
		return SINCE_OTHER_GENERATION;
	if (since->number > info->changes_number)
		return SINCE_AHEAD;
	return SINCE_CONTINUES;
}
