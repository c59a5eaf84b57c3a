/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A stand-in for <linux/blk-filter.h> in the shape of the v7 posting
 * (2024): attach takes no options, struct blkfilter has no reference
 * count, and a postponed bio is resubmitted with blkfilter_resubmit_bio().
 * filter_native.c is not written for it, so the HAVE_BLK_FILTER probe must
 * stay unset.  For compat/selftest only.
 */
#ifndef _LINUX_BLK_FILTER_H
#define _LINUX_BLK_FILTER_H

#include <linux/types.h>
#include <linux/list.h>

struct bio;
struct block_device;
struct blkfilter_operations;

struct blkfilter {
	const struct blkfilter_operations *ops;
};

struct blkfilter_operations {
	struct list_head link;
	struct module *owner;
	const char *name;
	struct blkfilter *(*attach)(struct block_device *bdev);
	void (*detach)(struct blkfilter *flt);
	int (*ctl)(struct blkfilter *flt, const unsigned int cmd,
		   __u8 __user *buf, __u32 *plen);
	bool (*submit_bio)(struct bio *bio);
};

int blkfilter_register(struct blkfilter_operations *ops);
void blkfilter_unregister(struct blkfilter_operations *ops);
void blkfilter_resubmit_bio(struct bio *bio, struct blkfilter *flt);

#endif /* _LINUX_BLK_FILTER_H */
