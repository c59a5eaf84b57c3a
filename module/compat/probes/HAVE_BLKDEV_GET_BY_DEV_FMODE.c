// SPDX-License-Identifier: GPL-2.0
/* blkdev_get_by_dev() takes fmode_t and a holder (up to 6.4). */
#include <linux/blkdev.h>
#include <linux/fs.h>

static __maybe_unused void probe(dev_t dev)
{
	struct block_device *bdev = blkdev_get_by_dev(dev, FMODE_READ, NULL);

	if (!IS_ERR(bdev))
		blkdev_put(bdev, FMODE_READ);
}
