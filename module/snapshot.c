// SPDX-License-Identifier: GPL-2.0
/*
 * Snapshots: create (with a difference storage), add devices, take them
 * all at one instant, serve their images, destroy.
 *
 * take(): every diff area is allocated first; then every filesystem on the
 * snapshot's devices is frozen, the CBT maps are switched and COW starts on
 * every device, and all are thawed.  A write to any of the devices either
 * completed before the freeze (and is in every image) or is copied on write
 * (and is in none).  Writes that bypass any filesystem (raw devices) are
 * held at the filter and the device's queue is drained while COW starts,
 * so for them too a write is either complete before take() or copied.
 */
#define pr_fmt(fmt) KBUILD_MODNAME "-snapshot: " fmt
#include <linux/module.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/uuid.h>
#include <linux/ktime.h>
#include <linux/uaccess.h>
#include <linux/rcupdate.h>
#include "compat/freeze.h"
#include "filter.h"
#include "params.h"
#include "tracker.h"
#include "diff_storage.h"
#include "diff_area.h"
#include "free_map.h"
#include "snapimage.h"
#include "event_queue.h"
#include "snapshot.h"

/* Most devices in one snapshot. */
#define SNAPSHOT_DEVICES_MAX	64

struct snapshot_device {
	struct list_head link;
	/* A reference on the filter keeps the tracker alive. */
	struct tracker *tracker;
	/* Set at take. */
	struct diff_area *da;
	/*
	 * From the join to the take: the free space of the device's
	 * filesystem, as userspace hands it over (free_map.h); empty if it
	 * does not, NULL without memory for it (the image stays exact) and
	 * after the take.  Changed under snapshots_lock.
	 */
	struct free_map *free_map;
	/*
	 * How many chunks (and bytes) were free at the take: zeros in the
	 * image, never copied.  Set before the snapshot's taken flag, never
	 * changed after.
	 */
	unsigned long free_chunks;
	u64 free_bytes;
	/* The last take's map, replaced at this take; freed after the resume. */
	struct free_map *free_map_old;
	/* The storage is on this device: its chunks read as zeros too. */
	bool holds_storage;
	/* The take began a switch of the change map: it ends it. */
	bool cbt_switched;
	struct snapimage *image;
	int error;
};

struct snapshot {
	struct kobject kobj;
	/* In snapshots, under snapshots_lock. */
	struct list_head link;
	uuid_t id;
	struct diff_storage *storage;
	struct event_queue events;
	/*
	 * Changed under snapshots_lock and, nested in it, devices_lock, as
	 * is each device's image pointer.  The sysfs reader takes only
	 * devices_lock: a take holds snapshots_lock while it freezes
	 * filesystems, and a reader may hold write access to one of them
	 * (sendfile() of the attribute into a file there).
	 */
	struct mutex devices_lock;
	struct list_head devices;
	unsigned int nr_devices;
	bool taken;
	/* An add is under way without snapshots_lock. */
	bool adding;
	/*
	 * When writes were frozen for the take: seconds of CLOCK_REALTIME.
	 * Set before taken, never changed after.
	 */
	time64_t taken_at;
};

static LIST_HEAD(snapshots);
/*
 * Protects the list, each snapshot's devices (with its devices_lock) and
 * taken flag.
 */
static DEFINE_MUTEX(snapshots_lock);
static struct kset *snapshots_kset;

static struct snapshot *to_snapshot(struct kobject *kobj)
{
	return container_of(kobj, struct snapshot, kobj);
}

static ssize_t devices_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	struct snapshot *snap = to_snapshot(kobj);
	struct snapshot_device *sd;
	ssize_t len = 0;

	mutex_lock(&snap->devices_lock);
	list_for_each_entry(sd, &snap->devices, link) {
		dev_t dev = sd->tracker->filter.bdev->bd_dev;

		len += sysfs_emit_at(buf, len, "%u:%u %s\n", MAJOR(dev), MINOR(dev),
				     sd->image ? snapimage_name(sd->image) : "-");
	}
	mutex_unlock(&snap->devices_lock);
	return len;
}

static struct kobj_attribute devices_attr = __ATTR_RO(devices);

/*
 * "SECONDS": the take's time (CLOCK_REALTIME), 0 before the take.  Read
 * without snapshots_lock: a take holds it while it freezes filesystems,
 * and a reader may hold write access to one of them (sendfile() of this
 * file into a file there), which the freeze waits for.
 */
