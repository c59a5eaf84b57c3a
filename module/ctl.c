// SPDX-License-Identifier: GPL-2.0
#define pr_fmt(fmt) KBUILD_MODNAME "-ctl: " fmt
#include <linux/module.h>
#include <linux/miscdevice.h>
#include <linux/fs.h>
#include <linux/capability.h>
#include <linux/uaccess.h>
#include <linux/blksnap.h>
#include "version.h"
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
	case IOCTL_BLKSNAP_FILTER_ATTACH:
	case IOCTL_BLKSNAP_FILTER_DETACH:
	case IOCTL_BLKSNAP_FILTER_CTL:
		/* Declared in the ABI, not implemented by this version. */
		return -EOPNOTSUPP;
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
