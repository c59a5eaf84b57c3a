// SPDX-License-Identifier: GPL-2.0
/*
 * The filter registry: which filter is attached to which block device, and
 * the lookup the I/O path does for every intercepted bio.
 *
 * Lifetime: the registry holds one reference on an attached filter, each
 * bio being filtered holds one more.  Lookups run under RCU and take their
 * reference with kref_get_unless_zero(), so a filter is freed only from a
 * work item after a grace period.  An attached filter also holds a
 * reference on its owner module: blksnap refuses to unload while any
 * device is filtered, so tracking history is never dropped by accident.
 */
#define pr_fmt(fmt) KBUILD_MODNAME "-filter: " fmt
#include <linux/module.h>
#include <linux/xarray.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/atomic.h>
#include "compat/bdev.h"
#include "filter.h"

/* dev_t -> struct filter *; written under filters_lock, read under RCU. */
static DEFINE_XARRAY(filters);
/* Serializes attach, detach and ctl, and protects filter_ops_list. */
static DEFINE_MUTEX(filters_lock);
static LIST_HEAD(filter_ops_list);
/*
 * Filters in existence (attached or being released), so that unfiltered
 * systems pay one read per bio.  Not a static key: patching the text of a
 * function the ftrace handler runs, while bios fly, oopsed on 6.12.
 */
static atomic_t filters_exist = ATOMIC_INIT(0);
/* Attached filters on partitions: a whole disk's writes look for them. */
static atomic_t partition_filters = ATOMIC_INIT(0);
/* Runs filter releases; destroyed at exit, which waits for them. */
static struct workqueue_struct *filter_wq;

bool notrace filter_active(void)
{
	return atomic_read(&filters_exist) != 0;
}

int filter_register(struct filter_operations *ops)
{
	mutex_lock(&filters_lock);
	list_add_tail(&ops->link, &filter_ops_list);
	mutex_unlock(&filters_lock);
	return 0;
}

void filter_unregister(struct filter_operations *ops)
{
	mutex_lock(&filters_lock);
	list_del(&ops->link);
	mutex_unlock(&filters_lock);
}

static const struct filter_operations *find_ops(const char *name)
{
	const struct filter_operations *ops;

	lockdep_assert_held(&filters_lock);
	list_for_each_entry(ops, &filter_ops_list, link) {
		if (!strcmp(ops->name, name))
			return ops;
	}
	return NULL;
}

static void filter_release_work(struct work_struct *work)
{
	struct filter *flt = container_of(work, struct filter,
					     release_work);
	struct block_device *bdev = flt->bdev;
	struct module *owner = flt->ops->owner;

	/* Lookups that found the pointer but lost the kref race are done. */
	synchronize_rcu();
	flt->ops->detach(flt);
	compat_bdev_unpin(bdev);
	atomic_dec(&filters_exist);
	module_put(owner);
}

static void filter_release(struct kref *kref)
{
	struct filter *flt = container_of(kref, struct filter, kref);

	/* The last put may come from the I/O path, where detach cannot sleep. */
	queue_work(filter_wq, &flt->release_work);
}

void filter_get(struct filter *flt)
{
	kref_get(&flt->kref);
}

void filter_put(struct filter *flt)
{
	kref_put(&flt->kref, filter_release);
}

/* Removes @flt from the registry and drops the registry's reference. */
static void filter_remove(dev_t dev, struct filter *flt)
{
	lockdep_assert_held(&filters_lock);
	xa_erase(&filters, dev);
	if (bdev_is_partition(flt->bdev))
		atomic_dec(&partition_filters);
	filter_put(flt);
}

/*
 * The filter registered for @bdev's number, if it belongs to @bdev, the
 * device now known by that number.  A filter whose device was removed (and
 * whose number was since reused) is stale: it is dropped here.
 */
static struct filter *live_filter(struct block_device *bdev)
{
	struct filter *flt;

	lockdep_assert_held(&filters_lock);
	flt = xa_load(&filters, bdev->bd_dev);
	if (flt && flt->bdev != bdev) {
		pr_info("dropping the filter of removed device %u:%u\n",
			MAJOR(bdev->bd_dev), MINOR(bdev->bd_dev));
		filter_remove(bdev->bd_dev, flt);
		flt = NULL;
	}
	return flt;
}

/* The live filter named @name on device @dev, found by number. */
static int find_live_filter(dev_t dev, const char *name,
			    struct filter **pflt)
{
	struct block_device *bdev;
	struct filter *flt;

