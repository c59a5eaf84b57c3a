// SPDX-License-Identifier: GPL-2.0
/* blk_alloc_disk() takes queue_limits and returns ERR_PTR (6.9+). */
#include <linux/blkdev.h>

static __maybe_unused struct gendisk *probe(struct queue_limits *lim)
{
	return blk_alloc_disk(lim, NUMA_NO_NODE);
}
