/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The mount table (libmount, mountinfo format) and the questions the CLI
 * asks it: which mount holds a path, and what kind of filesystem that is.
 */
#ifndef BLKSNAP_CLI_MOUNTS_H
#define BLKSNAP_CLI_MOUNTS_H

#include <stdbool.h>
#include <libmount.h>
#include "host.h"

/* Read @h's mount table into a new *@tb; 0 or -errno. */
int mounts_load(const struct host *h, struct libmnt_table **tb);

/*
 * The mount that holds canonical path @path, as a path walk meets it:
 * from the root, into each mount on a prefix of @path, and to the top of
 * mounts stacked on one mount point, so that a mount hidden by a later one
 * over it or over a parent never answers.  NULL if @tb has no root mount.
 */
struct libmnt_fs *mounts_holding(struct libmnt_table *tb, const char *path);

/* Why a filesystem cannot be snapshotted through its mount. */
enum mount_kind {
	MOUNT_BLOCK,		/* on one block device: usable */
	MOUNT_NETWORK,		/* nfs, cifs, ceph... */
	MOUNT_FUSE,		/* a userspace filesystem */
	MOUNT_VIRTUAL,		/* proc, sysfs, tmpfs, overlay... */
	MOUNT_MULTI_DEVICE,	/* btrfs, bcachefs: may span devices */
	MOUNT_NO_DEVICE,	/* anything else without a block device */
};

enum mount_kind mounts_kind(struct libmnt_fs *fs);

/* Mounted read-only (the mount or its filesystem). */
bool mounts_read_only(struct libmnt_fs *fs);

#endif /* BLKSNAP_CLI_MOUNTS_H */
