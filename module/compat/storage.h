/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Opening a block device of the difference storage by path, for reading
 * and writing, claimed exclusively, and closing it again.
 *
 * A regular file as difference storage needs no wrapper: filp_open()
 * (O_TMPFILE included), filp_close(), vfs_fallocate(), kernel_read(),
 * kernel_write(), init_sync_kiocb(), IOCB_DIRECT, iov_iter_bvec() with
 * ITER_DEST/ITER_SOURCE, vfs_iocb_iter_read() and vfs_iocb_iter_write()
 * are the same, and exported, from 6.1 to 7.2.  So are bio_alloc(),
 * bio_alloc_bioset(), bio_set_dev(), bdev_nr_sectors(),
 * bdev_logical_block_size() and bdev_io_min() for the module's own I/O.
 */
#ifndef __BLKSNAP_COMPAT_STORAGE_H
#define __BLKSNAP_COMPAT_STORAGE_H

#include <linux/blkdev.h>
#include <linux/err.h>
#include <linux/fs.h>
#include "compat/compat.h"

/* Whatever the kernel needs to close the device again; bdev is the device. */
struct compat_bdev_handle {
	struct block_device *bdev;
#if defined(HAVE_BDEV_FILE_OPEN_BY_PATH)
	struct file *file;
#elif defined(HAVE_BDEV_OPEN_BY_PATH)
	struct bdev_handle *handle;
#elif defined(HAVE_BLKDEV_GET_BY_PATH_HOLDER_OPS)
	void *holder;
#endif
};

/*
 * Opens the block device at @path for reading and writing, claimed by
 * @holder (not NULL), so that no one else can claim it (mount it, add it
 * to a RAID...) until compat_bdev_close().  Returns 0 or -errno: -EBUSY
 * when another holder has it, -ENOENT, -ENOTBLK, -EACCES...
 */
static inline int compat_bdev_open_excl(const char *path, void *holder,
					struct compat_bdev_handle *h)
{
#if defined(HAVE_BDEV_FILE_OPEN_BY_PATH)
	struct file *file;
#elif defined(HAVE_BDEV_OPEN_BY_PATH)
	struct bdev_handle *handle;
#else
	struct block_device *bdev;
#endif

	if (!holder)
		return -EINVAL;
#if defined(HAVE_BDEV_FILE_OPEN_BY_PATH)
	/* A holder makes the open exclusive (BLK_OPEN_EXCL is implied). */
	file = bdev_file_open_by_path(path, BLK_OPEN_READ | BLK_OPEN_WRITE,
				      holder, NULL);
	if (IS_ERR(file))
		return PTR_ERR(file);
	h->file = file;
	h->bdev = file_bdev(file);
#elif defined(HAVE_BDEV_OPEN_BY_PATH)
	handle = bdev_open_by_path(path, BLK_OPEN_READ | BLK_OPEN_WRITE,
				   holder, NULL);
	if (IS_ERR(handle))
		return PTR_ERR(handle);
	h->handle = handle;
	h->bdev = handle->bdev;
#elif defined(HAVE_BLKDEV_GET_BY_PATH_HOLDER_OPS)
	bdev = blkdev_get_by_path(path, BLK_OPEN_READ | BLK_OPEN_WRITE,
				  holder, NULL);
	if (IS_ERR(bdev))
		return PTR_ERR(bdev);
	h->holder = holder;
	h->bdev = bdev;
#else
	bdev = blkdev_get_by_path(path, FMODE_READ | FMODE_WRITE | FMODE_EXCL,
				  holder);
	if (IS_ERR(bdev))
		return PTR_ERR(bdev);
	h->bdev = bdev;
#endif
	return 0;
}

/* Releases the claim before returning, so the device can be reused at once. */
static inline void compat_bdev_close(struct compat_bdev_handle *h)
{
#if defined(HAVE_BDEV_FILE_OPEN_BY_PATH) && defined(HAVE_BDEV_FPUT)
	bdev_fput(h->file);
#elif defined(HAVE_BDEV_FILE_OPEN_BY_PATH)
	/* 6.9: the claim goes when the deferred fput runs. */
	fput(h->file);
#elif defined(HAVE_BDEV_OPEN_BY_PATH)
	bdev_release(h->handle);
#elif defined(HAVE_BLKDEV_GET_BY_PATH_HOLDER_OPS)
	blkdev_put(h->bdev, h->holder);
#else
	blkdev_put(h->bdev, FMODE_READ | FMODE_WRITE | FMODE_EXCL);
#endif
	h->bdev = NULL;
}

#endif /* __BLKSNAP_COMPAT_STORAGE_H */
