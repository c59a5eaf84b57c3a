// SPDX-License-Identifier: GPL-2.0
/*
 * The blksnap filter's state on one device: marks every block a write
 * touches in the device's CBT map, and answers the CBT control commands.
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
#include "params.h"
#include "filter.h"
#include "cbt_map.h"
#include "diff_area.h"
#include "free_map.h"
#include "diff_storage.h"
#include "tracker.h"

/* At most this much of the map is copied to userspace per CBTMAP call. */
#define CBTMAP_WINDOW_MAX	(16U << 20)
/* CBTMAP copies out this much at a time, without the tracker's lock. */
#define CBTMAP_PIECE		(64U << 10)
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

/*
 * Writes that met a held gate inside another bio's submission (a stacking
 * driver that issues several bios in one call: dm-stripe's discards, md
 * raid1's unplug).  Bios queued on that task's current->bio_list before
 * them, counted already, go down only once the call returns; sleeping
 * there would keep the take's drain waiting for them.  They are parked,
 * not counted or marked yet, and submitted again when the gate opens.
 */
static DEFINE_SPINLOCK(tracker_parked_lock);
static struct bio_list tracker_parked = BIO_EMPTY_LIST;
static struct workqueue_struct *tracker_parked_wq;

static void tracker_parked_submit(struct work_struct *work)
{
	struct bio_list bios;
	struct bio *bio;

	spin_lock(&tracker_parked_lock);
	bios = tracker_parked;
	bio_list_init(&tracker_parked);
	spin_unlock(&tracker_parked_lock);
	/*
	 * Through the filters from the top (a plain submit_bio_noacct() from
	 * this module would pass the interception unfiltered): not counted
	 * or marked yet, the bio is all new to its tracker, and a gate held
	 * again by now is waited at here.
	 */
	while ((bio = bio_list_pop(&bios)))
		filter_resubmit_bio(bio);
}

static DECLARE_WORK(tracker_parked_work, tracker_parked_submit);

static void tracker_park(struct bio *bio)
{
	/* Nobody would poll it: it completes by interrupt, as a split does. */
	bio->bi_opf &= ~REQ_POLLED;
	spin_lock(&tracker_parked_lock);
	bio_list_add(&tracker_parked, bio);
	spin_unlock(&tracker_parked_lock);
}

/*
 * Writes that passed a filter travel on as a clone whose completion the
 * tracker counts: a take waits for the writes that passed before it (they
 * may sit below in a stacking driver, a throttle or a delay for long after
 * the queue freeze), and a detach for all of them.
 */
struct tracker_write {
	struct tracker *tracker;
	/* Last: the bio_set's front pad ends here. */
	struct bio clone;
};

#define TRACKER_WRITES_RESERVED	64

static struct bio_set tracker_writes;
static DECLARE_WAIT_QUEUE_HEAD(tracker_writes_wait);

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

struct filter *tracker_attach(struct block_device *bdev)
{
	struct tracker *tracker;
	struct cbt_map *map;

	if (!bdev_nr_sectors(bdev))
		return ERR_PTR(-ENODATA);
	/*
	 * Zone append, reset and finish change data in ways the copy and
	 * the map do not follow (an append's place is known only when it
	 * completes).
	 */
	if (bdev_is_zoned(bdev))
		return ERR_PTR(-EMEDIUMTYPE);
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

void tracker_detach(struct filter *flt)
{
	struct tracker *tracker = to_tracker(flt);

	/* The registry's grace period has passed: no bio can see us. */
	wait_event(tracker_writes_wait, !atomic_read(&tracker->writes_in_flight));
	if (rcu_access_pointer(tracker->cbt))
		cbt_map_destroy(rcu_dereference_protected(tracker->cbt, true));
	free_map_destroy(tracker->free_shown);
	kfree(tracker);
}

static void tracker_write_endio(struct bio *clone)
{
	struct tracker_write *tw = container_of(clone, struct tracker_write, clone);
	struct tracker *tracker = tw->tracker;
	struct bio *bio = clone->bi_private;

	/* The first error wins: a piece of a whole-disk bio may have failed. */
	if (clone->bi_status && !bio->bi_status)
		bio->bi_status = clone->bi_status;
	bio_put(clone);
	bio_endio(bio);
	/*
	 * Last: a detach may free the tracker once the count is zero.  The
	 * read section lets module exit wait (synchronize_rcu()) for a
	 * completion that is still on its way out of here.
	 */
	rcu_read_lock();
	if (atomic_dec_and_test(&tracker->writes_in_flight) &&
	    wq_has_sleeper(&tracker_writes_wait))
		wake_up_all(&tracker_writes_wait);
	rcu_read_unlock();
}

/* @bio as a tracker's clone of a write it let pass; NULL if it is none. */
static struct tracker_write *tracker_write_of(struct bio *bio)
{
	if (bio->bi_end_io != tracker_write_endio)
		return NULL;
	return container_of(bio, struct tracker_write, clone);
}

/*
 * Whether @bio is, or is a clone of, this tracker's clone of a write it
 * let pass: a partition's clone goes on to its whole disk's filter, which
 * clones it again and sends that through the partition's filter.
 */
static bool tracker_own_write(struct tracker *tracker, struct bio *bio)
{
	struct tracker_write *tw;

	for (tw = tracker_write_of(bio); tw; tw = tracker_write_of(tw->clone.bi_private)) {
		if (tw->tracker == tracker)
			return true;
	}
	return false;
}

/*
 * The clone @bio travels on as, counted from now (inside the gate's read
 * section, so that a take's grace period sees every count that passed).
 * NULL if there is no memory without waiting, for a REQ_NOWAIT write.
 */
static struct bio *tracker_count_write(struct tracker *tracker, struct bio *bio)
{
	gfp_t gfp = bio->bi_opf & REQ_NOWAIT ? GFP_NOWAIT : GFP_NOIO;
	struct tracker_write *tw;
	struct bio *clone;

