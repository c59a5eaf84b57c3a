// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include "layers.h"
#include "mounts.h"
#include "storage.h"

/* The device of the mount holding existing path @where. */
static int mount_device(struct target_resolver *r, const char *path,
			const char *where, dev_t *dev)
{
	const struct host *h = r->host;
	struct libmnt_table *tb;
	struct libmnt_fs *fs;
	const char *src;
	struct stat st;
	char *real;

	real = h->realpath(where);
	if (!real)
		return target_fail(r, -errno, "%s: cannot use as difference storage: "
			    "%s; give another --storage", path, strerror(errno));
	tb = target_mounts(r);
	fs = tb ? mounts_holding(tb, real) : NULL;
	free(real);
	if (!tb)
		return -EIO;
	if (!fs)
		return 1;
	*dev = mnt_fs_get_devno(fs);
	if (major(*dev))
		return 0;
	/* btrfs shows an anonymous number; its source names a device. */
	src = mnt_fs_get_source(fs);
	if (src && !strncmp(src, "/dev/", 5) && !h->stat(src, &st) &&
	    S_ISBLK(st.st_mode)) {
		*dev = st.st_rdev;
		return 0;
	}
	return 1;
}

int storage_device(struct target_resolver *r, const char *path, dev_t *dev)
{
	char dir[PATH_MAX];
	struct stat st;

	if (!r->host->stat(path, &st)) {
		if (S_ISBLK(st.st_mode)) {
			*dev = st.st_rdev;
			return 0;
		}
		return mount_device(r, path, path, dev);
	}
	if (errno != ENOENT)
		return target_fail(r, -errno, "%s: cannot use as difference storage: "
			    "%s; give another --storage", path, strerror(errno));
	/* A file to be made: where its directory is. */
	snprintf(dir, sizeof(dir), "%s", path);
	return mount_device(r, path, dirname(dir), dev);
}

int storage_check(struct target_resolver *r, const char *path, dev_t dev,
		  const struct storage_owner *owners, size_t n)
{
	char chain[sizeof(r->error) / 2];
	dev_t *set;
	size_t i;
	int hit;

	if (!n)
		return 0;
	set = calloc(n, sizeof(*set));
	if (!set)
		return target_fail(r, -ENOMEM, "%s: cannot check the difference storage: "
			    "%s", path, strerror(ENOMEM));
	for (i = 0; i < n; i++)
		set[i] = owners[i].dev;
	hit = layers_find(r->host, target_mounts(r), dev, set, n, chain,
			  sizeof(chain));
	free(set);
	if (hit < 0)
		return 0;
	if (!owners[hit].snapshot)
		return target_fail(r, -ELOOP, "%s: is on %s, a device of this snapshot; "
			    "put --storage on another disk", path, chain);
	return target_fail(r, -ELOOP, "%s: is on %s, a device of snapshot %s; put "
		    "--storage on another disk, or destroy that snapshot first",
		    path, chain, owners[hit].snapshot);
}
