/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which filters a bio meets under the ftrace interception, which sees it
 * before the block layer remaps a partition's sectors to its disk's.
 */
#ifndef __BLKSNAP_FILTER_WHOLE_DISK_H
#define __BLKSNAP_FILTER_WHOLE_DISK_H

#include <linux/bio.h>

/*
 * Offers @bio to the filters whose sectors it covers: a whole disk's
 * write first to the filtered partitions it overlaps (each piece inside
 * one is split off and submitted to that partition), then to the filter
 * of its device, and a partition's bio then to its whole disk's.  True if
 * a filter took the bio (or all of its pieces).
 */
bool filter_bio(struct bio *bio);

int filter_whole_disk_init(void);
void filter_whole_disk_done(void);

#endif /* __BLKSNAP_FILTER_WHOLE_DISK_H */
