/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The block device filter API, in the shape proposed upstream as blkfilter:
 * a filter module registers its operations under a name; one filter at a
 * time may be attached to a block device (a whole disk or a partition);
 * the filter sees every bio submitted to that device before the block
 * layer does, and answers control commands.
 *
 * Differences from upstream, since no kernel has the hook in struct
 * block_device: filters are found by device number in a registry here, and
 * ->submit_bio() is handed the filter along with the bio.  A filter on a
 * whole disk also sees the bios submitted to its partitions.
 */
#ifndef __BLKSNAP_FILTER_H
#define __BLKSNAP_FILTER_H

#include <linux/blkdev.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/workqueue.h>

struct blkfilter;

/**
 * struct blkfilter_operations - What a filter provides.
 * @link: In the list of registered filters.
 * @owner: Held while the filter is attached anywhere.
 * @name: Name userspace attaches by, e.g. "blksnap".
 * @attach: Creates the filter's state for @bdev.  May sleep.
 * @detach: Frees it, once no bio can reach it any more.  May sleep.
 * @ctl: Runs a control command; @plen is in/out.  May sleep.
 * @may_detach: Optional: a negative errno keeps the filter attached (not
 *	upstream: blksnap refuses while the device is in a snapshot).
 * @submit_bio: Sees a bio before the device does.  Returns true if the
 *	filter took the bio over (and will complete or resubmit it).
 */
struct blkfilter_operations {
	struct list_head link;
	struct module *owner;
	const char *name;
	struct blkfilter *(*attach)(struct block_device *bdev);
	void (*detach)(struct blkfilter *flt);
	int (*ctl)(struct blkfilter *flt, unsigned int cmd, __u8 __user *buf,
		   __u32 *plen);
	int (*may_detach)(struct blkfilter *flt);
	bool (*submit_bio)(struct blkfilter *flt, struct bio *bio);
};

/**
 * struct blkfilter - An attached filter; embedded in the filter's state.
 * @ops: Its operations.
 * @bdev: The filtered device, pinned but not open (compat/bdev.h).
 * @kref: One reference for the registry, one per bio being filtered.
 * @release_work: Runs @ops->detach after the last reference is gone.
 */
struct blkfilter {
	const struct blkfilter_operations *ops;
	struct block_device *bdev;
	struct kref kref;
	struct work_struct release_work;
};

int blkfilter_register(struct blkfilter_operations *ops);
void blkfilter_unregister(struct blkfilter_operations *ops);

/* For holders beyond the registry (a snapshot keeps its devices' filters). */
void blkfilter_get(struct blkfilter *flt);
void blkfilter_put(struct blkfilter *flt);

int blkfilter_attach(dev_t dev, const char *name);
int blkfilter_detach(dev_t dev, const char *name);
int blkfilter_ctl(dev_t dev, const char *name, unsigned int cmd,
		  __u8 __user *buf, __u32 *plen);

/* I/O path, called by the interception: true if a filter took the bio. */
bool blkfilter_bio(struct bio *bio);
/* Cheap test for the interception: is any filter attached anywhere? */
bool blkfilter_active(void);

int blkfilter_init(void);
void blkfilter_done(void);

/* The interception of bio submission (filter_ftrace.c). */
int filter_intercept_init(void);
void filter_intercept_done(void);

#endif /* __BLKSNAP_FILTER_H */
