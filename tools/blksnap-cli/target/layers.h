/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What a block device is stacked on, read from sysfs: a dm or md device
 * sits on its slaves (/sys/class/block/X/slaves), a loop device on the
 * device of the filesystem that holds its backing file, and a partition
 * shares the sectors of its whole disk.  Used to keep the difference
 * storage off the devices whose writes a snapshot intercepts.
 */
#ifndef BLKSNAP_CLI_LAYERS_H
#define BLKSNAP_CLI_LAYERS_H

#include <stddef.h>
#include <sys/types.h>
#include <libmount.h>
#include "host.h"

/* The whole disk of partition @dev; @dev itself for anything else. */
dev_t layers_whole_disk(const struct host *h, dev_t dev);

/*
 * Walk @dev and every device under it, recursively, for one that shares
 * sectors with a device of @set (the same device, a partition of it or
 * its whole disk).  Returns its index in @set, with @chain set to the way
 * down, e.g. "/dev/dm-0, over /dev/vdb1"; -1 if none does.  @tb places
 * loop devices' backing files.
 */
int layers_find(const struct host *h, struct libmnt_table *tb, dev_t dev,
		const dev_t *set, size_t n, char *chain, size_t size);

#endif /* BLKSNAP_CLI_LAYERS_H */
