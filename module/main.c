// SPDX-License-Identifier: GPL-2.0
/*
 * blksnap: change-block tracking and copy-on-write snapshots of live block
 * devices.  This file only starts and stops the other parts, in order.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include <linux/module.h>
#include "compat/compat.h"
#include "version.h"
#include "params.h"
#include "ctl.h"

static int __init blksnap_init(void)
{
	int ret;

	ret = params_check();
	if (ret)
		return ret;

	ret = ctl_init();
	if (ret)
		return ret;

	pr_info("version %s loaded\n", BLKSNAP_VERSION_STR);
	return 0;
}

static void __exit blksnap_exit(void)
{
	ctl_done();
	pr_info("unloaded\n");
}

module_init(blksnap_init);
module_exit(blksnap_exit);

MODULE_DESCRIPTION("Change-block tracking and copy-on-write snapshots of block devices");
MODULE_VERSION(BLKSNAP_VERSION_STR);
MODULE_AUTHOR("blksnap developers");
MODULE_LICENSE("GPL");
