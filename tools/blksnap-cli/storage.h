/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Where the difference storage of a new snapshot may go: never where the
 * snapshot itself, or another live one, would intercept its writes.  The
 * machine is read through the resolver's struct host.
 */
#ifndef BLKSNAP_CLI_STORAGE_H
#define BLKSNAP_CLI_STORAGE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
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

/*
 * 0 if a backup written to @path, on @dev (storage_device()), shares no
 * sectors with a device of @set (being backed up): neither @dev nor what
 * it is stacked on is one of them, a partition or the whole disk of one,
 * nor is one of them stacked on @dev (an LV on the disk @path is).
 * Else -ELOOP with r->error, e.g. "/srv/a/b.img: is on /dev/dm-0, over
 * /dev/vdb2, a device being backed up; put the backup on another disk".
 */
int storage_dest_check(struct target_resolver *r, const char *path, dev_t dev,
		       const dev_t *set, size_t n);

/* The default storage directory and what it offers. */
struct storage_choice {
	const char *path;	/* one of the candidates */
	uint64_t free_bytes;
	bool tmpfs;
	char where[PATH_MAX + 64];	/* "ext4 on /dev/vda1", or "tmpfs" */
};

/*
 * Choose among the directories @candidates (NULL-terminated) the one with
 * the most free space that is on a local, writable filesystem (one block
 * device, or tmpfs) sharing no sectors with a device of @owners; the
 * first of equals.  0 with @choice set; else -ENOSPC with r->error saying
 * why each candidate cannot be and which --storage would do.
 */
int storage_choose(struct target_resolver *r, const char *const *candidates,
		   const struct storage_owner *owners, size_t n,
		   struct storage_choice *choice);

#endif /* BLKSNAP_CLI_STORAGE_H */