static ssize_t taken_show(struct kobject *kobj, struct kobj_attribute *attr,
			  char *buf)
{
	struct snapshot *snap = to_snapshot(kobj);
	time64_t at = 0;

	/* Pairs with the release in snapshot_take(): taken_at is set first. */
	if (smp_load_acquire(&snap->taken))
		at = snap->taken_at;
	return sysfs_emit(buf, "%lld\n", (long long)at);
}

static struct kobj_attribute taken_attr = __ATTR_RO(taken);

/*
 * "USED LIMIT" of the difference storage, in bytes.  The storage is set
 * before the kobject is added and freed only by its release.
 */
static ssize_t storage_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	struct snapshot *snap = to_snapshot(kobj);
	sector_t used, limit;

	diff_storage_usage(snap->storage, &used, &limit);
	return sysfs_emit(buf, "%llu %llu\n", (u64)used << SECTOR_SHIFT,
			  (u64)limit << SECTOR_SHIFT);
}

static struct kobj_attribute storage_attr = __ATTR_RO(storage);

/*
 * "MAJOR:MINOR BYTES" per device: how much of it was free space of its
 * filesystem at the take, which the image reads as zeros and no write
 * copies (0 before the take, and where userspace told no free space).
 * Bytes, not chunks: the chunk size is the module's choice.
 */
static ssize_t free_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	struct snapshot *snap = to_snapshot(kobj);
	/* Pairs with the release in snapshot_take(): free_bytes is set first. */
	bool taken = smp_load_acquire(&snap->taken);
	struct snapshot_device *sd;
	ssize_t len = 0;

	mutex_lock(&snap->devices_lock);
	list_for_each_entry(sd, &snap->devices, link) {
		dev_t dev = sd->tracker->filter.bdev->bd_dev;

		len += sysfs_emit_at(buf, len, "%u:%u %llu\n", MAJOR(dev), MINOR(dev),
				     taken ? sd->free_bytes : 0);
	}
	mutex_unlock(&snap->devices_lock);
	return len;
}

static struct kobj_attribute free_attr = __ATTR_RO(free);

static struct attribute *snapshot_attrs[] = {
	&devices_attr.attr,
	&taken_attr.attr,
	&storage_attr.attr,
	&free_attr.attr,
	NULL,
};
ATTRIBUTE_GROUPS(snapshot);

static void snapshot_release(struct kobject *kobj)
{
	struct snapshot *snap = to_snapshot(kobj);

	event_queue_done(&snap->events);
	if (snap->storage)
		diff_storage_close(snap->storage);
	kfree(snap);
}

static const struct kobj_type snapshot_ktype = {
	.sysfs_ops = &kobj_sysfs_ops,
	.release = snapshot_release,
	.default_groups = snapshot_groups,
};

static struct snapshot *find_snapshot(const uuid_t *id)
{
	struct snapshot *snap;

	lockdep_assert_held(&snapshots_lock);
	list_for_each_entry(snap, &snapshots, link) {
		if (uuid_equal(&snap->id, id))
			return snap;
	}
	return NULL;
}

/* Would copying a chunk of @bdev write to @bdev itself? */
static bool storage_on(struct snapshot *snap, struct block_device *bdev)
{
	dev_t sdev = snap->storage->dev;

	if (!sdev)
		return false;
	if (sdev == bdev->bd_dev)
		return true;
	if (bdev_is_partition(bdev))
		return sdev == bdev_whole(bdev)->bd_dev;
	return snap->storage->whole_dev == bdev->bd_dev;
}

/*
 * Copying a chunk must never write to a device that copies on write itself:
 * its storing would nest in the other snapshot's, and copy the copies.  A
 * new storage on a device of a live snapshot is refused here; a device
 * that holds a live snapshot's storage is refused in snapshot_add_device().
 */
static struct block_device *storage_in_snapshots(struct snapshot *snap)
{
	struct snapshot_device *sd;
	struct snapshot *other;

	lockdep_assert_held(&snapshots_lock);
	list_for_each_entry(other, &snapshots, link) {
		list_for_each_entry(sd, &other->devices, link) {
			if (storage_on(snap, sd->tracker->filter.bdev))
				return sd->tracker->filter.bdev;
			/* An image's writes are copied to its snapshot's storage. */
			if (sd->image && snap->storage->dev &&
			    snap->storage->dev == snapimage_dev(sd->image))
				return sd->tracker->filter.bdev;
		}
	}
	return NULL;
}

