// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The library's only ioctl(2) call sites.  Kept alone in their file so unit
 * tests can replace them without touching the marshalling code.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/sysmacros.h>
#include "blksnap-private.h"

int blksnap__ioctl(struct blksnap_ctx *ctx, unsigned long req, void *arg)
{
	int ret = ioctl(ctx->fd, req, arg);

	return ret < 0 ? -errno : ret;
}

int blksnap__bdev_ioctl(dev_t dev, unsigned long req, void *arg)
{
	char path[64];
	int fd, ret, err;

	snprintf(path, sizeof(path), "/dev/block/%u:%u", major(dev), minor(dev));
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	ret = ioctl(fd, req, arg);
	err = errno;
	close(fd);
	return ret < 0 ? -err : ret;
}
