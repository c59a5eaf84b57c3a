/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The blksnap filter's state for one block device: its change-block
 * tracking map now, its snapshot state later.  Registered as the filter
 * named "blksnap".
 */
#ifndef __BLKSNAP_TRACKER_H
#define __BLKSNAP_TRACKER_H

#include <linux/mutex.h>
#include <linux/percpu-rwsem.h>
#include "filter.h"

struct cbt_map;
struct diff_area;
struct snapshot;

struct tracker {
	struct filter filter;
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
	/*
	 * Writes pass the filter holding this for read; take() holds it for
	 * write while it drains the queue and starts copy-on-write, so no
	 * write slips between the two (the block-level quiesce).  Under
	 * native blkfilter a frozen queue does that instead (see
	 * filter_in_queue()) and the gate stays open.
	 */
	struct percpu_rw_semaphore write_gate;
	/*
	 * The kernel detached the filter (native blkfilter only): writes are
	 * no longer seen, so no image of the device can be trusted.  See
	 * tracker_lost().
	 */
	bool lost;
};

static inline struct tracker *to_tracker(struct filter *flt)
{
	return container_of(flt, struct tracker, filter);
}

/* Freezes the CBT write map, as a take does; called with tracker->lock. */
int tracker_cbt_switch(struct tracker *tracker);

/*
 * Stops new writes at the filter and waits until none is in flight on the
 * device; tracker_resume_writes() lets them go on.  May sleep long.
 */
void tracker_hold_writes(struct tracker *tracker);
void tracker_resume_writes(struct tracker *tracker);

int tracker_init(void);
void tracker_done(void);

#endif /* __BLKSNAP_TRACKER_H */
