// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The library's only ioctl(2) call site.  Kept alone in its file so unit
 * tests can replace it without touching the marshalling code.
 */
#include <errno.h>
#include <sys/ioctl.h>
#include "blksnap-private.h"

int blksnap__ioctl(struct blksnap_ctx *ctx, unsigned long req, void *arg)
{
	int ret = ioctl(ctx->fd, req, arg);

	return ret < 0 ? -errno : ret;
}
