/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Where the difference storage of a new snapshot may go: never where the
 * snapshot itself, or another live one, would intercept its writes, but
 * for one case: a directory in the ext4 or xfs filesystem of one of this
 * snapshot's own devices, where the module preallocates the storage and
 * keeps its own writes out of the snapshot (the one-disk machine).  The
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
 * A storage directory and what it offers: the default chosen, or one
 * given on the snapshotted filesystem.
 */
struct storage_choice {
	char path[PATH_MAX];
	uint64_t free_bytes;
	bool tmpfs;
	/*
	 * On a device of this snapshot itself, in its ext4 or xfs filesystem:
	 * the module preallocates the whole limit there before the take.
	 */
	bool same_fs;
	char where[PATH_MAX + 64];	/* "ext4 on /dev/vda1", or "tmpfs" */
};

/* The limit when none is given; less on the snapshotted filesystem. */
#define STORAGE_DEFAULT_LIMIT	(1ULL << 30)
/* The least free space storage on the snapshotted filesystem needs. */
#define STORAGE_SAME_FS_MIN_FREE	(64ULL << 20)
/* Its default limit is half the free space, in whole MiB. */
#define STORAGE_SAME_FS_ALIGN	(1ULL << 20)

/* The filesystem types that can hold the storage of their own snapshot. */
bool storage_fs_holds_own(const char *type);

/*
 * Whether storage @path, on @dev, may be used: 0 if it shares no sectors
 * with a device of @owners, also through what @dev is stacked on.  1 if
 * @dev is itself a device of this snapshot (no layer between) whose ext4
 * or xfs filesystem holds @path, a directory or a path still to be made:
 * @same is then set, its path the directory (that of a path to be made;
 * nothing is made).  Else -ELOOP with r->error naming the chain, e.g.
 * "/mnt/a/diff: is on /dev/dm-0, over /dev/vdb1, a device of this
 * snapshot; put --storage on another disk", or why the snapshotted
 * filesystem cannot hold it (a named file, btrfs...).
 */
int storage_check(struct target_resolver *r, const char *path, dev_t dev,
		  const struct storage_owner *owners, size_t n,
		  struct storage_choice *same);

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

/*
 * Choose among the directories @candidates (NULL-terminated; the first
 * @named of them named by the user, in the configuration) where the
 * storage goes, in this order: the one with the most free space on a
 * local, writable disk filesystem sharing no sectors with a device of
 * @owners (or on tmpfs, among the @named only), the first of equals;
 * else the first on the ext4 or xfs filesystem of a device of this
 * snapshot itself; else the mount point of the first of this snapshot's
 * devices with such a filesystem.  Boot partitions (vfat, /boot, /efi)
 * never.  0 with @choice set; else -ENOSPC with r->error saying why each
 * candidate cannot be and which --storage would do.
 */
int storage_choose(struct target_resolver *r, const char *const *candidates,
		   size_t named, const struct storage_owner *owners, size_t n,
		   struct storage_choice *choice);

/*
 * The limit of storage @same on the snapshotted filesystem, preallocated
 * whole: *@limit if given (nonzero) and no more than the free space; if
 * not given, the least of STORAGE_DEFAULT_LIMIT and half the free space
 * in whole MiB.  0, or -ENOSPC with r->error if @limit is more than the
 * free space or that is below STORAGE_SAME_FS_MIN_FREE.
 */
int storage_same_fs_limit(struct target_resolver *r,
			  const struct storage_choice *same, uint64_t *limit);

#endif /* BLKSNAP_CLI_STORAGE_H */
