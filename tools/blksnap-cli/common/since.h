/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The --since GENERATION:NUMBER point of an incremental backup, and whether
 * a device's change tracking still continues from it.  Pure logic, no I/O.
 */
#ifndef BLKSNAP_CLI_SINCE_H
#define BLKSNAP_CLI_SINCE_H

#include <stdint.h>
#include <linux/blksnap.h>

struct since {
	struct blksnap_uuid generation;
	uint8_t number;		/* blocks whose map entry exceeds this changed */
};

/* 0, or -EINVAL if @s is not "UUID:NUMBER" with NUMBER in 0..255. */
int since_parse(const char *s, struct since *out);

enum since_verdict {
	SINCE_CONTINUES,	/* the map answers "what changed since" */
	SINCE_OTHER_GENERATION,	/* tracking was reset; history is lost */
	SINCE_AHEAD,		/* NUMBER was never reached in this generation */
};

enum since_verdict since_check(const struct since *since,
			       const struct blksnap_cbtinfo *info);

#endif /* BLKSNAP_CLI_SINCE_H */
