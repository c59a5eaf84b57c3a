/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Snapshot events as 'blksnap snapshot watch' reports them, one line each.
 * Pure logic, no I/O, so the wording is unit-testable.
 */
#ifndef BLKSNAP_CLI_EVENT_H
#define BLKSNAP_CLI_EVENT_H

#include <stddef.h>
#include <linux/blksnap.h>

enum event_outcome {
	EVENT_NOTICE,	/* a line on stdout; keep watching */
	EVENT_FATAL,	/* the snapshot is lost: a line on stderr, exit 1 */
};

/*
 * Format event @ev of snapshot @id (its text form) into @buf, without the
 * "blksnap: " prefix and the newline.
 */
enum event_outcome event_format(char *buf, size_t size, const char *id,
				const struct blksnap_snapshot_event *ev);

#endif /* BLKSNAP_CLI_EVENT_H */