int snapshot_create(const char *storage_path, unsigned int kind,
		    sector_t limit, uuid_t *id)
{
	struct block_device *bdev;
	struct snapshot *snap;
	int ret;

	/*
	 * A live snapshot pins the module, with or without devices: unload
	 * must not leave its storage open and its kobject behind.  Put back
	 * by snapshot_destroy(), or below if the create fails.  Safe here:
	 * the caller's open control node pins the module already.
	 */
	if (!try_module_get(THIS_MODULE))
		return -ENODEV;
	snap = kzalloc(sizeof(*snap), GFP_KERNEL);
	if (!snap) {
		module_put(THIS_MODULE);
		return -ENOMEM;
	}
	mutex_init(&snap->devices_lock);
	INIT_LIST_HEAD(&snap->devices);
	event_queue_init(&snap->events);
	uuid_gen(&snap->id);
	snap->kobj.kset = snapshots_kset;
	kobject_init(&snap->kobj, &snapshot_ktype);

	ret = diff_storage_open(storage_path, kind, limit, &snap->storage);
	if (ret) {
		pr_info("cannot use %s as difference storage: %d\n",
			storage_path, ret);
		goto err_put;
	}
	ret = kobject_add(&snap->kobj, NULL, "%pUb", &snap->id);
	if (ret)
		goto err_put;

	mutex_lock(&snapshots_lock);
	bdev = storage_in_snapshots(snap);
	if (bdev) {
		mutex_unlock(&snapshots_lock);
		pr_info("%s is on %pg or its image, in a live snapshot; refused as difference storage\n",
			storage_path, bdev);
		ret = -ELOOP;
		goto err_del;
	}
	list_add_tail(&snap->link, &snapshots);
	mutex_unlock(&snapshots_lock);
	uuid_copy(id, &snap->id);
	pr_info("created snapshot %pUb\n", &snap->id);
	return 0;

err_del:
	kobject_del(&snap->kobj);
err_put:
	kobject_put(&snap->kobj);
	module_put(THIS_MODULE);
	return ret;
}

struct storage_marks {
	struct tracker *tracker;
	sector_t marked;
};

static void mark_changed(void *arg, sector_t sector, sector_t count)
{
	struct storage_marks *m = arg;

	tracker_cbt_mark(m->tracker, sector, count);
	m->marked += count;
}

/*
 * The storage on @tracker's device reads as zeros in the image.  What
 * holds data there now (the free space's old contents) is zeroed and
 * marked changed up to the take, so that the device, the image and an
 * incremental backup agree.  Destroy writes zeros back where copies went,
 * so the next storage there needs no mark; the copies in between are no
 * change either.
 */
static int mark_storage_data(struct diff_storage *ds, struct tracker *tracker)
{
	struct storage_marks m = { .tracker = tracker };
	int ret;

	mutex_lock(&tracker->lock);
	ret = diff_storage_zero_data(ds, mark_changed, &m);
	mutex_unlock(&tracker->lock);
	if (!ret)
		pr_info("%pg: %llu sectors of the storage held data: zeroed, marked changed\n",
			tracker->filter.bdev, (u64)m.marked);
	return ret;
}

/* At a take, with tracker->lock held: see free_map_flips(). */
static void mark_flip(void *arg, sector_t sector, sector_t count)
{
	tracker_cbt_mark(arg, sector, count);
}

/* A chunk the grown storage took over: copied already, or free at take. */
static void grown_over(void *arg, sector_t sector, sector_t count)
{
	struct tracker *tracker = arg;

	mutex_lock(&tracker->lock);
	tracker_cbt_mark(tracker, sector, count);
	mutex_unlock(&tracker->lock);
}

/*
 * The storage on @arg's device (a struct snapshot_device) grew after the
 * take over @runs.  The diff area keeps the chunks the image allows (see
 * diff_area_claim_storage()); those it had copied count as changed in
 * the generation after the take: destroy writes zeros where copies went,
 * which is not what the image showed there.  From the storage's growth
 * worker, before any chunk of the runs is handed out; destroy stops
 * growth before the device goes.  tracker->lock only per chunk: the
 * claim reads the device, and CBT commands must not wait for that.
 */
