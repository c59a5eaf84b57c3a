// SPDX-License-Identifier: GPL-2.0
/*
 * The "blksnap" filter: marks every block a write touches in the device's
 * CBT map, and answers the CBT control commands.
 *
 * The map pointer is RCU-protected: the I/O path reads it under
 * rcu_read_lock(); it is replaced (resize, failed allocation, re-creation)
 * only under tracker->lock, and the old map is freed after a grace period.
 * While the device's snapshot is taken, writes also go through its
 * diff_area, which copies what they are about to overwrite.
 */
#define pr_fmt(fmt) KBUILD_MODNAME "-tracker: " fmt
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/blkdev.h>
#include <linux/uaccess.h>
#include <linux/srcu.h>
#include <linux/wait.h>
#include <linux/blksnap.h>
#include "compat/queue.h"
#include "filter.h"
#include "cbt_map.h"
#include "diff_area.h"
#include "snapshot.h"
#include "tracker.h"

/* At most this much of the map is copied to userspace per CBTMAP call. */
#define CBTMAP_WINDOW_MAX	(16U << 20)
/* At most this many ranges per CBTDIRTY call. */
#define CBTDIRTY_RANGES_MAX	4096U

/*
 * The take's write gate.  A write passes the filter inside a read section
 * of this SRCU and waits outside of it while its tracker is held; so after
 * a take has held its devices, one grace period (however many devices)
 * sees every write that passed before out of the filters.
 */
DEFINE_STATIC_SRCU(tracker_gate_srcu);
static DECLARE_WAIT_QUEUE_HEAD(tracker_gate_wait);

/* Replaces the map by a new one for the device's present capacity. */
static int tracker_renew_map(struct tracker *tracker)
{
	struct block_device *bdev = tracker->filter.bdev;
	struct cbt_map *old, *map;

	map = cbt_map_create(bdev_nr_sectors(bdev));
	old = rcu_replace_pointer(tracker->cbt, IS_ERR(map) ? NULL : map, true);
	if (old) {
		synchronize_rcu();
		cbt_map_destroy(old);
	}
	if (IS_ERR(map)) {
		pr_warn("%pg: no change tracking map (error %ld); history is lost\n",
			bdev, PTR_ERR(map));
		return PTR_ERR(map);
	}
	pr_info("%pg: change tracking generation %pUb, %lu blocks of %u KiB\n",
		bdev, &map->generation_id, map->block_count,
		1U << (map->block_shift + SECTOR_SHIFT - 10));
	return 0;
}

/*
 * The map must describe the device as it is now: after a resize or a lost
 * map, a new generation starts before anything is reported.
 */
static struct cbt_map *tracker_current_map(struct tracker *tracker, int *err)
{
	struct cbt_map *map = rcu_dereference_protected(tracker->cbt, true);

	*err = 0;
	if (!map || READ_ONCE(tracker->capacity_changed) ||
	    map->device_capacity != bdev_nr_sectors(tracker->filter.bdev)) {
		WRITE_ONCE(tracker->capacity_changed, false);
		*err = tracker_renew_map(tracker);
		map = rcu_dereference_protected(tracker->cbt, true);
	}
	return map;
}

static struct filter *tracker_attach(struct block_device *bdev)
{
	struct tracker *tracker;
	struct cbt_map *map;

	if (!bdev_nr_sectors(bdev))
		return ERR_PTR(-ENODATA);
	tracker = kzalloc(sizeof(*tracker), GFP_KERNEL);
	if (!tracker)
		return ERR_PTR(-ENOMEM);
	map = cbt_map_create(bdev_nr_sectors(bdev));
	if (IS_ERR(map)) {
		kfree(tracker);
		return ERR_CAST(map);
	}
	mutex_init(&tracker->lock);
	RCU_INIT_POINTER(tracker->cbt, map);
	return &tracker->filter;
}

static void tracker_detach(struct filter *flt)
{
	struct tracker *tracker = to_tracker(flt);

	/* The registry's grace period has passed: no bio can see us. */
	if (rcu_access_pointer(tracker->cbt))
		cbt_map_destroy(rcu_dereference_protected(tracker->cbt, true));
	kfree(tracker);
}

