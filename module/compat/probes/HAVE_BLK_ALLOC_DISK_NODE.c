// SPDX-License-Identifier: GPL-2.0
/* blk_alloc_disk(node) returns NULL on failure and the limits are set
 * afterwards with the blk_queue_*() setters (up to 6.8).
 */
#include <linux/blkdev.h>

static __maybe_unused struct gendisk *probe(unsigned int lbs, unsigned int max)
{
	struct gendisk *disk = blk_alloc_disk(NUMA_NO_NODE);

	if (!disk)
		return NULL;
	blk_queue_logical_block_size(disk->queue, lbs);
	blk_queue_physical_block_size(disk->queue, lbs);
	blk_queue_max_hw_sectors(disk->queue, max);
	return disk;
}
