/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The blksnap filter's state for one block device: its change-block
 * tracking map now, its snapshot state later.  Registered as the filter
 * named "blksnap".
 */
#ifndef __BLKSNAP_TRACKER_H
#define __BLKSNAP_TRACKER_H

#include <linux/mutex.h>
#include "filter.h"

struct cbt_map;
struct diff_area;
struct snapshot;

struct tracker {
	struct blkfilter filter;
	/*
	 * Serializes the ctl commands and the snapshot's use of the tracker
	 * (take, destroy); the map pointer is replaced only under it.
	 */
	struct mutex lock;
	/* NULL after a failed allocation; replaced under lock, read under RCU. */
	struct cbt_map __rcu *cbt;
	/*
	 * Set by the I/O path when it sees the capacity differ from the map's:
	 * the next ctl starts a new generation even if the size came back.
	 */
	bool capacity_changed;
	/* The snapshot the device was added to; under snapshots_lock. */
	struct snapshot *snapshot;
	/* Copy-on-write state while the snapshot is taken; set under lock. */
	struct diff_area __rcu *diff_area;
};

static inline struct tracker *to_tracker(struct blkfilter *flt)
{
	return container_of(flt, struct tracker, filter);
}

/* Freezes the CBT write map, as a take does; called with tracker->lock. */
int tracker_cbt_switch(struct tracker *tracker);

int tracker_init(void);
void tracker_done(void);

#endif /* __BLKSNAP_TRACKER_H */
