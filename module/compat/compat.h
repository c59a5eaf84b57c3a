/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel API differences blksnap depends on, as probed for the target
 * kernel.  Each group below needs one of its alternatives; a kernel with
 * none of them stops the build here, naming what was looked for, instead of
 * failing deep inside a logic file.  See compat/README.
 */
#ifndef __BLKSNAP_COMPAT_H
#define __BLKSNAP_COMPAT_H

#include "compat/config.h"

#if !defined(HAVE_BDEV_FILE_OPEN_BY_PATH) && \
	!defined(HAVE_BDEV_OPEN_BY_PATH) && \
	!defined(HAVE_BLKDEV_GET_BY_PATH_HOLDER_OPS) && \
	!defined(HAVE_BLKDEV_GET_BY_PATH_FMODE)
#error "blksnap: no API to open a block device found; see module/compat/README"
#endif

#endif /* __BLKSNAP_COMPAT_H */
