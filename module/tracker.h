/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The blksnap filter's state for one block device: its change-block
 * tracking map now, its snapshot state later.  Registered as the filter
 * named "blksnap".
 */
#ifndef __BLKSNAP_TRACKER_H
#define __BLKSNAP_TRACKER_H

int tracker_init(void);
void tracker_done(void);

#endif /* __BLKSNAP_TRACKER_H */
