// SPDX-License-Identifier: GPL-2.0
/* Block devices are opened as struct file (6.9+). */
#include <linux/blkdev.h>
#include <linux/fs.h>

static __maybe_unused struct file *probe(const char *path)
{
	return bdev_file_open_by_path(path, BLK_OPEN_READ, NULL, NULL);
}
