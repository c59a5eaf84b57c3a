/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The blocks of a difference storage file on the filesystem being
 * snapshotted, found and pinned the way swapon does it for a swap file.
 *
 * Copy-on-write must not run filesystem code (design invariant 9), least
 * of all the snapshotted filesystem's: its writes are the ones being
 * copied.  So the file is preallocated (unwritten extents, no data written)
 * and mapped to sectors of its device before the take, and copied chunks
 * are written there with bios.  The filesystem's own swap file mapper
 * (a_ops->swap_activate) does the mapping: it syncs the file's metadata and
 * refuses holes, inline data, shared (reflinked) extents and extents on
 * another device.  S_SWAPFILE then makes the kernel refuse every change to
 * the file's blocks (write, truncate, fallocate, unlink, rename, reflink,
 * e4defrag, xfs_fsr) for as long as it is set, as it does for swap files.
 */
#ifndef __BLKSNAP_STORAGE_MAP_H
#define __BLKSNAP_STORAGE_MAP_H

#include <linux/types.h>

struct file;

/* A run of the file's blocks: sectors of the filesystem's device. */
struct storage_extent {
	sector_t sector;
	sector_t count;
};

/*
 * Preallocates @size bytes (a multiple of PAGE_SIZE) in @file, maps them
 * and pins the file.  0 with *@extents (kvfree()) and *@nr set, in file
 * order; -EOPNOTSUPP if the filesystem or kernel has no plain swap file
 * mapper (ext4 and xfs have one) or the file is on another device (an xfs
 * realtime file),
 * -ENOSPC if the filesystem has no room, -EBUSY if the file is pinned
 * already, or the mapper's error.  Process context, the filesystem not
 * frozen (fallocate waits for a thaw).
 */
int storage_map_pin(struct file *file, loff_t size,
		    struct storage_extent **extents, unsigned int *nr);

/* Lets the filesystem change the file again (before the last fput). */
void storage_map_unpin(struct file *file);

#endif /* __BLKSNAP_STORAGE_MAP_H */
