/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What identifies a backed-up device beyond its path: the UUID of the
 * filesystem in its snapshot image and the UUID of its partition table
 * entry, both from libblkid.  Either may be "" (no filesystem, a whole
 * disk); a backup state compares only what both sides know.
 */
#ifndef BLKSNAP_CLI_IDENTITY_H
#define BLKSNAP_CLI_IDENTITY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "backup_state.h"

/*
 * Fill @id for @device of @size bytes, whose snapshot image is @image
 * (the filesystem as at take).  Never fails: what cannot be probed
 * stays "".
 */
void identity_probe(const char *device, const char *image, uint64_t size,
		    struct backup_identity *id);

/*
 * The UUID of the filesystem on device @dev (a file's st_dev) into @out,
 * "" if it has none libblkid can read (btrfs subvolumes, tmpfs, NFS: no
 * block device behind st_dev).
 */
void identity_fs_uuid(dev_t dev, char *out, size_t size);

/* The UUID of the filesystem on block device @device, "" if none. */
void identity_device_fs_uuid(const char *device, char *out, size_t size);

/*
 * The name of a device's image in 'backup --to DIR', "NAME.img" into
 * @out: by what stays from boot to boot, its mount point ("/" is
 * root.img, "/var/lib" var-lib.img) when it has one, else its
 * filesystem UUID (@fs_uuid, "" if none), and only else the kernel's
 * name (the last part of @device), which may change between boots.
 * -ENAMETOOLONG if it does not fit.
 */
int identity_image_name(const char *mountpoint, const char *fs_uuid,
			const char *device, char *out, size_t size);

#endif /* BLKSNAP_CLI_IDENTITY_H */
