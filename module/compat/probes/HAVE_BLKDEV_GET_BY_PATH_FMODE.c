// SPDX-License-Identifier: GPL-2.0
/* blkdev_get_by_path() takes fmode_t and a holder (up to 6.4). */
#include <linux/blkdev.h>
#include <linux/fs.h>

static __maybe_unused struct block_device *probe(const char *path)
{
	return blkdev_get_by_path(path, FMODE_READ, NULL);
}
