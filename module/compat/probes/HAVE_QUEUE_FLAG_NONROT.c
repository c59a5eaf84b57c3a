// SPDX-License-Identifier: GPL-2.0
/* A disk is made non-rotational with QUEUE_FLAG_NONROT (up to 6.10). */
#include <linux/blkdev.h>

static __maybe_unused void probe(struct gendisk *disk)
{
	blk_queue_flag_set(QUEUE_FLAG_NONROT, disk->queue);
}
