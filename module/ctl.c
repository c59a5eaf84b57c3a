// SPDX-License-Identifier: GPL-2.0
#define pr_fmt(fmt) KBUILD_MODNAME "-ctl: " fmt
#include <linux/module.h>
#include <linux/miscdevice.h>
#include <linux/fs.h>
#include <linux/capability.h>
#include <linux/uaccess.h>
#include <linux/blksnap.h>
#include <linux/kdev_t.h>
#include "version.h"
#include "filter.h"
#include "ctl.h"

static int ioctl_version(struct blksnap_version __user *argp)
{
	static const struct blksnap_version version = {
		.major = BLKSNAP_VERSION_MAJOR,
		.minor = BLKSNAP_VERSION_MINOR,
		.revision = BLKSNAP_VERSION_REVISION,
		.build = BLKSNAP_VERSION_BUILD,
	};

	if (copy_to_user(argp, &version, sizeof(version)))
		return -EFAULT;
	return 0;
}

/* Checks a device number and a filter name as userspace passed them. */
static int filter_target(const struct blksnap_bdev *bdev,
			 const __u8 name[BLKFILTER_NAME_LENGTH], dev_t *dev)
{
	if (bdev->major > MAJOR(~0U) || bdev->minor > MINOR(~0U))
		return -EINVAL;
	if (strnlen(name, BLKFILTER_NAME_LENGTH) == BLKFILTER_NAME_LENGTH)
		return -EINVAL;
	*dev = MKDEV(bdev->major, bdev->minor);
	return 0;
}

static int ioctl_filter_attach(struct blksnap_filter_attach __user *argp)
{
	struct blksnap_filter_attach arg;
	dev_t dev;
	int ret;

	if (copy_from_user(&arg, argp, sizeof(arg)))
		return -EFAULT;
	/* blksnap takes no attach options. */
	if (arg.opt || arg.optlen || arg.padding)
		return -EINVAL;
	ret = filter_target(&arg.bdev, arg.name, &dev);
	if (ret)
		return ret;
	return blkfilter_attach(dev, arg.name);
}

static int ioctl_filter_detach(struct blksnap_filter_detach __user *argp)
{
	struct blksnap_filter_detach arg;
	dev_t dev;
	int ret;

	if (copy_from_user(&arg, argp, sizeof(arg)))
		return -EFAULT;
	ret = filter_target(&arg.bdev, arg.name, &dev);
	if (ret)
		return ret;
	return blkfilter_detach(dev, arg.name);
}

static int ioctl_filter_ctl(struct blksnap_filter_ctl __user *argp)
{
	struct blksnap_filter_ctl arg;
	dev_t dev;
	int ret;

	if (copy_from_user(&arg, argp, sizeof(arg)))
		return -EFAULT;
	ret = filter_target(&arg.bdev, arg.name, &dev);
	if (ret)
		return ret;
	ret = blkfilter_ctl(dev, arg.name, arg.cmd, u64_to_user_ptr(arg.opt),
			    &arg.optlen);
	if (ret)
		return ret;
	if (put_user(arg.optlen, &argp->optlen))
		return -EFAULT;
	return 0;
}

static long ctl_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *argp = (void __user *)arg;

	/* Every request reaches block devices or their data. */
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;

	switch (cmd) {
	case IOCTL_BLKSNAP_VERSION:
		return ioctl_version(argp);
	case IOCTL_BLKSNAP_SNAPSHOT_CREATE:
	case IOCTL_BLKSNAP_SNAPSHOT_DESTROY:
	case IOCTL_BLKSNAP_SNAPSHOT_TAKE:
	case IOCTL_BLKSNAP_SNAPSHOT_COLLECT:
	case IOCTL_BLKSNAP_SNAPSHOT_WAIT_EVENT:
		/* Declared in the ABI, not implemented by this version. */
		return -EOPNOTSUPP;
	case IOCTL_BLKSNAP_FILTER_ATTACH:
		return ioctl_filter_attach(argp);
	case IOCTL_BLKSNAP_FILTER_DETACH:
		return ioctl_filter_detach(argp);
	case IOCTL_BLKSNAP_FILTER_CTL:
		return ioctl_filter_ctl(argp);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations ctl_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = ctl_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice ctl_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = BLKSNAP_CTL,
	.fops = &ctl_fops,
	.mode = 0600,
};

int ctl_init(void)
{
	return misc_register(&ctl_dev);
}

void ctl_done(void)
{
	misc_deregister(&ctl_dev);
}
