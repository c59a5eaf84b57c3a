/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Writing to the difference storage file under the freeze protection of
 * its filesystem, so that a frozen storage filesystem makes the writer wait
 * instead of being written to.  vfs_iter_write() takes that protection
 * itself since 6.8, the release that also added file_write_started();
 * before, its caller must (as loop did).  Taking it twice could deadlock
 * against a freeze that starts in between.
 */
#ifndef __BLKSNAP_COMPAT_WRITE_H
#define __BLKSNAP_COMPAT_WRITE_H

#include <linux/fs.h>
#include <linux/uio.h>
#include "compat/compat.h"

static inline ssize_t compat_vfs_iter_write(struct file *file,
					    struct iov_iter *iter, loff_t *pos)
{
#if defined(HAVE_FILE_WRITE_STARTED)
	return vfs_iter_write(file, iter, pos, 0);
#else
	ssize_t ret;

	/* A no-op on a block device. */
	file_start_write(file);
	ret = vfs_iter_write(file, iter, pos, 0);
	file_end_write(file);
	return ret;
#endif
}

#endif /* __BLKSNAP_COMPAT_WRITE_H */