static bool tracker_submit_bio(struct filter *flt, struct bio *bio)
{
	struct tracker *tracker = to_tracker(flt);
	sector_t sector = filter_bio_sector(flt->bdev, bio);
	struct diff_area *da;
	struct cbt_map *map;
	bool taken = false;
	int gate;

	/* Writes of every kind (also discard, write-zeroes) carry a size. */
	if (!op_is_write(bio_op(bio)) || !bio->bi_iter.bi_size)
		return false;

	/* Held only for the instant of a take. */
	for (;;) {
		gate = srcu_read_lock(&tracker_gate_srcu);
		if (!READ_ONCE(tracker->held))
			break;
		srcu_read_unlock(&tracker_gate_srcu, gate);
		if (bio->bi_opf & REQ_NOWAIT) {
			bio_wouldblock_error(bio);
			return true;
		}
		wait_event(tracker_gate_wait, !READ_ONCE(tracker->held));
	}

	rcu_read_lock();
	map = rcu_dereference(tracker->cbt);
	if (map && map->device_capacity != bdev_nr_sectors(flt->bdev))
		WRITE_ONCE(tracker->capacity_changed, true);
	else if (map)
		cbt_map_mark(map, sector, bio_sectors(bio));
	/* Unpublished only after a grace period, so the reference is safe. */
	da = rcu_dereference(tracker->diff_area);
	if (da)
		diff_area_get(da);
	rcu_read_unlock();

	if (da) {
		taken = diff_area_cow_bio(da, bio);
		diff_area_put(da);
	}
	srcu_read_unlock(&tracker_gate_srcu, gate);
	return taken;
}

static int ctl_cbtinfo(struct tracker *tracker, __u8 __user *buf, __u32 *plen)
{
	struct blksnap_cbtinfo info = {};
	struct cbt_map *map;
	int ret;

	if (*plen < sizeof(info))
		return -EINVAL;
	map = tracker_current_map(tracker, &ret);
	if (!map)
		return ret;
	info.device_capacity = (u64)map->device_capacity << SECTOR_SHIFT;
	info.block_size = 1U << (map->block_shift + SECTOR_SHIFT);
	info.block_count = map->block_count;
	export_uuid(info.generation_id.b, &map->generation_id);
	info.changes_number = map->read_number;
	if (copy_to_user(buf, &info, sizeof(info)))
		return -EFAULT;
	*plen = sizeof(info);
	return 0;
}

static int ctl_cbtmap(struct tracker *tracker, __u8 __user *buf, __u32 *plen)
{
	struct blksnap_cbtmap arg;
	struct cbt_map *map;
	int ret;

	if (*plen < sizeof(arg))
		return -EINVAL;
	if (copy_from_user(&arg, buf, sizeof(arg)))
		return -EFAULT;
	map = tracker_current_map(tracker, &ret);
	if (!map)
		return ret;
	if (arg.length > CBTMAP_WINDOW_MAX || arg.offset > map->block_count ||
	    arg.length > map->block_count - arg.offset)
		return -ERANGE;
	if (copy_to_user(u64_to_user_ptr(arg.buffer), map->read_map + arg.offset,
			 arg.length))
		return -EFAULT;
	return 0;
}

static int ctl_cbtdirty(struct tracker *tracker, __u8 __user *buf, __u32 *plen)
{
	struct blksnap_cbtdirty arg;
	struct blksnap_sectors range;
	struct blksnap_sectors __user *ranges;
	struct cbt_map *map;
	unsigned int i;
	int ret;

	if (*plen < sizeof(arg))
		return -EINVAL;
	if (copy_from_user(&arg, buf, sizeof(arg)))
		return -EFAULT;
	if (arg.count > CBTDIRTY_RANGES_MAX)
		return -E2BIG;
	map = tracker_current_map(tracker, &ret);
	if (!map)
		return ret;
	ranges = u64_to_user_ptr(arg.dirty_sectors);
	for (i = 0; i < arg.count; i++) {
		if (copy_from_user(&range, &ranges[i], sizeof(range)))
			return -EFAULT;
		ret = cbt_map_mark_both(map, range.offset, range.count);
		if (ret)
			return ret;
	}
	return 0;
}

int tracker_cbt_switch(struct tracker *tracker)
{
	struct cbt_map *map;
	int ret;

	lockdep_assert_held(&tracker->lock);
	map = tracker_current_map(tracker, &ret);
	if (!map)
		return ret;
	cbt_map_switch(map);
	return 0;
}

void tracker_close_gate(struct tracker *tracker)
{
	if (!filter_in_queue())
		WRITE_ONCE(tracker->held, true);
}

void tracker_gate_sync(void)
{
	if (!filter_in_queue())
		synchronize_srcu(&tracker_gate_srcu);
}

void tracker_open_gate(struct tracker *tracker)
{
	if (!filter_in_queue()) {
		WRITE_ONCE(tracker->held, false);
		wake_up_all(&tracker_gate_wait);
	}
}

void tracker_drain_start(struct tracker *tracker)
{
	/*
	 * Under native blkfilter bios enter the queue before they reach the
	 * filter, so a writer waiting at a gate would keep a drain from
	 * ending; the held freeze stops them ahead of the filter instead.
	 */
	compat_queue_freeze_start(bdev_get_queue(tracker->filter.bdev));
}