static unsigned int storage_grown(void *arg, const struct storage_extent *runs,
				  unsigned int nr, struct storage_extent *kept,
				  unsigned int max)
{
	struct snapshot_device *sd = arg;

	return diff_area_claim_storage(sd->da, runs, nr, kept, max,
				       grown_over, sd->tracker);
}

/*
 * Maps and pins this snapshot's storage on @flt's device, where its
 * filesystem is.  Called without snapshots_lock (and under the ftrace
 * interception without the filters' lock, see blksnap_filter_ctl_unlocked()):
 * the filesystem's fallocate and sync wait as long as someone keeps it
 * frozen, and nothing else may wait with them.  A failure leaves the
 * storage as it was.
 */
static int map_storage(struct snapshot *snap, struct filter *flt)
{
	int ret = diff_storage_map_on(snap->storage, flt->bdev) ?:
		  mark_storage_data(snap->storage, to_tracker(flt));

	if (ret)
		diff_storage_unmap(snap->storage);
	return ret;
}

int snapshot_add_device(const uuid_t *id, struct filter *flt)
{
	struct tracker *tracker = to_tracker(flt);
	struct snapshot_device *sd;
	struct snapshot *snap;
	bool map = false;
	int ret = 0;

	sd = kzalloc(sizeof(*sd), GFP_KERNEL);
	if (!sd)
		return -ENOMEM;
	mutex_lock(&snapshots_lock);
	snap = find_snapshot(id);
	if (!snap)
		ret = -ENOENT;
	else if (snap->taken)
		ret = -EALREADY;
	else if (tracker->snapshot || snap->adding)
		ret = -EBUSY;
	else if (snap->nr_devices == SNAPSHOT_DEVICES_MAX)
		ret = -E2BIG;
	else if (diff_storage_on_bdev(flt->bdev, snap->storage))
		/* Another snapshot's storage is on the device. */
		ret = -ELOOP;
	else
		/*
		 * This snapshot's: only as an anonymous file on the filesystem
		 * of the device itself, mapped and pinned before the take.
		 */
		map = storage_on(snap, flt->bdev);
	if (ret) {
		mutex_unlock(&snapshots_lock);
		kfree(sd);
		return ret;
	}
	/*
	 * Reserved: a detach of the device, another add of it and a take or
	 * destroy of the snapshot get -EBUSY until the end of the add.
	 */
	WRITE_ONCE(tracker->snapshot, snap);
	snap->adding = true;
	mutex_unlock(&snapshots_lock);

	/* A detach before the reservation: the filter is gone. */
	if (!filter_attached(flt)) {
		ret = -ENOENT;
	} else {
		sd->free_map = free_map_create(bdev_nr_sectors(flt->bdev),
					       diff_area_chunk_shift(flt->bdev));
		/*
		 * Without it the image shows the free space as it is, which
		 * a storage on the device cannot live with.
		 */
		if (map)
			ret = sd->free_map ? map_storage(snap, flt) : -ENOMEM;
	}

	mutex_lock(&snapshots_lock);
	snap->adding = false;
	/* A storage of another snapshot made on the device meanwhile. */
	if (!ret && diff_storage_on_bdev(flt->bdev, snap->storage)) {
		if (map)
			diff_storage_unmap(snap->storage);
		ret = -ELOOP;
	}
	if (ret) {
		WRITE_ONCE(tracker->snapshot, NULL);
		mutex_unlock(&snapshots_lock);
		free_map_destroy(sd->free_map);
		kfree(sd);
		return ret;
	}
	filter_get(flt);
	sd->tracker = tracker;
	sd->holds_storage = map;
	/* From here on its writes count against the free space. */
	mutex_lock(&tracker->lock);
	rcu_assign_pointer(tracker->free_map, sd->free_map);
	mutex_unlock(&tracker->lock);
	mutex_lock(&snap->devices_lock);
	list_add_tail(&sd->link, &snap->devices);
	mutex_unlock(&snap->devices_lock);
	snap->nr_devices++;
	mutex_unlock(&snapshots_lock);
	return 0;
}

