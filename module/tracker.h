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
struct free_map;
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
	 * From the join to the take of a snapshot of the device: where
	 * writes went (free_map.h).  Set under lock, read under RCU; the
	 * snapshot owns it.
	 */
	struct free_map __rcu *free_map;
	/*
	 * The chunks the last image of the device showed as zeros for free
	 * space (free_map_flips()); under lock, owned.
	 */
	struct free_map *free_shown;
	/*
	 * Set by a take while it drains the device: writes wait at the
	 * filter (see tracker_close_gate()).
	 */
	bool held;
	/* Writes that passed the filter and have not completed. */
	atomic_t writes_in_flight;
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

/*
 * The filter operations of a tracked device (see struct filter_operations;
 * blksnap_filter.c puts them in the blksnap filter's table).  tracker_ctl()
 * answers the CBT commands, -ENOTTY to any other.
 */
struct filter *tracker_attach(struct block_device *bdev);
void tracker_detach(struct filter *flt);
bool tracker_submit_bio(struct filter *flt, struct bio *bio);
int tracker_ctl(struct filter *flt, unsigned int cmd, __u8 __user *buf,
		__u32 *plen);
int tracker_may_detach(struct filter *flt);
void tracker_lost(struct filter *flt);

/*
 * Freezes the CBT write map, as a take does, in two halves under
 * tracker->lock: the caller waits for one RCU grace period between them,
 * for all the trackers it switches (see cbt_map.h).
 */
int tracker_cbt_switch_begin(struct tracker *tracker);
void tracker_cbt_switch_end(struct tracker *tracker);
/* Marks sectors changed in the current generation; under tracker->lock. */
void tracker_cbt_mark(struct tracker *tracker, sector_t sector, sector_t count);

/*
 * The block-level quiesce of a take, in steps so that the devices' waits
 * overlap:
 *   tracker_close_gate(t) for each   new writes to the take's devices wait
 *   tracker_gate_sync()              once: writes that passed the filters
 *                                    before are done with them
 *   tracker_drain_start(t) for each, writes already passed complete: the
 *   then tracker_drain_wait(t, dl)   queue freezes overlap; after one
 *                                    failed, tracker_drain_cancel(t) for
 *                                    the rest
 *   tracker_writes_drain(t, dl)      and every write the filter counted,
 *                                    wherever it waits below (a stacking
 *                                    driver, a throttle, a delay), has
 *                                    completed
 *   Both waits return -ERESTARTNOHAND if the taking task got a signal
 *   (-EINTR to a caller whose handler runs, a restarted take otherwise)
 *   and -ETIMEDOUT at the jiffies deadline dl (the take is undone): when
 *   devices of a snapshot are stacked on one another, writes below one
 *   may wait for another's gate or frozen filesystem and never end.
 *   ...                              copy-on-write starts
 *   tracker_resume_writes(t) and tracker_open_gate(t) for each
 * Only the take's own devices are held: a request in flight on one of
 * them may need a write to another filtered device (a loop device's
 * backing file, a dm target's lower device) to complete.
 * Under native blkfilter the filter runs inside the queue: a held queue
 * freeze stops writes ahead of it instead, and the gates stay open (see
 * filter_in_queue()).  May sleep long.
 */
void tracker_close_gate(struct tracker *tracker);
void tracker_gate_sync(void);
void tracker_drain_start(struct tracker *tracker);
int tracker_drain_wait(struct tracker *tracker, unsigned long deadline);
void tracker_drain_cancel(struct tracker *tracker);
int tracker_writes_drain(struct tracker *tracker, unsigned long deadline);
void tracker_resume_writes(struct tracker *tracker);
void tracker_open_gate(struct tracker *tracker);

int tracker_init(void);
void tracker_done(void);

#endif /* __BLKSNAP_TRACKER_H */
