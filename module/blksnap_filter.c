// SPDX-License-Identifier: GPL-2.0
/*
 * The "blksnap" filter as the filter layer sees it: the tracker's
 * operations on a device, and its control commands.  The CBT commands are
 * the tracker's own; the snapshot commands (SNAPSHOTADD, SNAPSHOTFREE,
 * SNAPSHOTINFO) are
 * dispatched here to snapshot.c, which uses the tracker, so that the calls
 * run one way: from here down to snapshot.c, and from both to tracker.c.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include <linux/module.h>
#include <linux/uaccess.h>
#include <linux/slab.h>
#include <linux/overflow.h>
#include <linux/blksnap.h>
#include "filter.h"
#include "tracker.h"
#include "snapshot.h"
#include "blksnap_filter.h"

static int ctl_snapshotadd(struct filter *flt, __u8 __user *buf, __u32 *plen)
{
	struct blksnap_snapshotadd arg;
	uuid_t id;

	if (*plen < sizeof(arg))
		return -EINVAL;
	if (copy_from_user(&arg, buf, sizeof(arg)))
		return -EFAULT;
	/* Detached by the kernel while this command ran (native only). */
	if (READ_ONCE(to_tracker(flt)->lost))
		return -ENODEV;
	import_uuid(&id, arg.id.b);
	return snapshot_add_device(&id, flt);
}

/* Most ranges one SNAPSHOTFREE takes: 64 KiB of kernel memory. */
#define SNAPSHOTFREE_RANGES_MAX	4096U

static int ctl_snapshotfree(struct filter *flt, __u8 __user *buf, __u32 *plen)
{
	struct blksnap_snapshotfree arg;
	struct blksnap_sectors *ranges;
	int ret;

	if (*plen < sizeof(arg))
		return -EINVAL;
	if (copy_from_user(&arg, buf, sizeof(arg)))
		return -EFAULT;
	if (arg.padding)
		return -EINVAL;
	if (arg.count > SNAPSHOTFREE_RANGES_MAX)
		return -E2BIG;
	ranges = memdup_user(u64_to_user_ptr(arg.free_sectors),
			     array_size(arg.count, sizeof(*ranges)));
	if (IS_ERR(ranges))
		return PTR_ERR(ranges);
	ret = snapshot_free_space(flt, ranges, arg.count);
	kfree(ranges);
	return ret;
}

static int ctl_snapshotinfo(struct filter *flt, __u8 __user *buf, __u32 *plen)
{
	struct blksnap_snapshotinfo info = {};
	int ret;

	if (*plen < sizeof(info))
		return -EINVAL;
	ret = snapshot_device_info(flt, &info);
	if (ret)
		return ret;
	if (copy_to_user(buf, &info, sizeof(info)))
		return -EFAULT;
	*plen = sizeof(info);
	return 0;
}

/*
 * The snapshot commands take snapshots_lock, which nests outside
 * tracker->lock: they run here, never under the tracker's lock.
 */
static int blksnap_filter_ctl(struct filter *flt, unsigned int cmd,
			      __u8 __user *buf, __u32 *plen)
{
	switch (cmd) {
	case BLKFILTER_CTL_BLKSNAP_SNAPSHOTADD:
		return ctl_snapshotadd(flt, buf, plen);
	case BLKFILTER_CTL_BLKSNAP_SNAPSHOTINFO:
		return ctl_snapshotinfo(flt, buf, plen);
	case BLKFILTER_CTL_BLKSNAP_SNAPSHOTFREE:
		return ctl_snapshotfree(flt, buf, plen);
	default:
		return tracker_ctl(flt, cmd, buf, plen);
	}
}

/*
 * Adding a device to a snapshot may map the storage on its filesystem
 * (fallocate, sync), which waits as long as someone keeps it frozen.
 */
static bool blksnap_filter_ctl_unlocked(unsigned int cmd)
{
	return cmd == BLKFILTER_CTL_BLKSNAP_SNAPSHOTADD;
}

static struct filter_operations blksnap_filter_ops = {
	.owner = THIS_MODULE,
	.name = BLKSNAP_FILTER_NAME,
	.attach = tracker_attach,
	.detach = tracker_detach,
	.ctl = blksnap_filter_ctl,
	.ctl_unlocked = blksnap_filter_ctl_unlocked,
	.may_detach = tracker_may_detach,
	.lost = tracker_lost,
	.submit_bio = tracker_submit_bio,
};

int blksnap_filter_init(void)
{
	return filter_register(&blksnap_filter_ops);
}

void blksnap_filter_done(void)
{
	filter_unregister(&blksnap_filter_ops);
}