int snapshot_free_space(struct filter *flt, const struct blksnap_sectors *ranges,
			unsigned int count)
{
	struct tracker *tracker = to_tracker(flt);
	struct snapshot_device *sd;
	struct snapshot *snap;
	unsigned int i;
	int ret = 0;

	mutex_lock(&snapshots_lock);
	snap = tracker->snapshot;
	if (!snap || snap->adding) {
		ret = snap ? -EBUSY : -ENOENT;
		goto out;
	}
	if (snap->taken) {
		ret = -EALREADY;
		goto out;
	}
	list_for_each_entry(sd, &snap->devices, link) {
		if (sd->tracker == tracker)
			break;
	}
	/* Not in the snapshot: an add of it failed. */
	if (list_entry_is_head(sd, &snap->devices, link)) {
		ret = -ENOENT;
		goto out;
	}
	/* No memory for the map at the add: the image stays exact. */
	if (!sd->free_map) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < count && !ret; i++)
		ret = free_map_add(sd->free_map, ranges[i].offset, ranges[i].count);
out:
	mutex_unlock(&snapshots_lock);
	return ret;
}

/*
 * The devices frozen before @upto (all with NULL), in reverse order of the
 * freezes: a filesystem on a loop device writes its superblock at thaw
 * into the filesystem that holds its backing file, which must be thawed
 * by then if it came first.
 */
static void thaw_devices(struct snapshot *snap, struct snapshot_device *upto)
{
	struct snapshot_device *sd = upto ? upto :
		list_entry(&snap->devices, struct snapshot_device, link);

	list_for_each_entry_continue_reverse(sd, &snap->devices, link)
		compat_bdev_thaw(sd->tracker->filter.bdev);
}

static void free_diff_areas(struct snapshot *snap)
{
	struct snapshot_device *sd;

	list_for_each_entry(sd, &snap->devices, link) {
		if (sd->da)
			diff_area_put(sd->da);
		sd->da = NULL;
	}
}

