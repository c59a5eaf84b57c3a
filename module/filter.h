/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The block device filter API, in the shape proposed upstream as blkfilter:
 * a filter module registers its operations under a name; one filter at a
 * time may be attached to a block device (a whole disk or a partition);
 * the filter sees every bio submitted to that device before the block
 * layer does, and answers control commands.
 *
 * This is blksnap's own registry, named filter_* so that it can sit beside
 * a kernel's <linux/blk-filter.h>.  Bios reach it through one of two
 * interceptions, chosen at build time by compat/config.h:
 * filter_ftrace.c hooks submit_bio_noacct() where the kernel has no
 * blkfilter (every mainline kernel), filter_native.c registers with the
 * kernel's blkfilter where it has one (HAVE_BLK_FILTER).
 *
 * Differences from upstream: filters are found by device number here, not
 * through bdev->bd_filter, and ->submit_bio() is handed the filter along
 * with the bio.  Under the ftrace interception a filter on a whole disk
 * also sees the bios submitted to its partitions; under the native one it
 * sees only its own device's, as upstream intends.
 */
#ifndef __BLKSNAP_FILTER_H
#define __BLKSNAP_FILTER_H

#include <linux/blkdev.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/workqueue.h>
#include "compat/compat.h"

struct filter;

/**
 * struct filter_operations - What a filter provides.
 * @link: In the list of registered filters.
 * @owner: Held while the filter is attached anywhere.
 * @name: Name userspace attaches by, e.g. "blksnap".
 * @attach: Creates the filter's state for @bdev.  May sleep.
 * @detach: Frees it, once no bio can reach it any more.  May sleep.
 * @ctl: Runs a control command; @plen is in/out.  May sleep.
 * @ctl_unlocked: Optional: true for a command that may wait on a
 *	filesystem; it then runs holding only a reference on the filter, never
 *	under the lock detach takes, and must make itself safe against a
 *	racing detach (filter_attached()).  Not upstream.
 * @may_detach: Optional: a negative errno keeps the filter attached (not
 *	upstream: blksnap refuses while the device is in a snapshot).
 * @lost: Optional: told that the kernel detached the filter, which
 *	@may_detach cannot refuse (native interception only: device removal
 *	or the kernel's detach ioctl); no bio will reach it any more, though
 *	holders may still use it.  May race with @ctl.
 * @submit_bio: Sees a bio before the device does.  Returns true if the
 *	filter took the bio over (and will complete or resubmit it).
 */
struct filter_operations {
	struct list_head link;
	struct module *owner;
	const char *name;
	struct filter *(*attach)(struct block_device *bdev);
	void (*detach)(struct filter *flt);
	int (*ctl)(struct filter *flt, unsigned int cmd, __u8 __user *buf,
		   __u32 *plen);
	bool (*ctl_unlocked)(unsigned int cmd);
	int (*may_detach)(struct filter *flt);
	void (*lost)(struct filter *flt);
	bool (*submit_bio)(struct filter *flt, struct bio *bio);
};

/**
 * struct filter - An attached filter; embedded in the filter's state.
 * @ops: Its operations.
 * @bdev: The filtered device, pinned but not open (compat/bdev.h).
 * @kref: One reference for the registry, one per bio being filtered.
 * @release_work: Runs @ops->detach after the last reference is gone.
 */
struct filter {
	const struct filter_operations *ops;
	struct block_device *bdev;
	struct kref kref;
	struct work_struct release_work;
};

int filter_register(struct filter_operations *ops);
void filter_unregister(struct filter_operations *ops);

/* For holders beyond the registry (a snapshot keeps its devices' filters). */
void filter_get(struct filter *flt);
void filter_put(struct filter *flt);

/*
 * Attaches filter @name to the device numbered @dev (which is opened for a
 * moment to find it), or to @bdev.  @held, if not NULL, receives the new
 * filter with a reference for the caller.
 */
int filter_attach(dev_t dev, const char *name, struct filter **held);
int filter_attach_bdev(struct block_device *bdev, const char *name,
		       struct filter **held);
int filter_detach(dev_t dev, const char *name);
int filter_ctl(dev_t dev, const char *name, unsigned int cmd,
	       __u8 __user *buf, __u32 *plen);
/* Whether @flt is still its device's filter; takes the filters' lock. */
bool filter_attached(struct filter *flt);

/*
 * I/O path: true if a filter took the bio.  filter_bdev_bio() offers it to
 * @bdev's filter, filter_device_bio() to the filter of its own device
 * (native blkfilter calls us once per filtered device).  Under the ftrace
 * interception a bio meets more filters: see filter_whole_disk.h.
 */
bool filter_bdev_bio(struct block_device *bdev, struct bio *bio);
bool filter_device_bio(struct bio *bio);
/*
 * The attached partition filter of @bio's disk that @bio overlaps and
 * that starts first, with a reference; NULL if none.
 */
struct filter *filter_partition_overlapping(struct bio *bio);

/*
 * Where @bio starts on @bdev, the filtered device (the bio's own or its
 * whole disk), in sectors.  A bio to a partition carries partition
 * sectors until submission remaps them to the disk's (BIO_REMAPPED): the
 * ftrace interception sees bios before that, native blkfilter after.
 */
static inline sector_t filter_bio_sector(struct block_device *bdev,
					 struct bio *bio)
{
	sector_t sector = bio->bi_iter.bi_sector;

	if (!bio_flagged(bio, BIO_REMAPPED))
		sector += bio->bi_bdev->bd_start_sect;
	return sector - bdev->bd_start_sect;
}

/* Cheap test for the interception: is any filter attached anywhere? */
bool filter_active(void);

int filter_init(void);
void filter_done(void);

/*
 * The interception of bio submission: filter_ftrace.c or filter_native.c,
 * whichever compat/config.h selects.
 */
int filter_intercept_init(void);
void filter_intercept_done(void);
/*
 * Whether ->submit_bio() runs with the device's queue entered: native
 * blkfilter calls it from the block layer's dispatch, the ftrace hook
 * before the bio reaches the queue.  A filter that makes bios wait there
 * must then not wait for the queue to drain.  Known at build time: Kbuild
 * builds filter_native.c exactly when the probe set HAVE_BLK_FILTER.
 */
static inline bool filter_in_queue(void)
{
	return __is_defined(HAVE_BLK_FILTER);
}

/*
 * Sends on a bio that a filter took over.  Under the ftrace interception
 * it meets the filters again first (its partition's, which must let it
 * pass this time, and its whole disk's); under native blkfilter the
 * kernel resubmits it past the filter.
 */
void filter_resubmit_bio(struct bio *bio);
/*
 * Attach and detach as the control node asks.  Under the native
 * interception only the kernel's own ioctls on the block device attach a
 * filter (the kernel must hook the device), so these fail -EOPNOTSUPP.
 */
int filter_control_attach(dev_t dev, const char *name);
int filter_control_detach(dev_t dev, const char *name);

/* For the native interception: a control command to @flt, if attached. */
int filter_ctl_on(struct filter *flt, unsigned int cmd, __u8 __user *buf,
		  __u32 *plen);
/*
 * For the native interception: forgets @flt, which the kernel has
 * detached.  That cannot be refused; the filter is told by ->lost().
 */
void filter_drop(struct filter *flt);

#endif /* __BLKSNAP_FILTER_H */
