/* SPDX-License-Identifier: GPL-2.0 */
/*
 * After the filter is attached to a device-mapper device: waiting for the
 * bios issued to it before, which the filter never counted.
 */
#ifndef __BLKSNAP_DM_SETTLE_H
#define __BLKSNAP_DM_SETTLE_H

#include <linux/types.h>

struct mapped_device;

/*
 * Exported by dm-mod (EXPORT_SYMBOL_GPL) but declared only in its private
 * drivers/md/dm.h; the same shape from 4.0 to 7.2.  Used through
 * symbol_get() only.
 */
void dm_internal_suspend_noflush(struct mapped_device *md);
void dm_internal_resume(struct mapped_device *md);

/*
 * Returns once every bio dm has accepted for @dev before now has
 * completed, if @dev is a device-mapper device; at once otherwise.
 * Sleeps (uninterruptibly) as long as the lower devices take to end them.
 */
void dm_settle(dev_t dev);

#endif /* __BLKSNAP_DM_SETTLE_H */