int snapshot_take(const uuid_t *id)
{
	struct snapshot_device *sd, *holder;
	struct snapshot *snap;
	unsigned int noio;
	ktime_t frozen;
	time64_t taken_at;
	unsigned long deadline;
	s64 window_us;
	struct free_map *shown_now;
	int ret = 0;

	mutex_lock(&snapshots_lock);
	snap = find_snapshot(id);
	if (!snap) {
		ret = -ENOENT;
		goto out_unlock;
	}
	if (snap->taken || !snap->nr_devices || snap->adding) {
		ret = snap->taken ? -EALREADY : snap->adding ? -EBUSY : -ENODEV;
		goto out_unlock;
	}
	/* Everything that can fail for lack of memory, before the freeze. */
	list_for_each_entry(sd, &snap->devices, link) {
		sd->da = diff_area_create(sd->tracker->filter.bdev, snap->storage,
					  &snap->events);
		if (IS_ERR(sd->da)) {
			ret = PTR_ERR(sd->da);
			sd->da = NULL;
			free_diff_areas(snap);
			goto out_unlock;
		}
	}

	list_for_each_entry(sd, &snap->devices, link) {
		ret = compat_bdev_freeze(sd->tracker->filter.bdev);
		if (ret) {
			pr_err("%pg: cannot freeze: %d\n", sd->tracker->filter.bdev, ret);
			thaw_devices(snap, sd);
			free_diff_areas(snap);
			goto out_unlock;
		}
	}
	frozen = ktime_get();
	taken_at = ktime_get_real_seconds();
	/*
	 * Writes to the devices wait from here to the resume: an allocation
	 * in between must not wait for reclaim to write to them.
	 */
	noio = memalloc_noio_save();
	list_for_each_entry(sd, &snap->devices, link)
		tracker_close_gate(sd->tracker);
	tracker_gate_sync();
	list_for_each_entry(sd, &snap->devices, link)
		tracker_drain_start(sd->tracker);
	deadline = jiffies + READ_ONCE(blksnap_take_drain_timeout) * HZ;
	list_for_each_entry(sd, &snap->devices, link) {
		if (ret)
			tracker_drain_cancel(sd->tracker);
		else
			ret = tracker_drain_wait(sd->tracker, deadline);
	}
	list_for_each_entry(sd, &snap->devices, link) {
		if (ret)
			break;
		ret = tracker_writes_drain(sd->tracker, deadline);
	}
	/* Copy-on-write starts only if every drain ended (not cancelled). */
	list_for_each_entry(sd, &snap->devices, link) {
		struct tracker *tracker = sd->tracker;

		if (ret)
			break;
		mutex_lock(&tracker->lock);
		/*
		 * Every write before the take has marked the free space: the
		 * gate is synced and the writes drained, so no reader is left
		 * in the marking code when the map is unpublished here.  A map
		 * used for the image is kept by the tracker for the next take
		 * (freed then or at detach); chunks whose image flips between
		 * zeros and data count as changed up to this take.  One not
		 * used is freed once writes resume.
		 */
		RCU_INIT_POINTER(tracker->free_map, NULL);
		/*
		 * Untold (--exact, a raw device, no GETFSMAP): no map to keep,
		 * the image shows the device.
		 */
		shown_now = sd->free_map;
		if (shown_now && !shown_now->told && !sd->holds_storage)
			shown_now = NULL;
		if (shown_now) {
			free_map_settle(sd->free_map);
			if (diff_area_mark_free(sd->da, sd->free_map, &sd->free_chunks)) {
				sd->free_bytes = (u64)sd->free_chunks <<
					(sd->free_map->chunk_shift + SECTOR_SHIFT);
				if (sd->holds_storage)
					diff_area_shown_zeros(sd->da, sd->free_map);
			} else {
				/* Not used: the image shows the device; freed at release. */
				shown_now = NULL;
			}
		}
		if (shown_now || tracker->free_shown) {
			free_map_flips(shown_now, tracker->free_shown, mark_flip,
				       tracker);
			/* Freed after the resume: vfree() is no work for the window. */
			sd->free_map_old = tracker->free_shown;
			tracker->free_shown = shown_now;
			if (shown_now)
				sd->free_map = NULL;
		}
		/* A failed switch only loses CBT history, not the snapshot. */
		sd->cbt_switched = !tracker_cbt_switch_begin(tracker);
		if (!sd->cbt_switched)
			pr_warn("%pg: change tracking not switched\n", tracker->filter.bdev);
		diff_area_get(sd->da);
		rcu_assign_pointer(tracker->diff_area, sd->da);
		/* Pairs with tracker_lost(): a detach now fails the area. */
		smp_mb();
		if (READ_ONCE(tracker->lost))
			diff_area_fail(sd->da, -ENODEV);
		mutex_unlock(&tracker->lock);
	}
	/*
	 * One grace period for every device's change map (not one each,
	 * with writes held): writers that read the old number are done.
	 * Expedited, as dm does when it swaps a table under suspended I/O:
	 * every write of the devices waits for it, and takes are rare.
	 */
	if (!ret) {
		synchronize_rcu_expedited();
		list_for_each_entry(sd, &snap->devices, link) {
			if (!sd->cbt_switched)
				continue;
			mutex_lock(&sd->tracker->lock);
			tracker_cbt_switch_end(sd->tracker);
			mutex_unlock(&sd->tracker->lock);
		}
	}
	list_for_each_entry(sd, &snap->devices, link) {
		tracker_resume_writes(sd->tracker);
		tracker_open_gate(sd->tracker);
	}
	memalloc_noio_restore(noio);
	list_for_each_entry(sd, &snap->devices, link) {
		free_map_destroy(sd->free_map_old);
		sd->free_map_old = NULL;
		/*
		 * A map not used (untold, or of another chunk size): unpublished
		 * before the grace period above, so no writer is left in it.
		 */
		if (!ret) {
			free_map_destroy(sd->free_map);
			sd->free_map = NULL;
		}
	}
	window_us = ktime_us_delta(ktime_get(), frozen);
	thaw_devices(snap, NULL);
	if (ret) {
		pr_err("snapshot %pUb not taken: %s while writes issued before it were in flight\n",
		       &snap->id, ret == -ETIMEDOUT ? "timed out" : "cancelled");
		free_diff_areas(snap);
		goto out_unlock;
	}
	snap->taken_at = taken_at;
	/* Pairs with the acquire in taken_show(), which reads without the lock. */
	smp_store_release(&snap->taken, true);
	/*
	 * The device that holds the storage, if any, hears of its growth:
	 * after the thaw, or the first growth would find the filesystem
	 * frozen by this take.  A copy that needs it sooner waits for it.
	 */
	holder = NULL;
	list_for_each_entry(sd, &snap->devices, link) {
		if (snap->storage->bdev &&
		    sd->tracker->filter.bdev == snap->storage->bdev)
			holder = sd;
	}
	diff_storage_taken(snap->storage, holder ? storage_grown : NULL, holder);

	list_for_each_entry(sd, &snap->devices, link) {
		struct snapimage *image = snapimage_create(sd->da);

		if (IS_ERR(image)) {
			sd->error = PTR_ERR(image);
			pr_err("%pg: no image: %d\n", sd->tracker->filter.bdev, sd->error);
			continue;
		}
		mutex_lock(&snap->devices_lock);
		sd->image = image;
		mutex_unlock(&snap->devices_lock);
	}
	pr_info("took snapshot %pUb of %u devices; writes held for %lld us\n",
		&snap->id, snap->nr_devices, window_us);
	list_for_each_entry(sd, &snap->devices, link) {
		if (sd->free_chunks)
			pr_info("%pg: %lu chunks free at the take: zeros in the image, never copied%s\n",
				sd->tracker->filter.bdev, sd->free_chunks,
				sd->holds_storage ? ", room for the storage to grow" : "");
	}
out_unlock:
	mutex_unlock(&snapshots_lock);
	return ret;
}

