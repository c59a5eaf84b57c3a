// SPDX-License-Identifier: GPL-2.0
/* bdev_freeze()/bdev_thaw() replace freeze_bdev()/thaw_bdev() (6.8+). */
#include <linux/blkdev.h>

static __maybe_unused int probe(struct block_device *bdev)
{
	int ret = bdev_freeze(bdev);

	return ret ? ret : bdev_thaw(bdev);
}
