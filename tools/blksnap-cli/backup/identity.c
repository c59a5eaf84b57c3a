// SPDX-License-Identifier: GPL-2.0-or-later
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