/* Stops copy-on-write on the device and waits until nothing uses it. */
static void release_device(struct snapshot_device *sd)
{
	struct tracker *tracker = sd->tracker;
	struct diff_area *da;

	/*
	 * Under snapshots_lock too: SNAPSHOTINFO reads tracker->snapshot
	 * under it and must not find the snapshot once it may be freed.
	 */
	mutex_lock(&snapshots_lock);
	mutex_lock(&tracker->lock);
	da = rcu_dereference_protected(tracker->diff_area,
				       lockdep_is_held(&tracker->lock));
	RCU_INIT_POINTER(tracker->diff_area, NULL);
	RCU_INIT_POINTER(tracker->free_map, NULL);
	WRITE_ONCE(tracker->snapshot, NULL);
	mutex_unlock(&tracker->lock);
	mutex_unlock(&snapshots_lock);
	if (da || sd->free_map)
		synchronize_rcu();
	free_map_destroy(sd->free_map);
	if (da)
		diff_area_put(da);
	if (sd->da) {
		diff_area_drain(sd->da);
		diff_area_put(sd->da);
	}
	filter_put(&tracker->filter);
	kfree(sd);
}

int snapshot_destroy(const uuid_t *id)
{
	struct snapshot_device *sd, *next;
	LIST_HEAD(leaving);
	struct snapshot *snap;
	int ret = 0;

	mutex_lock(&snapshots_lock);
	snap = find_snapshot(id);
	if (!snap || snap->adding) {
		mutex_unlock(&snapshots_lock);
		return snap ? -EBUSY : -ENOENT;
	}
	list_for_each_entry(sd, &snap->devices, link) {
		struct snapimage *image = sd->image;

		if (!image)
			continue;
		/*
		 * Off the list the sysfs reader walks before it goes, and back
		 * if it is open: the reader never names a freed image, and no
		 * lock it waits for is held across del_gendisk().
		 */
		mutex_lock(&snap->devices_lock);
		sd->image = NULL;
		mutex_unlock(&snap->devices_lock);
		ret = snapimage_destroy(image);
		if (ret) {
			mutex_lock(&snap->devices_lock);
			sd->image = image;
			mutex_unlock(&snap->devices_lock);
			/* Images already gone stay gone; the snapshot stays. */
			pr_info("%s is open; snapshot %pUb not destroyed\n",
				snapimage_name(image), &snap->id);
			mutex_unlock(&snapshots_lock);
			return ret;
		}
	}
	list_del(&snap->link);
	/*
	 * The devices leave the snapshot's list under the locks that sysfs
	 * (devices_lock) and SNAPSHOTINFO (snapshots_lock) walk it under,
	 * before they are freed below.  Each
	 * device still names this snapshot until release_device(): another
	 * snapshot cannot take it over while its copy-on-write winds down.
	 */
	mutex_lock(&snap->devices_lock);
	list_splice_init(&snap->devices, &leaving);
	mutex_unlock(&snap->devices_lock);
	snap->nr_devices = 0;
	mutex_unlock(&snapshots_lock);

	event_queue_close(&snap->events);
	/*
	 * Growth stops while the devices are still here (storage_grown()
	 * uses them); the areas first, so that a store that waited for it
	 * and now finds the storage full fails no snapshot loudly.
	 */
	list_for_each_entry(sd, &leaving, link) {
		if (sd->da)
			diff_area_shutdown(sd->da);
	}
	diff_storage_stop_growth(snap->storage);
	list_for_each_entry_safe(sd, next, &leaving, link) {
		list_del(&sd->link);
		release_device(sd);
	}
	/* Here, not at the last reference: before a next take of the device. */
	diff_storage_unmap(snap->storage);
	pr_info("destroyed snapshot %pUb\n", &snap->id);
	kobject_del(&snap->kobj);
	kobject_put(&snap->kobj);
	module_put(THIS_MODULE);
	return 0;
}

