// SPDX-License-Identifier: GPL-2.0
/*
 * REQ_ATOMIC: a write the device does all or nothing (6.11+), and
 * BLK_STS_INVAL, the status the block layer refuses such a split with.
 */
#include <linux/blk_types.h>

static __maybe_unused blk_status_t probe(const struct bio *bio)
{
	return bio->bi_opf & REQ_ATOMIC ? BLK_STS_INVAL : BLK_STS_OK;
}
