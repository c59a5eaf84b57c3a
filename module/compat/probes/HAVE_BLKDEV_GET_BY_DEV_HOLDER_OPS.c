// SPDX-License-Identifier: GPL-2.0
/* blkdev_get_by_dev() takes blk_mode_t and holder ops (6.5, 6.6). */
#include <linux/blkdev.h>

static __maybe_unused void probe(dev_t dev)
{
	struct block_device *bdev = blkdev_get_by_dev(dev, BLK_OPEN_READ, NULL, NULL);

	if (!IS_ERR(bdev))
		blkdev_put(bdev, NULL);
}
