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
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uuid.h>
#include "filter.h"
#include "snapshot.h"
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
	return filter_control_attach(dev, arg.name);
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
	return filter_control_detach(dev, arg.name);
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
	ret = filter_ctl(dev, arg.name, arg.cmd, u64_to_user_ptr(arg.opt),
			 &arg.optlen);
	if (ret)
		return ret;
	if (put_user(arg.optlen, &argp->optlen))
		return -EFAULT;
	return 0;
}

static int ioctl_snapshot_create(struct blksnap_snapshot_create __user *argp)
{
	struct blksnap_snapshot_create arg;
	char *path;
	uuid_t id;
	int ret;

	if (copy_from_user(&arg, argp, sizeof(arg)))
		return -EFAULT;
	if (arg.padding || arg.storage_kind > BLKSNAP_STORAGE_BDEV)
		return -EINVAL;
	path = strndup_user(u64_to_user_ptr(arg.diff_storage_path), PATH_MAX);
	if (IS_ERR(path))
		return PTR_ERR(path);
	ret = snapshot_create(path, arg.storage_kind,
			      arg.diff_storage_limit_sect, &id);
	kfree(path);
	if (ret)
		return ret;
	export_uuid(arg.id.b, &id);
	if (copy_to_user(&argp->id, &arg.id, sizeof(arg.id))) {
		snapshot_destroy(&id);
		return -EFAULT;
	}
	return 0;
}

/* Runs @fn on the snapshot id at @argp (destroy, take). */
static int ioctl_snapshot_id(struct blksnap_uuid __user *argp,
			     int (*fn)(const uuid_t *id))
{
	struct blksnap_uuid arg;
	uuid_t id;

	if (copy_from_user(&arg, argp, sizeof(arg)))
		return -EFAULT;
	import_uuid(&id, arg.b);
	return fn(&id);
}

static int ioctl_snapshot_collect(struct blksnap_snapshot_collect __user *argp)
{
	struct blksnap_snapshot_collect arg;
	int ret;

	if (copy_from_user(&arg, argp, sizeof(arg)))
		return -EFAULT;
	if (arg.padding)
		return -EINVAL;
	ret = snapshot_collect(&arg);
	/* With -ENODATA too: the count tells how much room is needed. */
	if (put_user(arg.count, &argp->count))
		return -EFAULT;
	return ret;
}

static int ioctl_snapshot_wait_event(struct blksnap_snapshot_event __user *argp)
{
	struct blksnap_snapshot_event *ev;
	int ret;

	/* 4 KiB: too big for the stack. */
	ev = kzalloc(sizeof(*ev), GFP_KERNEL);
	if (!ev)
		return -ENOMEM;
	ret = -EFAULT;
	if (copy_from_user(ev, argp, offsetof(struct blksnap_snapshot_event, code)))
		goto out_free;
	ret = snapshot_wait_event(ev);
	if (!ret && copy_to_user(argp, ev, sizeof(*ev)))
		ret = -EFAULT;
out_free:
	kfree(ev);
	return ret;
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
		return ioctl_snapshot_create(argp);
	case IOCTL_BLKSNAP_SNAPSHOT_DESTROY:
		return ioctl_snapshot_id(argp, snapshot_destroy);
	case IOCTL_BLKSNAP_SNAPSHOT_TAKE:
		return ioctl_snapshot_id(argp, snapshot_take);
	case IOCTL_BLKSNAP_SNAPSHOT_COLLECT:
		return ioctl_snapshot_collect(argp);
	case IOCTL_BLKSNAP_SNAPSHOT_WAIT_EVENT:
		return ioctl_snapshot_wait_event(argp);
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

struct kobject *ctl_kobject(void)
{
	return &ctl_dev.this_device->kobj;
}

void ctl_done(void)
{
	misc_deregister(&ctl_dev);
}
