// SPDX-License-Identifier: GPL-2.0
/* bdev_fput() releases a block device file's claim at once (6.10+). */
#include <linux/blkdev.h>
#include <linux/fs.h>

static __maybe_unused void probe(struct file *bdev_file)
{
	bdev_fput(bdev_file);
}
