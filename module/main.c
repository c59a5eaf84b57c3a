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
#include "filter.h"
#include "tracker.h"
#include "blksnap_filter.h"
#include "diff_storage.h"
#include "diff_area.h"
#include "snapimage.h"
#include "snapshot.h"
#include "ctl.h"

static int __init blksnap_init(void)
{
	int ret;

	ret = params_check();
	if (ret)
		return ret;

	ret = filter_init();
	if (ret)
		return ret;
	ret = diff_storage_init();
	if (ret)
		goto err_filter_done;
	ret = diff_area_init();
	if (ret)
		goto err_diff_storage_done;
	ret = snapimage_init();
	if (ret)
		goto err_diff_area_done;
	ret = tracker_init();
	if (ret)
		goto err_snapimage_done;
	ret = blksnap_filter_init();
	if (ret)
		goto err_tracker_done;
	ret = filter_intercept_init();
	if (ret)
		goto err_blksnap_filter_done;
	ret = ctl_init();
	if (ret)
		goto err_intercept_done;
	ret = snapshot_init(ctl_kobject());
	if (ret)
		goto err_ctl_done;

	pr_info("version %s loaded\n", BLKSNAP_VERSION_STR);
	return 0;

err_ctl_done:
	ctl_done();
err_intercept_done:
	filter_intercept_done();
err_blksnap_filter_done:
	blksnap_filter_done();
err_tracker_done:
	tracker_done();
err_snapimage_done:
	snapimage_done();
err_diff_area_done:
	diff_area_done();
err_diff_storage_done:
	diff_storage_done();
err_filter_done:
	filter_done();
	return ret;
}

/* Runs only with no filter attached: each holds a module reference. */
static void __exit blksnap_exit(void)
{
	snapshot_done();
	ctl_done();
	filter_intercept_done();
	blksnap_filter_done();
	tracker_done();
	snapimage_done();
	diff_area_done();
	diff_storage_done();
	filter_done();
	pr_info("unloaded\n");
}

module_init(blksnap_init);
module_exit(blksnap_exit);

MODULE_DESCRIPTION("Change-block tracking and copy-on-write snapshots of block devices");
MODULE_VERSION(BLKSNAP_VERSION_STR);
MODULE_AUTHOR("blksnap developers");
MODULE_LICENSE("GPL");
