// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel has the native block device filter API (blkfilter) in the
 * shape filter_native.c is written for (the 2025 posting): the module then
 * registers with it instead of intercepting bio submission.  Every call
 * and callback type filter_native.c uses is compiled here, so a kernel
 * with another shape (e.g. v7's attach without options) leaves it unset.
 */
#include <linux/module.h>
#include <linux/blk-filter.h>

#ifndef CONFIG_BLK_FILTER
#error "CONFIG_BLK_FILTER is not set"
#endif

static struct blkfilter *probe_attach(struct block_device *bdev,
				      __u8 __user *opt, __u32 optlen)
{
	return NULL;
}

static void probe_detach(struct blkfilter *flt)
{
	blkfilter_put(flt);
}

static int probe_ctl(struct blkfilter *flt, const unsigned int cmd,
		     __u8 __user *buf, __u32 *plen)
{
	return 0;
}

static bool probe_submit_bio(struct bio *bio)
{
	resubmit_filtered_bio(bio);
	return true;
}

static struct blkfilter_operations probe_ops = {
	.owner = THIS_MODULE,
	.name = "probe",
	.attach = probe_attach,
	.detach = probe_detach,
	.ctl = probe_ctl,
	.submit_bio = probe_submit_bio,
};

static __maybe_unused int probe(void)
{
	int ret = blkfilter_register(&probe_ops);

	blkfilter_unregister(&probe_ops);
	return ret;
}
