// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Devices as users name them.  DEVICE arguments: a block device path, or
 * MAJOR:MINOR for a device whose node is gone.  Mount points will resolve
 * here too, through libmount.  In output: /dev/NAME from sysfs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <blksnap/blksnap.h>
#include "cli.h"
#include "devnum.h"

int cli_device(const char *arg, dev_t *dev)
{
	int err;

	if (!devnum_parse(arg, dev))
		return CLI_EXIT_SUCCESS;
	err = blksnap_dev_from_path(arg, dev);

	return err ? cli_fail(arg, CLI_OP_RESOLVE_DEVICE, err) : CLI_EXIT_SUCCESS;
}

void cli_device_name(dev_t dev, char *buf, size_t size)
{
	const char *sysfs = getenv("BLKSNAP_SYSFS");
	char link[4096], target[4096], *name, *p;
	ssize_t len;

	if (!sysfs || !*sysfs)
		sysfs = "/sys";
	/* /sys/dev/block/8:1 -> ../../devices/.../sda/sda1 */
	snprintf(link, sizeof(link), "%s/dev/block/%u:%u", sysfs,
		 major(dev), minor(dev));
	len = readlink(link, target, sizeof(target) - 1);
	if (len <= 0) {
		snprintf(buf, size, "%u:%u", major(dev), minor(dev));
		return;
	}
	target[len] = '\0';
	name = strrchr(target, '/');
	name = name ? name + 1 : target;
	/* The kernel writes '/' in a disk name (cciss/c0d0) as '!'. */
	for (p = name; *p; p++)
		if (*p == '!')
			*p = '/';
	snprintf(buf, size, "/dev/%s", name);
}
