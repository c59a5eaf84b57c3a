/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __BLKSNAP_BLKSNAP_FILTER_H
#define __BLKSNAP_BLKSNAP_FILTER_H

/* Registers the "blksnap" filter with the filter layer, and takes it back. */
int blksnap_filter_init(void);
void blksnap_filter_done(void);

#endif /* __BLKSNAP_BLKSNAP_FILTER_H */
