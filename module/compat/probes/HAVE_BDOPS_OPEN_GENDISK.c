// SPDX-License-Identifier: GPL-2.0
/* block_device_operations.open takes the gendisk and blk_mode_t, and
 * .release only the gendisk (6.5+).
 */
#include <linux/blkdev.h>

static int probe_open(struct gendisk *disk, blk_mode_t mode)
{
	return 0;
}

static void probe_release(struct gendisk *disk)
{
}

static const struct block_device_operations probe_fops __maybe_unused = {
	.open = probe_open,
	.release = probe_release,
};
