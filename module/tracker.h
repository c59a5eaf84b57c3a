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
 * The block-level quiesce of a take, in three steps so that the devices'
 * waits overlap:
 *   tracker_close_gate()                 once: no new write passes any
 *                                        filter (one RCU grace period
 *                                        for all devices)
 *   tracker_drain_start(t) for each,     writes already passed complete:
 *   then tracker_drain_wait(t) for each  the queue freezes overlap
 *   ...                                  copy-on-write starts
 *   tracker_resume_writes(t) for each, then tracker_open_gate()
 * Under native blkfilter the filter runs inside the queue: a held queue
 * freeze stops writes ahead of it instead, and the gate stays open (see
 * filter_in_queue()).  May sleep long.
 */
void tracker_close_gate(void);
void tracker_drain_start(struct tracker *tracker);
void tracker_drain_wait(struct tracker *tracker);
void tracker_resume_writes(struct tracker *tracker);
void tracker_open_gate(void);

int tracker_init(void);
void tracker_done(void);

#endif /* __BLKSNAP_TRACKER_H */
