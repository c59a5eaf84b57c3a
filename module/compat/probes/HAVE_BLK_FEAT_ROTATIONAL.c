// SPDX-License-Identifier: GPL-2.0
/* Rotational is a queue_limits feature, off unless set (6.11+). */
#include <linux/blkdev.h>

static __maybe_unused bool probe(struct queue_limits *lim)
{
	blk_features_t features = lim->features;

	return features & BLK_FEAT_ROTATIONAL;
}