	lockdep_assert_held(&filters_lock);
	bdev = compat_bdev_pin(dev);
	if (IS_ERR(bdev)) {
		/* The device is gone; its filter, if any, can only be detached. */
		return xa_load(&filters, dev) ? -ENODEV : PTR_ERR(bdev);
	}
	flt = live_filter(bdev);
	compat_bdev_unpin(bdev);
	if (!flt || strcmp(flt->ops->name, name))
		return -ENOENT;
	*pflt = flt;
	return 0;
}

/* Attaches to @bdev, whose pin passes to the filter (or is dropped). */
static int attach_pinned(struct block_device *bdev, const char *name,
			 struct filter **held)
{
	const struct filter_operations *ops;
	dev_t dev = bdev->bd_dev;
	struct filter *flt;
	int ret;

	mutex_lock(&filters_lock);
	if (live_filter(bdev)) {
		ret = -EALREADY;
		goto out_unlock;
	}
	ops = find_ops(name);
	if (!ops) {
		ret = -EINVAL;
		goto out_unlock;
	}
	if (!try_module_get(ops->owner)) {
		ret = -ENODEV;
		goto out_unlock;
	}
	flt = ops->attach(bdev);
	if (IS_ERR(flt)) {
		ret = PTR_ERR(flt);
		goto out_put_module;
	}
	flt->ops = ops;
	flt->bdev = bdev;
	kref_init(&flt->kref);
	INIT_WORK(&flt->release_work, filter_release_work);
	atomic_inc(&filters_exist);
	ret = xa_err(xa_store(&filters, dev, flt, GFP_KERNEL));
	if (ret) {
		atomic_dec(&filters_exist);
		ops->detach(flt);
		goto out_put_module;
	}
	if (bdev_is_partition(bdev))
		atomic_inc(&partition_filters);
	if (held) {
		filter_get(flt);
		*held = flt;
	}
	mutex_unlock(&filters_lock);
	pr_info("attached %s to %u:%u\n", name, MAJOR(dev), MINOR(dev));
	return 0;

out_put_module:
	module_put(ops->owner);
out_unlock:
	mutex_unlock(&filters_lock);
	compat_bdev_unpin(bdev);
	return ret;
}

int filter_attach(dev_t dev, const char *name, struct filter **held)
{
	struct block_device *bdev = compat_bdev_pin(dev);

	if (IS_ERR(bdev))
		return PTR_ERR(bdev);
	return attach_pinned(bdev, name, held);
}

int filter_attach_bdev(struct block_device *bdev, const char *name,
		       struct filter **held)
{
	/* The pin compat_bdev_pin() takes, without opening the device. */
	get_device(&bdev->bd_device);
	return attach_pinned(bdev, name, held);
}

int filter_detach(dev_t dev, const char *name)
{
	struct filter *flt;
	int ret = 0;

	mutex_lock(&filters_lock);
	/* By number alone: a removed device's filter must be detachable. */
	flt = xa_load(&filters, dev);
	if (!flt || strcmp(flt->ops->name, name))
		ret = -ENOENT;
	else if (flt->ops->may_detach)
		ret = flt->ops->may_detach(flt);
	if (!ret)
		filter_remove(dev, flt);
	mutex_unlock(&filters_lock);
	if (!ret)
		pr_info("detached %s from %u:%u\n", name, MAJOR(dev), MINOR(dev));
	return ret;
}

/*
 * A control-node command under native blkfilter.  The kernel detaches with
 * the device's queue frozen and then waits for filters_lock in
 * filter_drop(), so neither opening the device nor the command, both of
 * which may do I/O, runs under that lock here.
 */
static int filter_ctl_unlocked(dev_t dev, const char *name, unsigned int cmd,
			       __u8 __user *buf, __u32 *plen)
{
	struct block_device *bdev = compat_bdev_pin(dev);
	struct filter *flt;
	int ret;

	if (IS_ERR(bdev))
		return PTR_ERR(bdev);
	mutex_lock(&filters_lock);
	flt = live_filter(bdev);
	if (flt && !strcmp(flt->ops->name, name))
		filter_get(flt);
	else
		flt = NULL;
	mutex_unlock(&filters_lock);
	compat_bdev_unpin(bdev);
	if (!flt)
		return -ENOENT;
	/* As in filter_ctl_on(), ->lost() covers a racing detach. */
	ret = flt->ops->ctl(flt, cmd, buf, plen);
	filter_put(flt);
	return ret;
}