void tracker_drain_wait(struct tracker *tracker)
{
	struct request_queue *q = bdev_get_queue(tracker->filter.bdev);

	compat_queue_freeze_wait(q);
	/* The gates hold new writes: the drain is all the freeze was for. */
	if (!filter_in_queue())
		compat_queue_unfreeze(q);
}

void tracker_resume_writes(struct tracker *tracker)
{
	if (filter_in_queue())
		compat_queue_unfreeze(bdev_get_queue(tracker->filter.bdev));
}

static int ctl_snapshotadd(struct filter *flt, __u8 __user *buf, __u32 *plen)
{
	struct blksnap_snapshotadd arg;
	uuid_t id;

	if (*plen < sizeof(arg))
		return -EINVAL;
	if (copy_from_user(&arg, buf, sizeof(arg)))
		return -EFAULT;
	/* Detached by the kernel while this command ran (native only). */
	if (READ_ONCE(to_tracker(flt)->lost))
		return -ENODEV;
	import_uuid(&id, arg.id.b);
	return snapshot_add_device(&id, flt);
}

static int ctl_snapshotinfo(struct filter *flt, __u8 __user *buf, __u32 *plen)
{
	struct blksnap_snapshotinfo info = {};
	int ret;

	if (*plen < sizeof(info))
		return -EINVAL;
	ret = snapshot_device_info(flt, &info);
	if (ret)
		return ret;
	if (copy_to_user(buf, &info, sizeof(info)))
		return -EFAULT;
	*plen = sizeof(info);
	return 0;
}

static int tracker_ctl(struct filter *flt, unsigned int cmd,
		       __u8 __user *buf, __u32 *plen)
{
	struct tracker *tracker = to_tracker(flt);
	int ret;

	/* The snapshot commands take snapshots_lock, which nests outside. */
	switch (cmd) {
	case BLKFILTER_CTL_BLKSNAP_SNAPSHOTADD:
		return ctl_snapshotadd(flt, buf, plen);
	case BLKFILTER_CTL_BLKSNAP_SNAPSHOTINFO:
		return ctl_snapshotinfo(flt, buf, plen);
	}

	mutex_lock(&tracker->lock);
	switch (cmd) {
	case BLKFILTER_CTL_BLKSNAP_CBTINFO:
		ret = ctl_cbtinfo(tracker, buf, plen);
		break;
	case BLKFILTER_CTL_BLKSNAP_CBTMAP:
		ret = ctl_cbtmap(tracker, buf, plen);
		break;
	case BLKFILTER_CTL_BLKSNAP_CBTDIRTY:
		ret = ctl_cbtdirty(tracker, buf, plen);
		break;
	case BLKFILTER_CTL_BLKSNAP_CBTSWITCH:
		ret = tracker_cbt_switch(tracker);
		break;
	default:
		ret = -ENOTTY;
		break;
	}
	mutex_unlock(&tracker->lock);
	return ret;
}

/* A device in a snapshot stays filtered until the snapshot is destroyed. */
static int tracker_may_detach(struct filter *flt)
{
	return READ_ONCE(to_tracker(flt)->snapshot) ? -EBUSY : 0;
}

/*
 * Runs while the kernel holds the device's queue frozen: takes no lock a
 * task waiting for that queue could hold (tracker->lock is held across
 * allocations).  Pairs with snapshot_take(), which publishes the diff area
 * and then reads @lost: one of the two sees the other's store, so a device
 * added to a snapshot around the detach gets a failed image either way.
 */
static void tracker_lost(struct filter *flt)
{
	struct tracker *tracker = to_tracker(flt);
	struct diff_area *da;

	if (READ_ONCE(tracker->snapshot))
		pr_err("%pg: detached by the kernel while in a snapshot; its image is no longer valid\n",
		       flt->bdev);
	WRITE_ONCE(tracker->lost, true);
	/* Orders the store above before the load below; see snapshot_take(). */
	smp_mb();
	rcu_read_lock();
	da = rcu_dereference(tracker->diff_area);
	if (da)
		diff_area_get(da);
	rcu_read_unlock();
	if (da) {
		diff_area_fail(da, -ENODEV);
		diff_area_put(da);
	}
}

static struct filter_operations tracker_ops = {
	.owner = THIS_MODULE,
	.name = BLKSNAP_FILTER_NAME,
	.attach = tracker_attach,
	.detach = tracker_detach,
	.ctl = tracker_ctl,
	.may_detach = tracker_may_detach,
	.lost = tracker_lost,
	.submit_bio = tracker_submit_bio,
};

int tracker_init(void)
{
	return filter_register(&tracker_ops);
}

void tracker_done(void)
{
	filter_unregister(&tracker_ops);
}
