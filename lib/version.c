// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Versions of the library and of the loaded module.
 */
#include <errno.h>
#include "blksnap-private.h"

const char *blksnap_library_version(void)
{
	return LIBBLKSNAP_VERSION;
}

int blksnap_version(struct blksnap_ctx *ctx, struct blksnap_version *ver)
{
	int ret;

	if (!ctx || !ver)
		return -EINVAL;
	ret = blksnap__ioctl(ctx, IOCTL_BLKSNAP_VERSION, ver);
	return ret < 0 ? ret : 0;
}
