/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Finding a block device by number without keeping it open.
 *
 * A filter must not hold its device open: a loop device with an open
 * partition cannot be detached, and a disk must stay removable.  So the
 * device is opened only long enough to find its struct block_device, which
 * is then kept alive by a reference on its struct device.  The pin keeps
 * the memory (and the gendisk) valid, not the device: a removed device's
 * pinned bdev simply never sees I/O again.
 */
#ifndef __BLKSNAP_COMPAT_BDEV_H
#define __BLKSNAP_COMPAT_BDEV_H

#include <linux/blkdev.h>
#include <linux/device.h>
#include <linux/fs.h>
#include "compat/compat.h"

#if !defined(HAVE_BDEV_FILE_OPEN_BY_DEV) && \
	!defined(HAVE_BDEV_OPEN_BY_DEV) && \
	!defined(HAVE_BLKDEV_GET_BY_DEV_HOLDER_OPS) && \
	!defined(HAVE_BLKDEV_GET_BY_DEV_FMODE)
#error "blksnap: no API to open a block device by number found; see module/compat/README"
#endif

/* Returns the pinned device or an ERR_PTR (-ENXIO, -ENODEV, ...). */
static inline struct block_device *compat_bdev_pin(dev_t dev)
{
	struct block_device *bdev;
#if defined(HAVE_BDEV_FILE_OPEN_BY_DEV)
	struct file *file = bdev_file_open_by_dev(dev, BLK_OPEN_READ, NULL, NULL);

	if (IS_ERR(file))
		return ERR_CAST(file);
	bdev = file_bdev(file);
	get_device(&bdev->bd_device);
	fput(file);
#elif defined(HAVE_BDEV_OPEN_BY_DEV)
	struct bdev_handle *handle = bdev_open_by_dev(dev, BLK_OPEN_READ, NULL, NULL);

	if (IS_ERR(handle))
		return ERR_CAST(handle);
	bdev = handle->bdev;
	get_device(&bdev->bd_device);
	bdev_release(handle);
#elif defined(HAVE_BLKDEV_GET_BY_DEV_HOLDER_OPS)
	bdev = blkdev_get_by_dev(dev, BLK_OPEN_READ, NULL, NULL);
	if (IS_ERR(bdev))
		return bdev;
	get_device(&bdev->bd_device);
	blkdev_put(bdev, NULL);
#else
	bdev = blkdev_get_by_dev(dev, FMODE_READ, NULL);
	if (IS_ERR(bdev))
		return bdev;
	get_device(&bdev->bd_device);
	blkdev_put(bdev, FMODE_READ);
#endif
	return bdev;
}

static inline void compat_bdev_unpin(struct block_device *bdev)
{
	put_device(&bdev->bd_device);
}

#endif /* __BLKSNAP_COMPAT_BDEV_H */
