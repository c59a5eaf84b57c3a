/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A stand-in for the blkfilter header of a kernel that has the native API
 * (no mainline kernel does), with the declarations the HAVE_BLK_FILTER
 * probe uses.  Only for compat/selftest/probe-selftest.sh.
 */
#ifndef _LINUX_BLK_FILTER_H
#define _LINUX_BLK_FILTER_H

#include <linux/types.h>

struct bio;
struct block_device;

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

#endif /* _LINUX_BLK_FILTER_H */
