/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Whether a whole disk's partitions hold mounted filesystems.  A snapshot
 * freezes the filesystem mounted on each of its devices; one mounted on a
 * partition of a snapshotted whole disk is not frozen, and the disk's
 * image would catch it in the middle of its writes.  snapshot create
 * refuses such a disk and names the partition to snapshot instead.
 */
#ifndef BLKSNAP_CLI_WHOLE_DISK_H
#define BLKSNAP_CLI_WHOLE_DISK_H

#include <stddef.h>
#include <sys/types.h>
#include <libmount.h>
#include "host.h"

/*
 * The first partition of whole disk @disk (in sysfs order) that @tb shows
 * mounted: 1 with its device number in @part and its mount point in
 * @mountpoint; 0 if none is, or @disk is not a whole disk.
 */
int whole_disk_mounted_partition(const struct host *h, struct libmnt_table *tb,
				 dev_t disk, dev_t *part, char *mountpoint,
				 size_t size);

#endif