int snapshot_collect(struct blksnap_snapshot_collect *arg)
{
	struct blksnap_uuid __user *ids = u64_to_user_ptr(arg->ids);
	struct snapshot *snap;
	unsigned int n = 0;
	int ret = 0;

	mutex_lock(&snapshots_lock);
	list_for_each_entry(snap, &snapshots, link) {
		if (ids && n < arg->count &&
		    copy_to_user(&ids[n], snap->id.b, sizeof(ids[n]))) {
			ret = -EFAULT;
			break;
		}
		n++;
	}
	mutex_unlock(&snapshots_lock);
	if (!ret && ids && n > arg->count)
		ret = -ENODATA;
	arg->count = n;
	return ret;
}

int snapshot_wait_event(struct blksnap_snapshot_event *arg)
{
	struct snapshot *snap;
	struct event *ev;
	uuid_t id;

	import_uuid(&id, arg->id.b);
	mutex_lock(&snapshots_lock);
	snap = find_snapshot(&id);
	if (snap)
		kobject_get(&snap->kobj);
	mutex_unlock(&snapshots_lock);
	if (!snap)
		return -ENOENT;

	ev = event_queue_wait(&snap->events, arg->timeout_ms);
	kobject_put(&snap->kobj);
	if (IS_ERR(ev))
		return PTR_ERR(ev);
	arg->code = ev->code;
	arg->time_label = ktime_to_ns(ev->time);
	memcpy(arg->data, ev->data, min(ev->data_size, sizeof(arg->data)));
	kfree(ev);
	return 0;
}

int snapshot_device_info(struct filter *flt,
			 struct blksnap_snapshotinfo *info)
{
	struct snapshot_device *sd;
	struct snapshot *snap;
	int ret = -ENOENT;

	mutex_lock(&snapshots_lock);
	snap = READ_ONCE(to_tracker(flt)->snapshot);
	if (!snap)
		goto out_unlock;
	list_for_each_entry(sd, &snap->devices, link) {
		if (sd->tracker != to_tracker(flt))
			continue;
		info->error_code = sd->error ?: (sd->da ? diff_area_error(sd->da) : 0);
		if (sd->image) {
			dev_t dev = snapimage_dev(sd->image);

			info->image_major = MAJOR(dev);
			info->image_minor = MINOR(dev);
			strscpy(info->image, snapimage_name(sd->image),
				sizeof(info->image));
		}
		ret = 0;
		break;
	}
out_unlock:
	mutex_unlock(&snapshots_lock);
	return ret;
}

/*
 * /sys/class/misc/blksnap-control/chunk_memory: bytes of copy-on-write
 * chunk memory in use now, the most ever in use, the bound
 * (chunk_maximum_in_flight chunks of the smallest size), and the pages of
 * freed chunks kept for their device's next ones while its snapshot
 * exists (at most the bound again; 0 when no snapshot is left).
 */
static ssize_t chunk_memory_show(struct kobject *kobj,
				 struct kobj_attribute *attr, char *buf)
{
	u64 used, peak, limit, pooled;

	diff_area_memory(&used, &peak, &limit, &pooled);
	return sysfs_emit(buf, "%llu %llu %llu %llu\n", used, peak, limit, pooled);
}

static struct kobj_attribute chunk_memory_attr = __ATTR_RO(chunk_memory);
static struct kobject *control_kobj;

int snapshot_init(struct kobject *parent)
{
	int ret;

	snapshots_kset = kset_create_and_add("snapshots", NULL, parent);
	if (!snapshots_kset)
		return -ENOMEM;
	ret = sysfs_create_file(parent, &chunk_memory_attr.attr);
	if (ret) {
		kset_unregister(snapshots_kset);
		return ret;
	}
	control_kobj = parent;
	return 0;
}

/* Each snapshot pins the module, so none exists at unload. */
void snapshot_done(void)
{
	WARN_ON_ONCE(!list_empty(&snapshots));
	sysfs_remove_file(control_kobj, &chunk_memory_attr.attr);
	kset_unregister(snapshots_kset);
}
