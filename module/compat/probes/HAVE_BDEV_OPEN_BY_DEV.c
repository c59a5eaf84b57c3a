// SPDX-License-Identifier: GPL-2.0
/* bdev_open_by_dev() returns a struct bdev_handle (6.7, 6.8). */
#include <linux/blkdev.h>

static __maybe_unused void probe(dev_t dev)
{
	struct bdev_handle *handle = bdev_open_by_dev(dev, BLK_OPEN_READ, NULL, NULL);

	if (!IS_ERR(handle))
		bdev_release(handle);
}
