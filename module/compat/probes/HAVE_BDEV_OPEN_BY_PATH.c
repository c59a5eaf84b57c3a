// SPDX-License-Identifier: GPL-2.0
/* Block devices are opened as struct bdev_handle (6.7, 6.8). */
#include <linux/blkdev.h>

static __maybe_unused struct bdev_handle *probe(const char *path)
{
	return bdev_open_by_path(path, BLK_OPEN_READ, NULL, NULL);
}
