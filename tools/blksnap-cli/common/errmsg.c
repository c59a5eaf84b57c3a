// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "errmsg.h"

static const char *op_verb(enum cli_op op)
{
	switch (op) {
	case CLI_OP_OPEN_CONTROL:	return "cannot open";
	case CLI_OP_MODULE_VERSION:	return "cannot query the module";
	case CLI_OP_RESOLVE_DEVICE:	return "cannot use";
	case CLI_OP_DEVICE_SIZE:	return "cannot read the size";
	case CLI_OP_PRINT:		return "cannot print";
	case CLI_OP_STORAGE:		return "cannot use as difference storage";
	case CLI_OP_STORAGE_REMOVE:	return "cannot remove";
	case CLI_OP_STORAGE_SAME_FS:	return "cannot hold the difference storage "
					       "on the snapshotted filesystem";
	case CLI_OP_SNAPSHOT_CREATE:	return "cannot create the snapshot";
	case CLI_OP_SNAPSHOT_LIST:	return "cannot list the snapshots";
	case CLI_OP_SNAPSHOT_TAKE:	return "cannot take the snapshot";
	case CLI_OP_SNAPSHOT_DESTROY:	return "cannot destroy the snapshot";
	case CLI_OP_SNAPSHOT_DEVICES:	return "cannot list the snapshot's devices";
	case CLI_OP_SNAPSHOT_WATCH:	return "cannot wait for the snapshot's events";
	case CLI_OP_ATTACH:		return "cannot attach";
	case CLI_OP_DETACH:		return "cannot detach";
	case CLI_OP_CBT_INFO:		return "cannot read change tracking state";
	case CLI_OP_CBT_MAP:		return "cannot read the change map";
	case CLI_OP_CBT_MARK_DIRTY:	return "cannot mark ranges changed";
	case CLI_OP_CBT_SWITCH:		return "cannot switch the change map";
	case CLI_OP_SNAPSHOT_ADD:	return "cannot add to the snapshot";
	case CLI_OP_SNAPSHOT_INFO:	return "cannot read the snapshot state";
	}
	return "failed";
}

static bool on_device(enum cli_op op)
{
	return op >= CLI_OP_ATTACH;
}

/* The module's snapshot requests, which older modules refuse. */
static bool on_snapshot(enum cli_op op)
{
	switch (op) {
	case CLI_OP_SNAPSHOT_CREATE:
	case CLI_OP_SNAPSHOT_LIST:
	case CLI_OP_SNAPSHOT_TAKE:
	case CLI_OP_SNAPSHOT_DESTROY:
	case CLI_OP_SNAPSHOT_DEVICES:
	case CLI_OP_SNAPSHOT_WATCH:
	case CLI_OP_SNAPSHOT_ADD:
	case CLI_OP_SNAPSHOT_INFO:
		return true;
	default:
		return false;
	}
}

/* The requests whose @object is a snapshot id. */
static bool on_snapshot_id(enum cli_op op)
{
	return op >= CLI_OP_SNAPSHOT_TAKE && op <= CLI_OP_SNAPSHOT_WATCH;
}

void errmsg_format(char *buf, size_t size, const char *object,
		   enum cli_op op, int err)
{
	const char *o = object;

