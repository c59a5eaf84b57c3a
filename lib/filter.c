// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The filter requests.  Upstream issues these on the block device itself;
 * an out-of-tree module cannot, so they go to the control node and name the
 * device by number (see the UAPI header, difference 1).  A module built on
 * a kernel's native blkfilter refuses attach and detach there with
 * EOPNOTSUPP (only the kernel can hook a device): those two then go to the
 * block device, as upstream's do.
 */
#include <errno.h>
#include <string.h>
#include <sys/sysmacros.h>
#include "blksnap-private.h"
#include "native-blkfilter.h"

void blksnap__filter_target(dev_t dev, struct blksnap_bdev *bdev,
			    __u8 name[BLKFILTER_NAME_LENGTH])
{
	bdev->major = major(dev);
	bdev->minor = minor(dev);
	memset(name, 0, BLKFILTER_NAME_LENGTH);
	memcpy(name, BLKSNAP_FILTER_NAME, sizeof(BLKSNAP_FILTER_NAME));
}

int blksnap_attach(struct blksnap_ctx *ctx, dev_t dev)
{
	struct blksnap_filter_attach arg = { 0 };
	int ret;

	if (!ctx)
		return -EINVAL;
	blksnap__filter_target(dev, &arg.bdev, arg.name);
	ret = blksnap__ioctl(ctx, IOCTL_BLKSNAP_FILTER_ATTACH, &arg);
	if (ret == -EOPNOTSUPP) {
		struct blksnap_native_attach native = { 0 };

		memcpy(native.name, arg.name, sizeof(native.name));
		ret = blksnap__bdev_ioctl(dev, BLKSNAP_NATIVE_ATTACH, &native);
	}
	return ret < 0 ? ret : 0;
}

int blksnap_detach(struct blksnap_ctx *ctx, dev_t dev)
{
	struct blksnap_filter_detach arg = { 0 };
	int ret;

	if (!ctx)
		return -EINVAL;
	blksnap__filter_target(dev, &arg.bdev, arg.name);
	ret = blksnap__ioctl(ctx, IOCTL_BLKSNAP_FILTER_DETACH, &arg);
	if (ret == -EOPNOTSUPP) {
		struct blksnap_native_detach native = { 0 };

		memcpy(native.name, arg.name, sizeof(native.name));
		ret = blksnap__bdev_ioctl(dev, BLKSNAP_NATIVE_DETACH, &native);
	}
	return ret < 0 ? ret : 0;
}

int blksnap__filter_ctl(struct blksnap_ctx *ctx, dev_t dev, unsigned int cmd,
			void *opt, size_t optlen)
{
	struct blksnap_filter_ctl arg = { 0 };
	int ret;

	if (!ctx)
		return -EINVAL;
	blksnap__filter_target(dev, &arg.bdev, arg.name);
	arg.cmd = cmd;
	arg.optlen = optlen;
	arg.opt = (uintptr_t)opt;
	ret = blksnap__ioctl(ctx, IOCTL_BLKSNAP_FILTER_CTL, &arg);
	return ret < 0 ? ret : 0;
}
