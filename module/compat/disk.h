/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Allocating the gendisk of a bio-based block device (the snapshot image).
 *
 * The rest of what such a driver uses is the same from 6.1 to 7.2 and is
 * called directly: add_disk() (__must_check), del_gendisk(), put_disk(),
 * set_capacity(), disk->flags |= GENHD_FL_NO_PART, and
 * block_device_operations.submit_bio, void (*)(struct bio *).  The block
 * layer does not split bios for a bio-based driver: its submit_bio calls
 * bio_split_to_limits() if it needs bios within the limits set here.
 */
#ifndef __BLKSNAP_COMPAT_DISK_H
#define __BLKSNAP_COMPAT_DISK_H

#include <linux/blkdev.h>
#include <linux/err.h>
#include <linux/log2.h>
#include "compat/compat.h"

#if !defined(HAVE_BLK_ALLOC_DISK_LIMITS) && !defined(HAVE_BLK_ALLOC_DISK_NODE)
#error "blksnap: no API to allocate a bio-based gendisk found; see module/compat/README"
#endif
#if !defined(HAVE_BLK_FEAT_ROTATIONAL) && !defined(HAVE_QUEUE_FLAG_NONROT)
#error "blksnap: no way to mark a disk non-rotational found; see module/compat/README"
#endif

/*
 * Returns a gendisk for a bio-based driver, or an ERR_PTR (-EINVAL,
 * -ENOMEM): logical and physical block size @lbs (a power of two from 512
 * to PAGE_SIZE, checked here because only 6.9+ checks it), at most
 * @max_hw_sectors per request, non-rotational on every kernel (6.11+ makes
 * that the default, older ones default to rotational).  The caller sets
 * fops, private_data, disk_name, flags and the capacity, then add_disk(),
 * and put_disk() if that fails.
 */
static inline struct gendisk *compat_alloc_disk(unsigned int lbs,
						unsigned int max_hw_sectors)
{
#if defined(HAVE_BLK_ALLOC_DISK_LIMITS)
	struct queue_limits lim = {
		.logical_block_size = lbs,
		.physical_block_size = lbs,
		.max_hw_sectors = max_hw_sectors,
	};
#endif
	struct gendisk *disk;

	if (lbs < SECTOR_SIZE || lbs > PAGE_SIZE || !is_power_of_2(lbs))
		return ERR_PTR(-EINVAL);
#if defined(HAVE_BLK_ALLOC_DISK_LIMITS)
	disk = blk_alloc_disk(&lim, NUMA_NO_NODE);
	if (IS_ERR(disk))
		return disk;
#else
	disk = blk_alloc_disk(NUMA_NO_NODE);
	if (!disk)
		return ERR_PTR(-ENOMEM);
	blk_queue_logical_block_size(disk->queue, lbs);
	blk_queue_physical_block_size(disk->queue, lbs);
	blk_queue_max_hw_sectors(disk->queue, max_hw_sectors);
#endif
#if !defined(HAVE_BLK_FEAT_ROTATIONAL)
	blk_queue_flag_set(QUEUE_FLAG_NONROT, disk->queue);
#endif
	return disk;
}

/*
 * Defines PREFIX_open() and PREFIX_release() with the signatures this
 * kernel's block_device_operations want, calling int OPEN(struct gendisk *)
 * and void RELEASE(struct gendisk *).
 */
#if defined(HAVE_BDOPS_OPEN_GENDISK)
#define COMPAT_BDOPS_OPEN_RELEASE(prefix, open_fn, release_fn)		\
static int prefix##_open(struct gendisk *disk, blk_mode_t mode)	\
{									\
	return open_fn(disk);						\
}									\
static void prefix##_release(struct gendisk *disk)			\
{									\
	release_fn(disk);						\
}
#else
#define COMPAT_BDOPS_OPEN_RELEASE(prefix, open_fn, release_fn)		\
static int prefix##_open(struct block_device *bdev, fmode_t mode)	\
{									\
	return open_fn(bdev->bd_disk);					\
}									\
static void prefix##_release(struct gendisk *disk, fmode_t mode)	\
{									\
	release_fn(disk);						\
}
#endif

#endif /* __BLKSNAP_COMPAT_DISK_H */
