/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Module parameters: the ground floor every other file may read and that
 * reads nothing else.  Values are fixed at load (mode 0444; the one
 * exception says so) and checked by params_check() or their setter
 * before anything uses them.
 */
#ifndef __BLKSNAP_PARAMS_H
#define __BLKSNAP_PARAMS_H

/* log2 of the smallest CBT tracking block, in bytes. */
extern unsigned int blksnap_tracking_block_minimum_shift;
/* Most entries of one CBT map; the block size doubles until the map fits. */
extern unsigned int blksnap_tracking_block_maximum_count;
/* log2 of the smallest COW chunk, in bytes. */
extern unsigned int blksnap_chunk_minimum_shift;
/* Most chunks whose copy may be in flight at once, over all snapshots. */
extern unsigned int blksnap_chunk_maximum_count;
extern unsigned int blksnap_chunk_maximum_in_flight;
/* Difference storage growth step, in sectors. */
extern unsigned long long blksnap_diff_storage_minimum;

/*
 * Seconds a take may wait for the writes issued before it (while writes
 * are held and filesystems frozen) before it fails with ETIMEDOUT; the
 * one value that may change after load (read it with READ_ONCE()).
 */
extern unsigned int blksnap_take_drain_timeout;

int params_check(void);

#endif /* __BLKSNAP_PARAMS_H */
