// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * From a path to the device number the filter requests need.
 */
#include <errno.h>
#include <sys/stat.h>
#include "blksnap-private.h"

int blksnap_dev_from_path(const char *path, dev_t *out)
{
	struct stat st;

	if (!path || !out)
		return -EINVAL;
	if (stat(path, &st))
		return -errno;
	if (!S_ISBLK(st.st_mode))
		return -ENOTBLK;
	*out = st.st_rdev;
	return 0;
}
