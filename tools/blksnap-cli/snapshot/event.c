// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdio.h>
#include <string.h>
#include "event.h"

#define SECTOR_SIZE	512

enum event_outcome event_format(char *buf, size_t size, const char *id,
				const struct blksnap_snapshot_event *ev)
{
	struct blksnap_event_low_free_space low;
	struct blksnap_event_corrupted bad;

	/* Copies: @data is a byte array, not aligned for the payloads. */
	switch (ev->code) {
	case blksnap_event_code_low_free_space:
		memcpy(&low, ev->data, sizeof(low));
		snprintf(buf, size, "%s: difference storage running low; the "
			 "module asks for %llu more bytes", id,
			 (unsigned long long)low.requested_nr_sect * SECTOR_SIZE);
		return EVENT_NOTICE;
	case blksnap_event_code_corrupted:
		memcpy(&bad, ev->data, sizeof(bad));
		snprintf(buf, size, "%s: corrupted by an error on %u:%u (%s); "
			 "destroy the snapshot and create a new one", id,
			 bad.dev_id_mj, bad.dev_id_mn, strerror(-bad.err_code));
		return EVENT_FATAL;
	case blksnap_event_code_no_space:
		memcpy(&bad, ev->data, sizeof(bad));
		snprintf(buf, size, "%s: difference storage full, the snapshot "
			 "of %u:%u is corrupted (%s); destroy the snapshot and "
			 "create a new one with a larger --limit", id,
			 bad.dev_id_mj, bad.dev_id_mn, strerror(-bad.err_code));
		return EVENT_FATAL;
	}
	snprintf(buf, size, "%s: unknown event %u ignored", id, ev->code);
	return EVENT_NOTICE;
}
