// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <blkid.h>
#include "dest_signature.h"

int dest_signature(const char *path, char *what, size_t size)
{
	const char *type = NULL, *uuid = NULL;
	blkid_probe pr;
	int rc, ret = 1;

	what[0] = '\0';
	errno = 0;
	pr = blkid_new_probe_from_filename(path);
	if (!pr)
		return errno ? -errno : -EIO;
	blkid_probe_enable_superblocks(pr, 1);
	blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE | BLKID_SUBLKS_UUID);
	blkid_probe_enable_partitions(pr, 1);
	rc = blkid_do_safeprobe(pr);
	if (rc == 1) {
		ret = 0;
	} else if (rc == -2) {
		/* Ambivalent: more than one, which is worse, not better. */
		snprintf(what, size, "several signatures");
	} else if (rc < 0) {
		ret = -EIO;
	} else if (!blkid_probe_lookup_value(pr, "TYPE", &type, NULL)) {
		if (!blkid_probe_lookup_value(pr, "UUID", &uuid, NULL))
			snprintf(what, size, "%s (UUID %s)", type, uuid);
		else
			snprintf(what, size, "%s", type);
	} else if (!blkid_probe_lookup_value(pr, "PTTYPE", &type, NULL)) {
		snprintf(what, size, "a %s partition table", type);
	} else {
		snprintf(what, size, "a signature");
	}
	blkid_free_probe(pr);
	return ret;
}
