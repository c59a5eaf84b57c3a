/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel API differences blksnap depends on, as probed for the target
 * kernel.  Each wrapper header (bdev.h, disk.h, freeze.h, ...) needs one
 * alternative of its group; a kernel with none of them stops the build
 * there, naming what was looked for, instead of failing deep inside a logic
 * file.  See compat/README.
 */
#ifndef __BLKSNAP_COMPAT_H
#define __BLKSNAP_COMPAT_H

#include "compat/config.h"

#endif /* __BLKSNAP_COMPAT_H */
