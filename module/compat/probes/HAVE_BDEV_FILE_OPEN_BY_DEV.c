// SPDX-License-Identifier: GPL-2.0
/* bdev_file_open_by_dev() returns a struct file (6.9+). */
#include <linux/blkdev.h>
#include <linux/fs.h>

static __maybe_unused struct block_device *probe(dev_t dev)
{
	struct file *file = bdev_file_open_by_dev(dev, BLK_OPEN_READ, NULL, NULL);

	return IS_ERR(file) ? NULL : file_bdev(file);
}