	/*
	 * GFP_NOIO from a bio_set with a rescuer: the reserve refills as
	 * writes complete, and bios this task queued are submitted by the
	 * rescuer meanwhile.
	 */
	clone = bio_alloc_clone(bio->bi_bdev, bio, gfp, &tracker_writes);
	if (!clone)
		return NULL;
	/*
	 * Nobody polls the clone (the submitter polls the original, which
	 * has no cookie): it completes by interrupt, as a split bio does.
	 */
	clone->bi_opf &= ~REQ_POLLED;
	tw = container_of(clone, struct tracker_write, clone);
	tw->tracker = tracker;
	clone->bi_end_io = tracker_write_endio;
	clone->bi_private = bio;
	atomic_inc(&tracker->writes_in_flight);
	return clone;
}

/*
 * Whether @bio already passed the gate of a tracker that a take now holds
 * (it carries that tracker's clone): it was issued before the take, and
 * that tracker's drain waits for it.  A write to a partition of a whole
 * disk in the same take meets the disk's gate that way; it must not wait
 * there, or neither drain ends.
 */
static bool tracker_counted_by_held(struct bio *bio)
{
	struct tracker_write *tw;

	for (tw = tracker_write_of(bio); tw; tw = tracker_write_of(tw->clone.bi_private)) {
		if (READ_ONCE(tw->tracker->held))
			return true;
	}
	return false;
}

bool tracker_submit_bio(struct filter *flt, struct bio *bio)
{
	struct tracker *tracker = to_tracker(flt);
	sector_t sector = filter_bio_sector(flt->bdev, bio);
	struct bio *clone = NULL;
	struct diff_area *da;
	struct cbt_map *map;
	struct free_map *fm;
	bool taken = false;
	int gate;

	/* Writes of every kind (also discard, write-zeroes) carry a size. */
	if (!op_is_write(bio_op(bio)) || !bio->bi_iter.bi_size)
		return false;
	/* Seen, copied and counted already. */
	if (tracker_own_write(tracker, bio))
		return false;
	/*
	 * A chunk going to the storage on this device: its sectors show as
	 * zeros in the image and are no change of the device's contents.
	 */
	if (diff_storage_own_bio(bio, flt->bdev))
		return false;

	/* Held only for the instant of a take. */
	for (;;) {
		gate = srcu_read_lock(&tracker_gate_srcu);
		if (!READ_ONCE(tracker->held) || tracker_counted_by_held(bio))
			break;
		srcu_read_unlock(&tracker_gate_srcu, gate);
		if (bio->bi_opf & REQ_NOWAIT) {
			bio_wouldblock_error(bio);
			return true;
		}
		if (current->bio_list) {
			tracker_park(bio);
			/*
			 * Opened meanwhile: its worker may have run already.
			 * Pairs with the barrier in tracker_open_gate().
			 */
			smp_mb();
			if (!READ_ONCE(tracker->held))
				queue_work(tracker_parked_wq, &tracker_parked_work);
			return true;
		}
		wait_event(tracker_gate_wait, !READ_ONCE(tracker->held) ||
			   tracker_counted_by_held(bio));
	}

	rcu_read_lock();
	map = rcu_dereference(tracker->cbt);
	if (map && map->device_capacity != bdev_nr_sectors(flt->bdev))
		WRITE_ONCE(tracker->capacity_changed, true);
	else if (map)
		cbt_map_mark(map, sector, bio_sectors(bio));
	fm = rcu_dereference(tracker->free_map);
	if (fm)
		free_map_written(fm, sector, bio_sectors(bio));
	/* Unpublished only after a grace period, so the reference is safe. */
	da = rcu_dereference(tracker->diff_area);
	if (da)
		diff_area_get(da);
	rcu_read_unlock();

	if (da) {
		taken = diff_area_cow_bio(da, bio);
		diff_area_put(da);
	}
	/*
	 * Under native blkfilter the bio is inside the queue already and a
	 * take's held freeze waits for it; here it is counted.
	 */
	if (!taken && !filter_in_queue()) {
		clone = tracker_count_write(tracker, bio);
		if (!clone) {
			srcu_read_unlock(&tracker_gate_srcu, gate);
			/*
			 * Only a REQ_NOWAIT write gets no clone (the others wait
			 * on the bio_set's reserve); any other would be an error,
			 * not a retry.
			 */
			if (bio->bi_opf & REQ_NOWAIT)
				bio_wouldblock_error(bio);
			else
				bio_io_error(bio);
			return true;
		}
	}
	srcu_read_unlock(&tracker_gate_srcu, gate);
	if (!clone)
		return taken;
	/*
	 * Outside the read section: the clone meets the whole disk's filter
	 * next, whose gate may be held by a take that waits for this section.
	 */
	filter_resubmit_bio(clone);
	return true;
}

static int ctl_cbtinfo(struct tracker *tracker, __u8 __user *buf, __u32 *plen)
{
	struct blksnap_cbtinfo info = {};
	struct cbt_map *map;
	int ret;

	if (*plen < sizeof(info))
		return -EINVAL;
	mutex_lock(&tracker->lock);
	map = tracker_current_map(tracker, &ret);
	if (map) {
		info.device_capacity = (u64)map->device_capacity << SECTOR_SHIFT;
		info.block_size = 1U << (map->block_shift + SECTOR_SHIFT);
		info.block_count = map->block_count;
		export_uuid(info.generation_id.b, &map->generation_id);
		info.changes_number = map->read_number;
	}
	mutex_unlock(&tracker->lock);
	if (!map)
		return ret;
	/* Not under the lock: see ctl_cbtmap(). */
	if (copy_to_user(buf, &info, sizeof(info)))
		return -EFAULT;
	*plen = sizeof(info);
	return 0;
}

/*
 * Copied out in pieces through a kernel buffer, without tracker->lock held
 * across copy_to_user(): a fault on the user buffer may wait for a frozen
 * filesystem (a MAP_SHARED buffer), and a take freezes before it takes
 * the lock.  A switch or a new map between pieces fails the read with
 * -ESTALE, as the pieces would not agree.
 */
static int ctl_cbtmap(struct tracker *tracker, __u8 __user *buf, __u32 *plen)
{
	struct blksnap_cbtmap arg;
	u8 __user *to;
	struct cbt_map *map;
	uuid_t generation;
	u8 number = 0;
	u32 done, n;
	u8 *piece;
	int ret = 0;

	if (*plen < sizeof(arg))
		return -EINVAL;
	if (copy_from_user(&arg, buf, sizeof(arg)))
		return -EFAULT;
	if (arg.length > CBTMAP_WINDOW_MAX)
		return -ERANGE;
	to = u64_to_user_ptr(arg.buffer);
	piece = kmalloc(CBTMAP_PIECE, GFP_KERNEL);
	if (!piece)
		return -ENOMEM;
	done = 0;
	do {
		n = min_t(u32, arg.length - done, CBTMAP_PIECE);
		mutex_lock(&tracker->lock);
		map = tracker_current_map(tracker, &ret);
		if (map && !done) {
			generation = map->generation_id;
			number = map->read_number;
			if (arg.offset > map->block_count ||
			    arg.length > map->block_count - arg.offset)
				ret = -ERANGE;
		} else if (map && (!uuid_equal(&generation, &map->generation_id) ||
				   number != map->read_number)) {
			ret = -ESTALE;
		}
		if (map && !ret)
			memcpy(piece, map->read_map + arg.offset + done, n);
		mutex_unlock(&tracker->lock);
		if (!map && !ret)
			ret = -ENOMEM;
		if (!ret && copy_to_user(to + done, piece, n))
			ret = -EFAULT;
		done += n;
	} while (!ret && done < arg.length);
	kfree(piece);
	return ret;
}

static int ctl_cbtdirty(struct tracker *tracker, __u8 __user *buf, __u32 *plen)
{
	struct blksnap_cbtdirty arg;
	struct blksnap_sectors *ranges;
	struct cbt_map *map;
	unsigned int i;
	int ret;

	if (*plen < sizeof(arg))
		return -EINVAL;
	if (copy_from_user(&arg, buf, sizeof(arg)))
		return -EFAULT;
	/* So that a later version may give it a meaning. */
	if (arg.padding)
		return -EINVAL;
	if (arg.count > CBTDIRTY_RANGES_MAX)
		return -E2BIG;
	/* Read in before the lock (see ctl_cbtmap()); 64 KiB at most. */
	ranges = memdup_user(u64_to_user_ptr(arg.dirty_sectors),
			     array_size(arg.count, sizeof(*ranges)));
	if (IS_ERR(ranges))
		return PTR_ERR(ranges);
	mutex_lock(&tracker->lock);
	map = tracker_current_map(tracker, &ret);
	for (i = 0; map && !ret && i < arg.count; i++)
		ret = cbt_map_mark_both(map, ranges[i].offset, ranges[i].count);
	mutex_unlock(&tracker->lock);
	kfree(ranges);
	return ret;
}

void tracker_cbt_mark(struct tracker *tracker, sector_t sector, sector_t count)
{
	struct cbt_map *map;
	int ret;

	lockdep_assert_held(&tracker->lock);
	map = tracker_current_map(tracker, &ret);
	if (!map)
		return;
	/* The map stays while tracker->lock is held; the read lock is its rule. */
	rcu_read_lock();
	cbt_map_mark(map, sector, count);
	rcu_read_unlock();
}

int tracker_cbt_switch_begin(struct tracker *tracker)
{
	struct cbt_map *map;
	int ret;

	lockdep_assert_held(&tracker->lock);
	map = tracker_current_map(tracker, &ret);
	if (!map)
		return ret;
	cbt_map_switch_begin(map);
	return 0;
}

void tracker_cbt_switch_end(struct tracker *tracker)
{
	struct cbt_map *map;

	lockdep_assert_held(&tracker->lock);
	map = rcu_dereference_protected(tracker->cbt,
					lockdep_is_held(&tracker->lock));
	if (map && !cbt_map_switch_end(map))
		pr_info("%pg: change map replaced or switched by a CBT switch during the take\n",
			tracker->filter.bdev);
}

void tracker_close_gate(struct tracker *tracker)
{
	if (!filter_in_queue()) {
		WRITE_ONCE(tracker->held, true);
		/* Writers held elsewhere may pass now: see tracker_counted_by_held(). */
		wake_up_all(&tracker_gate_wait);
	}
}

/*
 * Expedited: the take calls it with the filesystems frozen, and every
 * write to them waits until the take ends (see snapshot_take()).
 */
void tracker_gate_sync(void)
{
	if (!filter_in_queue())
		synchronize_srcu_expedited(&tracker_gate_srcu);
}

void tracker_open_gate(struct tracker *tracker)
{
	if (!filter_in_queue()) {
		WRITE_ONCE(tracker->held, false);
		wake_up_all(&tracker_gate_wait);
		/* Pairs with the check after tracker_park(): one of us queues. */
		smp_mb();
		queue_work(tracker_parked_wq, &tracker_parked_work);
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

/* Reports a take that waits long: what for, and how to stop it. */
#define TRACKER_DRAIN_REPORT	(10 * HZ)
/*
 * A queue freeze cannot be waited for interruptibly: it is waited for in
 * steps this long, with a look at signals and the deadline after each.
 */
#define TRACKER_FREEZE_STEP	(HZ / 10)

/*
 * Why a drain stops short: a signal to the taking task, or the take's
 * deadline.  Writes below a filter never end when one device of the
 * snapshot is stacked on another (a loop device's backing file on a
 * frozen filesystem, a dm target's lower device held at its gate).
 */
static int tracker_drain_stop(struct tracker *tracker, unsigned long deadline,
			      unsigned long *report)
{
	/*
	 * The take is undone, and redone if no handler runs (a stop, a
	 * debugger, the freezer): only a signal the caller handles, or a
	 * fatal one, ends it for good.
	 */
	if (signal_pending(current))
		return -ERESTARTNOHAND;
	if (time_after_eq(jiffies, deadline)) {
		pr_err("%pg: the take gave up waiting for writes issued before it (%d counted; take_drain_timeout=%us)\n",
		       tracker->filter.bdev, atomic_read(&tracker->writes_in_flight),
		       READ_ONCE(blksnap_take_drain_timeout));
		return -ETIMEDOUT;
	}
	if (time_after_eq(jiffies, *report)) {
		pr_warn("%pg: the take waits for writes issued before it; a signal to the taking task cancels it\n",
			tracker->filter.bdev);
		*report = jiffies + TRACKER_DRAIN_REPORT;
	}
	return 0;
}

int tracker_drain_wait(struct tracker *tracker, unsigned long deadline)
{
	struct request_queue *q = bdev_get_queue(tracker->filter.bdev);
	unsigned long report = jiffies + TRACKER_DRAIN_REPORT;
	int ret = 0;

	while (!compat_queue_freeze_wait_timeout(q, TRACKER_FREEZE_STEP)) {
		ret = tracker_drain_stop(tracker, deadline, &report);
		if (ret)
			break;
	}
	/*
	 * The gates hold new writes: the drain is all the freeze was for.
	 * Under native blkfilter it is held to the resume, also a cancelled
	 * one (tracker_resume_writes() ends it).
	 */
	if (!filter_in_queue())
		compat_queue_unfreeze(q);
	return ret;
}

void tracker_drain_cancel(struct tracker *tracker)
{
	if (!filter_in_queue())
		compat_queue_unfreeze(bdev_get_queue(tracker->filter.bdev));
}

int tracker_writes_drain(struct tracker *tracker, unsigned long deadline)
{
	unsigned long report = jiffies + TRACKER_DRAIN_REPORT;
	long left;
	int ret;

	/* Under native blkfilter the held freeze waited for them. */
	if (filter_in_queue())
		return 0;
	for (;;) {
		left = wait_event_interruptible_timeout(tracker_writes_wait,
							!atomic_read(&tracker->writes_in_flight),
							TRACKER_FREEZE_STEP);
		if (left > 0)
			return 0;
		ret = tracker_drain_stop(tracker, deadline, &report);
		if (ret)
			return ret;
	}
}

void tracker_resume_writes(struct tracker *tracker)
{
	if (filter_in_queue())
		compat_queue_unfreeze(bdev_get_queue(tracker->filter.bdev));
}

int tracker_ctl(struct filter *flt, unsigned int cmd, __u8 __user *buf,
		__u32 *plen)
{
	struct tracker *tracker = to_tracker(flt);
	int ret;

	/*
	 * The CBT reads copy from and to userspace, which must not happen
	 * under tracker->lock (see ctl_cbtmap()).
	 */
	switch (cmd) {
	case BLKFILTER_CTL_BLKSNAP_CBTINFO:
		return ctl_cbtinfo(tracker, buf, plen);
	case BLKFILTER_CTL_BLKSNAP_CBTMAP:
		return ctl_cbtmap(tracker, buf, plen);
	case BLKFILTER_CTL_BLKSNAP_CBTDIRTY:
		return ctl_cbtdirty(tracker, buf, plen);
	case BLKFILTER_CTL_BLKSNAP_CBTSWITCH:
		/* One device: its own grace period, under the lock throughout. */
		mutex_lock(&tracker->lock);
		ret = tracker_cbt_switch_begin(tracker);
		if (!ret) {
			synchronize_rcu();
			tracker_cbt_switch_end(tracker);
		}
		mutex_unlock(&tracker->lock);
		return ret;
	default:
		return -ENOTTY;
	}
}

int tracker_may_detach(struct filter *flt)
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
void tracker_lost(struct filter *flt)
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

int tracker_init(void)
{
	int ret;

	/* Parked writes are block I/O: they must go on under memory pressure. */
	tracker_parked_wq = alloc_workqueue("blksnap-parked",
					    WQ_UNBOUND | WQ_MEM_RECLAIM, 1);
	if (!tracker_parked_wq)
		return -ENOMEM;
	ret = bioset_init(&tracker_writes, TRACKER_WRITES_RESERVED,
			  offsetof(struct tracker_write, clone), BIOSET_NEED_RESCUER);
	if (ret)
		destroy_workqueue(tracker_parked_wq);
	return ret;
}

void tracker_done(void)
{
	/*
	 * Every gate opened at its take's end, which queued its parked bios:
	 * they go on before anything else goes.  Then every tracker is
	 * released (each held the module): no clone is left, and the grace
	 * period waits for completions still returning.
	 */
	destroy_workqueue(tracker_parked_wq);
	synchronize_rcu();
	bioset_exit(&tracker_writes);
}
