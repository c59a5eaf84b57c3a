// SPDX-License-Identifier: GPL-2.0-or-later
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/sysmacros.h>
#include "devnum.h"
#include "whole_disk.h"

/* A partition of the disk at @dir is a subdirectory with a "partition" file. */
static int partition_dev(const char *dir, const char *name, dev_t *dev)
{
	char path[PATH_MAX], line[64];
	FILE *f;
	int ok;

	if (snprintf(path, sizeof(path), "%s/%s/partition", dir, name) >=
	    (int)sizeof(path) || access(path, F_OK))
		return -1;
	if (snprintf(path, sizeof(path), "%s/%s/dev", dir, name) >=
	    (int)sizeof(path))
		return -1;
	f = fopen(path, "re");
	if (!f)
		return -1;
	ok = fgets(line, sizeof(line), f) != NULL;
	fclose(f);
	if (!ok)
		return -1;
	line[strcspn(line, "\n")] = '\0';
	return devnum_parse(line, dev) ? -1 : 0;
}

int whole_disk_mounted_partition(const struct host *h, struct libmnt_table *tb,
				 dev_t disk, dev_t *part, char *mountpoint,
				 size_t size)
{
	char dir[PATH_MAX], path[PATH_MAX];
	struct libmnt_fs *fs;
	struct dirent *de;
	int found = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/dev/block/%u:%u", h->sysfs, major(disk),
		 minor(disk));
	if (snprintf(path, sizeof(path), "%s/partition", dir) >= (int)sizeof(path) ||
	    !access(path, F_OK))
		return 0;
	d = opendir(dir);
	if (!d)
		return 0;
	while (!found && (de = readdir(d))) {
		if (de->d_name[0] == '.' || partition_dev(dir, de->d_name, part))
			continue;
		fs = mnt_table_find_devno(tb, *part, MNT_ITER_FORWARD);
		if (fs && mnt_fs_get_target(fs)) {
			snprintf(mountpoint, size, "%s", mnt_fs_get_target(fs));
			found = 1;
		}
	}
	closedir(d);
	return found;
}
