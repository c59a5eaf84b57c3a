// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <blkid.h>
#include "identity.h"

static void probe_value(const char *path, bool partition, const char *name,
			char *out, size_t size)
{
	blkid_probe pr = blkid_new_probe_from_filename(path);
	const char *v;

	out[0] = '\0';
	if (!pr)
		return;
	if (partition) {
		blkid_probe_enable_superblocks(pr, 0);
		blkid_probe_enable_partitions(pr, 1);
		blkid_probe_set_partitions_flags(pr, BLKID_PARTS_ENTRY_DETAILS);
	} else {
		blkid_probe_enable_superblocks(pr, 1);
		blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_UUID);
	}
	if (blkid_do_safeprobe(pr) == 0 &&
	    !blkid_probe_lookup_value(pr, name, &v, NULL))
		snprintf(out, size, "%s", v);
	blkid_free_probe(pr);
}

void identity_probe(const char *device, const char *image, uint64_t size,
		    struct backup_identity *id)
{
	memset(id, 0, sizeof(*id));
	snprintf(id->device, sizeof(id->device), "%s", device);
	id->size = size;
	probe_value(image, false, "UUID", id->fs_uuid, sizeof(id->fs_uuid));
	/* The entry lives in the parent disk's table, read via the origin. */
	probe_value(device, true, "PART_ENTRY_UUID", id->part_uuid,
		    sizeof(id->part_uuid));
}

void identity_fs_uuid(dev_t dev, char *out, size_t size)
{
	char *path = blkid_devno_to_devname(dev);

	out[0] = '\0';
	if (!path)
		return;
	probe_value(path, false, "UUID", out, size);
	free(path);
}

void identity_device_fs_uuid(const char *device, char *out, size_t size)
{
	probe_value(device, false, "UUID", out, size);
}

int identity_image_name(const char *mountpoint, const char *fs_uuid,
			const char *device, char *out, size_t size)
{
	const char *base = strrchr(device, '/');
	size_t i, n;

	if (mountpoint[0]) {
		while (*mountpoint == '/')
			mountpoint++;
		n = snprintf(out, size, "%s.img", *mountpoint ? mountpoint : "root");
		/* "var/lib" is one name: var-lib. */
		for (i = 0; i < n && i < size; i++)
			if (out[i] == '/')
				out[i] = '-';
	} else if (fs_uuid[0]) {
		n = snprintf(out, size, "%s.img", fs_uuid);
	} else {
		n = snprintf(out, size, "%s.img", base ? base + 1 : device);
	}
	return n >= size ? -ENAMETOOLONG : 0;
}
