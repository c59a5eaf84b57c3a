// SPDX-License-Identifier: GPL-2.0
/* blkdev_get_by_path() takes blk_mode_t and holder ops (6.5, 6.6). */
#include <linux/blkdev.h>

static __maybe_unused struct block_device *probe(const char *path)
{
	return blkdev_get_by_path(path, BLK_OPEN_READ, NULL, NULL);
}
