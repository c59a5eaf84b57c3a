/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A stand-in for <linux/blk-filter.h> of a kernel that has the native block
 * device filter API, in the shape of its 2025 posting (no mainline kernel
 * has it): the declarations compat/probes/HAVE_BLK_FILTER.c and
 * filter_native.c use, written from the posted interface.  For
 * compat/selftest only; a module built with it cannot load anywhere.
 */
#ifndef _LINUX_BLK_FILTER_H
#define _LINUX_BLK_FILTER_H

#include <linux/types.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/module.h>

struct bio;
struct block_device;
struct blkfilter_operations;

/* Embedded first in a filter's kmalloc()ed state; freed at the last put. */
struct blkfilter {
	struct kref kref;
	const struct blkfilter_operations *ops;
};

struct blkfilter_operations {
	struct list_head link;
	struct module *owner;
	const char *name;
	struct blkfilter *(*attach)(struct block_device *bdev,
				    __u8 __user *opt, __u32 optlen);
	void (*detach)(struct blkfilter *flt);
	int (*ctl)(struct blkfilter *flt, const unsigned int cmd,
		   __u8 __user *buf, __u32 *plen);
	bool (*submit_bio)(struct bio *bio);
};

int blkfilter_register(struct blkfilter_operations *ops);
void blkfilter_unregister(struct blkfilter_operations *ops);
void blkfilter_release(struct kref *kref);
void resubmit_filtered_bio(struct bio *bio);

static inline bool blkfilter_get(struct blkfilter *flt)
{
	if (!try_module_get(flt->ops->owner))
		return false;
	kref_get(&flt->kref);
	return true;
}

static inline void blkfilter_put(struct blkfilter *flt)
{
	if (!flt)
		return;
	module_put(flt->ops->owner);
	kref_put(&flt->kref, blkfilter_release);
}

#endif /* _LINUX_BLK_FILTER_H */