int filter_ctl(dev_t dev, const char *name, unsigned int cmd,
	       __u8 __user *buf, __u32 *plen)
{
	struct filter *flt;
	int ret;

	if (filter_in_queue())
		return filter_ctl_unlocked(dev, name, cmd, buf, plen);
	/*
	 * Under the ftrace interception a detach waits for the command, so
	 * that no command acts on a filter no bio reaches any more.
	 */
	mutex_lock(&filters_lock);
	ret = find_live_filter(dev, name, &flt);
	if (!ret && flt->ops->ctl_unlocked && flt->ops->ctl_unlocked(cmd)) {
		/* It may wait on a filesystem: not with every filter held up. */
		filter_get(flt);
		mutex_unlock(&filters_lock);
		ret = flt->ops->ctl(flt, cmd, buf, plen);
		filter_put(flt);
		return ret;
	}
	if (!ret)
		ret = flt->ops->ctl(flt, cmd, buf, plen);
	mutex_unlock(&filters_lock);
	return ret;
}

bool filter_attached(struct filter *flt)
{
	bool attached;

	mutex_lock(&filters_lock);
	attached = xa_load(&filters, flt->bdev->bd_dev) == flt;
	mutex_unlock(&filters_lock);
	return attached;
}

int filter_ctl_on(struct filter *flt, unsigned int cmd, __u8 __user *buf,
		  __u32 *plen)
{
	bool attached;
	int ret;

	/*
	 * Not under filters_lock: the kernel detaches with the queue frozen,
	 * and a command that waits for memory (reclaim writing to that
	 * queue) must not hold up filter_drop().  ->lost() covers a command
	 * that races with the detach.
	 */
	mutex_lock(&filters_lock);
	attached = xa_load(&filters, flt->bdev->bd_dev) == flt;
	if (attached)
		filter_get(flt);
	mutex_unlock(&filters_lock);
	if (!attached)
		return -ENOENT;
	ret = flt->ops->ctl(flt, cmd, buf, plen);
	filter_put(flt);
	return ret;
}

void filter_drop(struct filter *flt)
{
	dev_t dev = flt->bdev->bd_dev;

	mutex_lock(&filters_lock);
	if (xa_load(&filters, dev) == flt) {
		if (flt->ops->lost)
			flt->ops->lost(flt);
		pr_info("the kernel detached %s from %u:%u\n", flt->ops->name,
			MAJOR(dev), MINOR(dev));
		filter_remove(dev, flt);
	}
	mutex_unlock(&filters_lock);
}

bool filter_bdev_bio(struct block_device *bdev, struct bio *bio)
{
	struct filter *flt;
	bool taken;

	rcu_read_lock();
	flt = xa_load(&filters, bdev->bd_dev);
	/* A stale entry for a reused device number is not ours to apply. */
	if (flt && (flt->bdev != bdev || !kref_get_unless_zero(&flt->kref)))
		flt = NULL;
	rcu_read_unlock();
	if (!flt)
		return false;

	taken = flt->ops->submit_bio(flt, bio);
	filter_put(flt);
	return taken;
}

bool filter_device_bio(struct bio *bio)
{
	return filter_bdev_bio(bio->bi_bdev, bio);
}

struct filter *filter_partition_overlapping(struct bio *bio)
{
	struct block_device *disk = bio->bi_bdev;
	sector_t start = bio->bi_iter.bi_sector;
	sector_t end = bio_end_sector(bio);
	struct filter *flt, *first = NULL;
	unsigned long dev;

	if (!atomic_read(&partition_filters))
		return NULL;
	rcu_read_lock();
	xa_for_each(&filters, dev, flt) {
		struct block_device *part = flt->bdev;

		if (!bdev_is_partition(part) || bdev_whole(part) != disk ||
		    part->bd_start_sect >= end ||
		    part->bd_start_sect + bdev_nr_sectors(part) <= start)
			continue;
		if (first && first->bdev->bd_start_sect <= part->bd_start_sect)
			continue;
		/* Only a filter still attached: the registry holds a kref. */
		if (!kref_get_unless_zero(&flt->kref))
			continue;
		if (first)
			filter_put(first);
		first = flt;
	}
	rcu_read_unlock();
	return first;
}

int filter_init(void)
{
	filter_wq = alloc_workqueue("blksnap-filter", WQ_UNBOUND | WQ_MEM_RECLAIM, 0);
	return filter_wq ? 0 : -ENOMEM;
}

void filter_done(void)
{
	/* Every filter held a module reference, so none is attached now. */
	WARN_ON_ONCE(!xa_empty(&filters));
	destroy_workqueue(filter_wq);
}
