/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * TARGETs, what users name on the command line, and the block devices
 * they stand for.  A TARGET is
 *   - MAJOR:MINOR, or a block device path: that device;
 *   - a mount point or any path inside a mounted filesystem: the device
 *     of the mount that holds it (libmount, /proc/self/mountinfo; a bind
 *     mount holds its source's device; dm, md and loop devices are
 *     themselves, not what lies under them);
 *   - UUID=, LABEL=, PARTUUID= or PARTLABEL=: the device with that tag
 *     (libblkid).
 * Paths on network, FUSE or virtual filesystems and on btrfs (which may
 * span several devices) are refused with a message that says why.
 */
#ifndef BLKSNAP_CLI_TARGET_H
#define BLKSNAP_CLI_TARGET_H

#include <limits.h>
#include <stddef.h>
#include <sys/types.h>
#include <libmount.h>
#include "host.h"

struct target {
	const char *arg;		/* TARGET as given */
	dev_t dev;
	/* @arg if it is a device path or MAJOR:MINOR, else the device's path. */
	char device[PATH_MAX];
	/* The mount point that holds @arg, "" if @arg names a device. */
	char mountpoint[PATH_MAX];
};

struct target_resolver {
	const struct host *host;
	struct libmnt_table *mounts;	/* read on first need */
	/* After a failure: "TARGET: what is wrong; what to do". */
	char error[1024];
};

void target_resolver_init(struct target_resolver *r, const struct host *h);
void target_resolver_free(struct target_resolver *r);

/* Set r->error printf-style; returns @err. */
int target_fail(struct target_resolver *r, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The mount table, read on first call; NULL with r->error set. */
struct libmnt_table *target_mounts(struct target_resolver *r);

/* Resolve @arg into @t; 0, or -errno with r->error set. */
int target_resolve(struct target_resolver *r, const char *arg,
		   struct target *t);

/*
 * Resolve @n TARGETs into @t (room for @n), one entry per device: a
 * TARGET on a device named before adds nothing.  *@count is the number of
 * devices.  0, or -errno with r->error set.
 */
int target_resolve_all(struct target_resolver *r, char *const *args,
		       size_t n, struct target *t, size_t *count);

#endif /* BLKSNAP_CLI_TARGET_H */
