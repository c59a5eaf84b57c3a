// SPDX-License-Identifier: GPL-2.0
/* freeze_bdev()/thaw_bdev() return int (5.11 up to 6.7). */
#include <linux/blkdev.h>

static __maybe_unused int probe(struct block_device *bdev)
{
	int ret = freeze_bdev(bdev);

	return ret ? ret : thaw_bdev(bdev);
}
