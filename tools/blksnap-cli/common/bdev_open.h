/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Opening a block device for a backup's or restore's exclusive use.
 */
#ifndef BLKSNAP_CLI_BDEV_OPEN_H
#define BLKSNAP_CLI_BDEV_OPEN_H

/*
 * open(@path, @flags) (O_EXCL for a block device in exclusive use), and
 * with @lock (LOCK_EX or LOCK_SH, 0 for none) also flock(); the fd or
 * -errno.  A regular file is never busy this way: it is opened once.
 * udev probes a disk after every close that wrote it under a
 * shared flock of the whole disk, and its partition rescan opens the disk
 * exclusively (systemd's "Locking Block Device Access"): right after a
 * backup, or anything else, wrote the device, it is busy for a moment.
 * EBUSY is retried for up to @wait_ms milliseconds (BDEV_OPEN_BUSY_MS:
 * udev's probe under TCG takes seconds); a holder that stays (a mount,
 * another blksnap run) still gives -EBUSY.
 */
#define BDEV_OPEN_BUSY_MS	10000

int bdev_open_waiting(const char *path, int flags, int lock,
		      unsigned int wait_ms);

#endif
