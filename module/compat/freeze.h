/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Freezing the filesystem mounted on a block device, and thawing it, around
 * the moment a snapshot is taken.  Both return 0 or -errno on every kernel;
 * a device with no filesystem mounted freezes and thaws as a no-op.
 */
#ifndef __BLKSNAP_COMPAT_FREEZE_H
#define __BLKSNAP_COMPAT_FREEZE_H

#include <linux/blkdev.h>
#include "compat/compat.h"

#if !defined(HAVE_BDEV_FREEZE) && !defined(HAVE_FREEZE_BDEV)
#error "blksnap: no API to freeze a block device found; see module/compat/README"
#endif

static inline int compat_bdev_freeze(struct block_device *bdev)
{
#if defined(HAVE_BDEV_FREEZE)
	return bdev_freeze(bdev);
#else
	return freeze_bdev(bdev);
#endif
}

static inline int compat_bdev_thaw(struct block_device *bdev)
{
#if defined(HAVE_BDEV_FREEZE)
	return bdev_thaw(bdev);
#else
	return thaw_bdev(bdev);
#endif
}

#endif /* __BLKSNAP_COMPAT_FREEZE_H */
