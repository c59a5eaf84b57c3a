/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Snapshots: a set of devices, one difference storage, taken together.
 *
 * Lock order: filters_lock (filter.c) -> snapshots_lock -> tracker->lock.
 * A snapshot is a kobject, /sys/class/misc/blksnap-control/snapshots/<id>,
 * whose reference count is the snapshot's.
 */
#ifndef __BLKSNAP_SNAPSHOT_H
#define __BLKSNAP_SNAPSHOT_H

#include <linux/kobject.h>
#include <linux/blksnap.h>

struct filter;

int snapshot_init(struct kobject *parent);
void snapshot_done(void);

int snapshot_create(const char *storage_path, unsigned int kind,
		    sector_t limit, uuid_t *id);
int snapshot_destroy(const uuid_t *id);
int snapshot_take(const uuid_t *id);
int snapshot_collect(struct blksnap_snapshot_collect *arg);
int snapshot_wait_event(struct blksnap_snapshot_event *ev);

/* Filter ctl commands of the blksnap filter, called by tracker.c. */
int snapshot_add_device(const uuid_t *id, struct filter *flt);
/*
 * @count ranges of sectors of @flt's device (a copy in kernel memory)
 * are free space of its filesystem now, which the storage of its
 * snapshot may grow into (free_map.h).  Between the add and the take.
 */
int snapshot_free_space(struct filter *flt, const struct blksnap_sectors *ranges,
			unsigned int count);
int snapshot_device_info(struct filter *flt,
			 struct blksnap_snapshotinfo *info);

#endif /* __BLKSNAP_SNAPSHOT_H */
