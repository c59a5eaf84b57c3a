/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Internals shared by the library's files; nothing here is exported.
 *
 * Every kernel request goes through blksnap__ioctl() or
 * blksnap__bdev_ioctl(), so that unit tests can link the other objects
 * against a stub of them and inspect what would have reached the kernel.
 */
#ifndef BLKSNAP_PRIVATE_H
#define BLKSNAP_PRIVATE_H

#include <blksnap/blksnap.h>

struct blksnap_ctx {
	int fd;		/* the control node, O_CLOEXEC */
};

/* ioctl(2) on the control node; -errno on failure, else its result. */
int blksnap__ioctl(struct blksnap_ctx *ctx, unsigned long req, void *arg);

/*
 * ioctl(2) on the block device numbered @dev, opened read-only through
 * /dev/block/MAJ:MIN for the call; -errno on failure, else its result.
 */
int blksnap__bdev_ioctl(dev_t dev, unsigned long req, void *arg);

/*
 * IOCTL_BLKSNAP_FILTER_CTL command @cmd of the blksnap filter on @dev, with
 * @optlen bytes of payload at @opt (NULL and 0 for none).
 */
int blksnap__filter_ctl(struct blksnap_ctx *ctx, dev_t dev, unsigned int cmd,
			void *opt, size_t optlen);

/* Fill @bdev and @name to address the blksnap filter on @dev. */
void blksnap__filter_target(dev_t dev, struct blksnap_bdev *bdev,
			    __u8 name[BLKFILTER_NAME_LENGTH]);

#endif /* BLKSNAP_PRIVATE_H */
