// SPDX-License-Identifier: GPL-2.0
/*
 * The filter counts the writes that pass it from attach on, and a take
 * waits only for those and for its devices' request queues.  A bio-based
 * dm device (LVM, LUKS, dm-linear) keeps its bios in flight outside any
 * queue counter: a write issued to it an instant before the attach (as
 * `snapshot create` attaches and takes at once) would land after the take
 * without a copy, under the image, and no CBT map would mark it.
 *
 * dm's internal suspend waits for every bio dm has accepted (new ones
 * wait in dm and are resubmitted through submit_bio_noacct(), so the
 * filter sees them).  Unlike a suspend from userspace it makes an owner's
 * suspend or resume wait until our resume (DMF_SUSPENDED_INTERNALLY),
 * nests inside a suspend the owner started, never makes a loaded table
 * live and sends no uevent.  The noflush kind lets a target push back
 * what it holds (multipath without paths) instead of failing it; the
 * wait is as long as the lower devices take to end the bios already sent
 * to them, uninterruptibly (dm offers no other kind), with the device's
 * suspend lock held: an LV over a SAN whose paths are all gone makes the
 * attach wait until one returns, as an LVM suspend would.  Bios that
 * blk-throttle held before the attach have not reached dm: they are not
 * waited for (blksnap(8), "attach").
 *
 * dm is a module of its own that blksnap does not depend on: its symbols
 * are taken with symbol_get(), and without dm there is no dm device.
 * The two internal calls are exported (GPL) but declared only in dm's
 * private header, so dm_settle.h declares them.
 */
#define pr_fmt(fmt) KBUILD_MODNAME "-dm_settle: " fmt
#include <linux/module.h>
#include <linux/device-mapper.h>
#include "dm_settle.h"

void dm_settle(dev_t dev)
{
	struct mapped_device *(*get_md)(dev_t dev) = symbol_get(dm_get_md);
	void (*put)(struct mapped_device *md) = symbol_get(dm_put);
	void (*suspend)(struct mapped_device *md) = symbol_get(dm_internal_suspend_noflush);
	void (*resume)(struct mapped_device *md) = symbol_get(dm_internal_resume);
	struct mapped_device *md;

	/* NULL for a device that is not dm's, also when dm is not loaded. */
	md = get_md && put && suspend && resume ? get_md(dev) : NULL;
	if (md) {
		suspend(md);
		resume(md);
		put(md);
	}
	if (resume)
		symbol_put(dm_internal_resume);
	if (suspend)
		symbol_put(dm_internal_suspend_noflush);
	if (put)
		symbol_put(dm_put);
	if (get_md)
		symbol_put(dm_get_md);
}
