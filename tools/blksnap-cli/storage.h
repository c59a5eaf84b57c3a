/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Where the difference storage of a new snapshot may go: never where the
 * snapshot itself, or another live one, would intercept its writes.  The
 * machine is read through the resolver's struct host.
 */
#ifndef BLKSNAP_CLI_STORAGE_H
#define BLKSNAP_CLI_STORAGE_H

#include <stddef.h>
#include <sys/types.h>
#include "target.h"

/* A device the storage must stay off, and whose it is. */
struct storage_owner {
	dev_t dev;
	const char *snapshot;	/* another snapshot's id; NULL: this one */
};

/*
 * The block device storage @path would be written to: the device itself
 * if @path is one, else the device of the mount holding @path (or its
 * directory, for a file still to be made).  0 with *@dev set; 1 if that
 * is on no block device (tmpfs); -errno with r->error set.
 */
int storage_device(struct target_resolver *r, const char *path, dev_t *dev);

/*
 * 0 if storage @path, on @dev, shares no sectors with a device of
 * @owners, also through what @dev is stacked on; else -ELOOP with
 * r->error naming the chain, e.g. "/mnt/a/diff: is on /dev/vdb1, a device
 * of this snapshot; put --storage on another disk".
 */
int storage_check(struct target_resolver *r, const char *path, dev_t dev,
		  const struct storage_owner *owners, size_t n);

#endif /* BLKSNAP_CLI_STORAGE_H */
