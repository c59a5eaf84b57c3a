// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * After an attach: wait for the writes issued to the device before its
 * filter was attached.  The filter counts writes from attach on, and a
 * take waits only for those; a write still in flight from before would
 * land after the take without a copy, under the image, and no CBT map
 * would hold it.
 *
 * A request-based device needs nothing here: the module attaches with
 * the queue frozen, which waits for every request.  A bio-based dm
 * device (LVM, LUKS, dm-linear, dm-delay) keeps its bios in flight
 * outside any queue counter, and counts them in its I/O statistics only
 * when iostats is on (off by default).  Only dm itself knows them: one
 * suspend (no filesystem freeze, no flush of what the target holds),
 * which returns once every bio in flight has completed, and a resume.
 * Bios that arrive meanwhile have passed the filter: they are counted.
 *
 * Other bio-based drivers (md, nvme multipath) are not settled here; see
 * blksnap(8), "Limits".
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <libdevmapper.h>
#include "blksnap-private.h"

/* Whether @dev is a device-mapper device: it has a dm/ sysfs directory. */
static bool is_dm(dev_t dev)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/dm",
		 major(dev), minor(dev));
	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

/* libdevmapper logs to stderr by default; the caller reports errors. */
static void quiet_log(int level, const char *file, int line, int dm_errno,
		      const char *fmt, ...)
{
	(void)level;
	(void)file;
	(void)line;
	(void)dm_errno;
	(void)fmt;
}

static struct dm_task *dm_task_for(int type, dev_t dev)
{
	struct dm_task *dmt = dm_task_create(type);

	if (!dmt)
		return NULL;
	if (!dm_task_set_major(dmt, major(dev)) ||
	    !dm_task_set_minor(dmt, minor(dev))) {
		dm_task_destroy(dmt);
		return NULL;
	}
	return dmt;
}

/* 0, or -errno of the failed request (-EIO if it gave none). */
static int dm_run(int type, dev_t dev)
{
	struct dm_task *dmt = dm_task_for(type, dev);
	int ok, err;

	if (!dmt)
		return -ENOMEM;
	/*
	 * No freeze of a filesystem on it, and what a target holds back
	 * (multipath without paths) stays held instead of failing: the
	 * suspend is only for waiting.  No udev cookie: a resume of an
	 * unchanged table only announces a change event.
	 */
	ok = type != DM_DEVICE_SUSPEND ||
		(dm_task_skip_lockfs(dmt) && dm_task_no_flush(dmt));
	ok = ok && dm_task_run(dmt);
	err = ok ? 0 : dm_task_get_errno(dmt);
	dm_task_destroy(dmt);
	return ok ? 0 : err > 0 ? -err : -EIO;
}

/*
 * Suspended already (by its owner) or with a table loaded and not yet
 * live: our resume would end the first or make the second live, which
 * is the owner's to do.  -EAGAIN then (-EBUSY means other things to the
 * callers of attach).
 */
static int dm_check_idle(dev_t dev)
{
	struct dm_task *dmt = dm_task_for(DM_DEVICE_INFO, dev);
	struct dm_info info;
	int ret = -EIO;

	if (!dmt)
		return -ENOMEM;
	if (dm_task_run(dmt) && dm_task_get_info(dmt, &info))
		ret = !info.exists ? -ENODEV :
		      info.suspended || info.inactive_table ? -EAGAIN : 0;
	dm_task_destroy(dmt);
	return ret;
}

/* A device left suspended stops every writer: the resume is retried. */
#define RESUME_TRIES	3

int blksnap__settle(dev_t dev)
{
	int ret, i;

	if (!is_dm(dev))
		return 0;
	dm_log_with_errno_init(quiet_log);
	ret = dm_check_idle(dev);
	if (!ret)
		ret = dm_run(DM_DEVICE_SUSPEND, dev);
	if (!ret) {
		for (i = 0; i < RESUME_TRIES; i++) {
			ret = dm_run(DM_DEVICE_RESUME, dev);
			if (!ret)
				break;
		}
	}
	dm_log_with_errno_init(NULL);
	return ret;
}
