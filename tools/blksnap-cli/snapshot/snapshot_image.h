/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Snapshot images as block devices: the image of a device in a given
 * snapshot, and whether a block device is the image of any snapshot
 * (so that 'snapshot umount' never unmounts anything else).
 */
#ifndef BLKSNAP_CLI_SNAPSHOT_IMAGE_H
#define BLKSNAP_CLI_SNAPSHOT_IMAGE_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>
#include <blksnap/blksnap.h>

/*
 * "/dev/IMAGE" of @dev in snapshot @id into @path.  Reports failures
 * itself (@target names @dev) and returns an exit code.
 */
int snapshot_image_of(struct blksnap_ctx *ctx, const struct blksnap_uuid *id,
		      const char *target, dev_t dev, char *path, size_t size);

/*
 * Whether block device "/dev/@name" is the image of a live snapshot.
 * 1 yes, 0 no, -errno if the snapshots cannot be listed.
 */
int snapshot_image_is_one(struct blksnap_ctx *ctx, const char *name);

#endif /* BLKSNAP_CLI_SNAPSHOT_IMAGE_H */