	err = -err;
	if (err == EACCES || err == EPERM) {
		snprintf(buf, size, "%s: permission denied; run blksnap as root", o);
	} else if (op == CLI_OP_OPEN_CONTROL &&
		   (err == ENOENT || err == ENODEV || err == ENXIO)) {
		snprintf(buf, size, "%s: the blksnap module is not loaded; "
			 "load it with 'modprobe blksnap'", o);
	} else if (op == CLI_OP_MODULE_VERSION && err == ENOTTY) {
		snprintf(buf, size, "%s: not a blksnap control node; "
			 "unset BLKSNAP_CONTROL or point it at /dev/blksnap-control", o);
	} else if (op == CLI_OP_RESOLVE_DEVICE && err == ENOENT) {
		snprintf(buf, size, "%s: no such device; "
			 "give a block device path such as /dev/sdb1 ('lsblk' lists them)", o);
	} else if (op == CLI_OP_DEVICE_SIZE) {
		snprintf(buf, size, "%s: cannot read its size from sysfs: %s; "
			 "give --limit as a size", o, strerror(err));
	} else if (err == ENOTBLK) {
		snprintf(buf, size, "%s: not a block device; "
			 "give a block device path such as /dev/sdb1", o);
	} else if (op == CLI_OP_ATTACH && err == EALREADY) {
		snprintf(buf, size, "%s: already attached; nothing to do, or run "
			 "'blksnap detach %s' first to restart tracking", o, o);
	} else if (op == CLI_OP_STORAGE && err == ENOENT) {
		snprintf(buf, size, "%s: no such directory; "
			 "create it or give another --storage", o);
	} else if (op == CLI_OP_STORAGE && err == EINVAL) {
		snprintf(buf, size, "%s: not a directory, block device or "
			 "regular file; give one of those with --storage", o);
	} else if (op == CLI_OP_STORAGE) {
		snprintf(buf, size, "%s: %s: %s; give another --storage",
			 o, op_verb(op), strerror(err));
	} else if (op == CLI_OP_STORAGE_SAME_FS && err == ENOSPC) {
		snprintf(buf, size, "%s: not enough free space to preallocate the "
			 "difference storage on the snapshotted filesystem; give a "
			 "smaller --limit or --storage on another disk", o);
	} else if (op == CLI_OP_STORAGE_SAME_FS && err == EOPNOTSUPP) {
		snprintf(buf, size, "%s: the snapshotted filesystem cannot map a "
			 "file for the difference storage of its own snapshot; put "
			 "--storage on another disk", o);
	} else if (op == CLI_OP_STORAGE_SAME_FS && err == ELOOP) {
		snprintf(buf, size, "%s: the loaded blksnap module cannot keep the "
			 "difference storage on the snapshotted filesystem; install "
			 "a newer blksnap module, or put --storage on another disk", o);
	} else if (op == CLI_OP_STORAGE_REMOVE) {
		snprintf(buf, size, "%s: %s: %s; remove it by hand",
			 o, op_verb(op), strerror(err));
	} else if (on_snapshot(op) && (err == EOPNOTSUPP || err == ENOTTY)) {
		snprintf(buf, size, "%s: %s: the loaded blksnap module does not "
			 "support snapshots; install a newer blksnap module",
			 o, op_verb(op));
	} else if (op == CLI_OP_SNAPSHOT_CREATE && err == EINTR) {
		snprintf(buf, size, "%s: interrupted; undoing the snapshot", o);
	} else if (op == CLI_OP_SNAPSHOT_CREATE && err == ENOSPC) {
		snprintf(buf, size, "%s: not enough room for the difference "
			 "storage; free some space or give a smaller --limit", o);
	} else if (on_snapshot_id(op) && err == ENOENT) {
		snprintf(buf, size, "%s: no such snapshot; "
			 "'blksnap snapshot list' shows the snapshots", o);
	} else if (op == CLI_OP_SNAPSHOT_DESTROY && err == EBUSY) {
		snprintf(buf, size, "%s: an image of the snapshot is in use; "
			 "unmount it or stop the program reading it, then "
			 "destroy again", o);
	} else if (op == CLI_OP_SNAPSHOT_ADD && err == EBUSY) {
		snprintf(buf, size, "%s: already in a snapshot; destroy that "
			 "snapshot first ('blksnap snapshot list' shows it)", o);
	} else if (op == CLI_OP_SNAPSHOT_ADD && err == ELOOP) {
		snprintf(buf, size, "%s: holds the difference storage of this or "
			 "another snapshot; put --storage on a device in no "
			 "snapshot", o);
	} else if (op == CLI_OP_SNAPSHOT_CREATE && err == ELOOP) {
		snprintf(buf, size, "%s: is on a device of a live snapshot, which "
			 "would copy its own copies; put --storage on a device in "
			 "no snapshot", o);
	} else if (op == CLI_OP_SNAPSHOT_CREATE && err == EBUSY) {
		snprintf(buf, size, "%s: in use as the difference storage of "
			 "another snapshot; give each snapshot its own --storage",
			 o);
	} else if (op == CLI_OP_SNAPSHOT_INFO && err == ENOENT) {
		snprintf(buf, size, "%s: in no snapshot; "
			 "'blksnap snapshot list' shows the snapshots", o);
	} else if (on_device(op) && op != CLI_OP_ATTACH &&
		   op != CLI_OP_SNAPSHOT_ADD && err == ENOENT) {
		snprintf(buf, size, "%s: not attached; "
			 "attach it with 'blksnap attach %s'", o, o);
	} else if (on_device(op) && err == ENODEV) {
		snprintf(buf, size, "%s: the device is gone; "
			 "check that it still exists ('lsblk')", o);
	} else if (op == CLI_OP_CBT_MAP && err == ESTALE) {
		snprintf(buf, size, "%s: change tracking restarted while the map "
			 "was read; run the command again", o);
	} else if (op == CLI_OP_DETACH && err == EBUSY) {
		snprintf(buf, size, "%s: in use by a snapshot; "
			 "destroy the snapshot first", o);
	} else if (op == CLI_OP_SNAPSHOT_TAKE && err == EINTR) {
		snprintf(buf, size, "%s: interrupted while the take waited for "
			 "writes issued before it; nothing was taken (are devices "
			 "of the snapshot stacked on one another?)", o);
	} else if (op == CLI_OP_SNAPSHOT_TAKE && err == ETIMEDOUT) {
		snprintf(buf, size, "%s: the take gave up waiting for writes "
			 "issued before it (module parameter take_drain_timeout); "
			 "nothing was taken (are devices of the snapshot stacked on "
			 "one another? snapshot them separately)", o);
	} else if (op == CLI_OP_ATTACH && err == EMEDIUMTYPE) {
		snprintf(buf, size, "%s: a zoned block device; blksnap cannot "
			 "track or copy zone writes, so it does not attach to one", o);
	} else if (on_device(op) && (err == EOPNOTSUPP || err == ENOTTY)) {
		snprintf(buf, size, "%s: %s: the loaded blksnap module does not "
			 "support this; install a newer blksnap module", o, op_verb(op));
	} else {
		snprintf(buf, size, "%s: %s: %s; see 'dmesg' for the module's messages",
			 o, op_verb(op), strerror(err));
	}
}
