/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The machine as the CLI reads it: the mount table, sysfs, file status,
 * filesystem tags and free space.  Commands use host_real(); unit tests
 * build a struct host over fixture files and fakes, so that the logic
 * above it (targets, storage checks) runs without the machine.
 */
#ifndef BLKSNAP_CLI_HOST_H
#define BLKSNAP_CLI_HOST_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>

struct host {
	/* The mount table in mountinfo format: /proc/self/mountinfo. */
	const char *mountinfo;
	/* Where sysfs is mounted: /sys. */
	const char *sysfs;
	/* stat(2): follows symlinks; 0 or -1 with errno set. */
	int (*stat)(const char *path, struct stat *st);
	/* realpath(3) into a new string; NULL with errno set. */
	char *(*realpath)(const char *path);
	/*
	 * The device path of the block device whose @token (UUID, LABEL,
	 * PARTUUID, PARTLABEL) is @value, a new string; NULL if none.
	 */
	char *(*evaluate_tag)(const char *token, const char *value);
	/* The filesystem type on block device @path, a new string; or NULL. */
	char *(*probe_type)(const char *path);
	/* statvfs(3); 0 or -1 with errno set. */
	int (*statvfs)(const char *path, struct statvfs *st);
	/* access(2) with the real ids; 0 or -1 with errno set. */
	int (*access)(const char *path, int mode);
};

/*
 * This machine, as /proc/self sees it.  $BLKSNAP_MOUNTINFO and
 * $BLKSNAP_SYSFS replace the mount table and /sys (tests of the binary).
 */
const struct host *host_real(void);

/*
 * @dev's name from @h's sysfs, "NAME" as in /dev/NAME ('!' in the
 * kernel's name turned back into '/'); -errno if sysfs has no such device.
 */
int host_dev_name(const struct host *h, dev_t dev, char *buf, size_t size);

/* @dev's size in bytes from sysfs; -errno if sysfs has no such device. */
int host_dev_size(const struct host *h, dev_t dev, uint64_t *bytes);

/* "/dev/NAME" from sysfs, else "MAJOR:MINOR".  Never fails. */
void host_dev_path(const struct host *h, dev_t dev, char *buf, size_t size);

#endif /* BLKSNAP_CLI_HOST_H */
