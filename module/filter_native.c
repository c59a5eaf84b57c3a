// SPDX-License-Identifier: GPL-2.0
/*
 * Interception through the kernel's own block device filter API, for
 * kernels that have it (HAVE_BLK_FILTER; no mainline kernel does yet).
 * Built instead of filter_ftrace.c.
 *
 * The kernel attaches, detaches and controls the filter through its
 * BLKFILTER_* ioctls on the block device, and calls ->submit_bio() from
 * the block layer with the device's queue entered.  This file adapts those
 * callbacks to the registry in filter.c, which keeps the filter's state
 * exactly as under the ftrace interception.
 *
 * Written against the shape of the 2025 posting (attach with options, a
 * kref in struct blkfilter freed by the kernel, resubmit_filtered_bio());
 * the HAVE_BLK_FILTER probe compiles callbacks of these types and the calls
 * made here, so a kernel with another shape keeps the ftrace interception.
 */
#define pr_fmt(fmt) KBUILD_MODNAME "-filter_native: " fmt
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/sched/mm.h>
#include <linux/blk-filter.h>
#include <linux/blksnap.h>
#include "filter.h"

/*
 * What the kernel holds for one filtered device.  @kflt comes first: the
 * kernel kfree()s it when its last reference goes.
 */
struct native_filter {
	struct blkfilter kflt;
	/* The registry's filter, with a reference of ours. */
	struct filter *flt;
};

static struct blkfilter *native_attach(struct block_device *bdev,
				       __u8 __user *opt, __u32 optlen)
{
	struct native_filter *nf;
	unsigned int noio;
	int ret;

	/* blksnap takes no attach options. */
	if (opt || optlen)
		return ERR_PTR(-EINVAL);
	/*
	 * The kernel calls us with the device's queue frozen: memory reclaim
	 * must not write to it, or it would wait for the freeze to end.
	 */
	noio = memalloc_noio_save();
	nf = kzalloc(sizeof(*nf), GFP_KERNEL);
	if (!nf) {
		ret = -ENOMEM;
		goto out;
	}
	/* By bdev: opening the device now could write to the frozen queue. */
	ret = filter_attach_bdev(bdev, BLKSNAP_FILTER_NAME, &nf->flt);
	if (ret)
		kfree(nf);
out:
	memalloc_noio_restore(noio);
	return ret ? ERR_PTR(ret) : &nf->kflt;
}

static void native_detach(struct blkfilter *kflt)
{
	struct native_filter *nf = container_of(kflt, struct native_filter, kflt);

	filter_drop(nf->flt);
	filter_put(nf->flt);
	/* The reference attach gave the kernel; the last put frees @nf. */
	blkfilter_put(kflt);
}

static int native_ctl(struct blkfilter *kflt, const unsigned int cmd,
		      __u8 __user *buf, __u32 *plen)
{
	struct native_filter *nf = container_of(kflt, struct native_filter, kflt);

	return filter_ctl_on(nf->flt, cmd, buf, plen);
}

static bool native_submit_bio(struct bio *bio)
{
	return filter_device_bio(bio);
}

static struct blkfilter_operations native_ops = {
	.owner = THIS_MODULE,
	.name = BLKSNAP_FILTER_NAME,
	.attach = native_attach,
	.detach = native_detach,
	.ctl = native_ctl,
	.submit_bio = native_submit_bio,
};

int filter_intercept_init(void)
{
	int ret = blkfilter_register(&native_ops);

	if (ret)
		pr_err("cannot register the %s block filter (error %d); is another blksnap loaded?\n",
		       native_ops.name, ret);
	return ret;
}

void filter_intercept_done(void)
{
	/* Each attached filter holds a module reference: none is left. */
	blkfilter_unregister(&native_ops);
}

void filter_resubmit_bio(struct bio *bio)
{
	resubmit_filtered_bio(bio);
}

int filter_control_attach(dev_t dev, const char *name)
{
	pr_info_ratelimited("attach with the BLKFILTER_ATTACH ioctl on the block device\n");
	return -EOPNOTSUPP;
}

int filter_control_detach(dev_t dev, const char *name)
{
	pr_info_ratelimited("detach with the BLKFILTER_DETACH ioctl on the block device\n");
	return -EOPNOTSUPP;
}
