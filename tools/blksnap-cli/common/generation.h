/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * CBT generation ids as text: the canonical lower-case UUID form.
 * Pure logic, no I/O.
 */
#ifndef BLKSNAP_CLI_GENERATION_H
#define BLKSNAP_CLI_GENERATION_H

#include <stdbool.h>
#include <linux/blksnap.h>

#define GENERATION_STR_LEN	37	/* 36 characters and the NUL */

void generation_format(const struct blksnap_uuid *id,
		       char out[GENERATION_STR_LEN]);

/* 0, or -EINVAL if @s is not exactly one UUID. */
int generation_parse(const char *s, struct blksnap_uuid *id);

bool generation_equal(const struct blksnap_uuid *a,
		      const struct blksnap_uuid *b);

#endif /* BLKSNAP_CLI_GENERATION_H */
