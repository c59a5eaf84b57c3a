// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <blkid.h>
#include "host.h"

static int real_stat(const char *path, struct stat *st)
{
	return stat(path, st);
}

static char *real_realpath(const char *path)
{
	return realpath(path, NULL);
}

static char *real_evaluate_tag(const char *token, const char *value)
{
	return blkid_evaluate_tag(token, value, NULL);
}

static char *real_probe_type(const char *path)
{
	return blkid_get_tag_value(NULL, "TYPE", path);
}

static int real_statvfs(const char *path, struct statvfs *st)
{
	return statvfs(path, st);
}

static int real_access(const char *path, int mode)
{
	return access(path, mode);
}

static const char *env_or(const char *name, const char *dflt)
{
	/* secure_getenv: a set-uid caller must not be steered elsewhere. */
	const char *v = secure_getenv(name);

	return v && *v ? v : dflt;
}

const struct host *host_real(void)
{
	static struct host h = {
		.stat = real_stat,
		.realpath = real_realpath,
		.evaluate_tag = real_evaluate_tag,
		.probe_type = real_probe_type,
		.statvfs = real_statvfs,
		.access = real_access,
	};

	h.mountinfo = env_or("BLKSNAP_MOUNTINFO", "/proc/self/mountinfo");
	h.sysfs = env_or("BLKSNAP_SYSFS", "/sys");
	return &h;
}

int host_dev_name(const struct host *h, dev_t dev, char *buf, size_t size)
{
	char link[PATH_MAX], target[PATH_MAX], *name, *p;
	ssize_t len;

	/* /sys/dev/block/8:1 -> ../../devices/.../sda/sda1 */
	snprintf(link, sizeof(link), "%s/dev/block/%u:%u", h->sysfs,
		 major(dev), minor(dev));
	len = readlink(link, target, sizeof(target) - 1);
	if (len <= 0)
		return len ? -errno : -ENOENT;
	target[len] = '\0';
	name = strrchr(target, '/');
	name = name ? name + 1 : target;
	/* The kernel writes '/' in a disk name (cciss/c0d0) as '!'. */
	for (p = name; *p; p++)
		if (*p == '!')
			*p = '/';
	snprintf(buf, size, "%s", name);
	return 0;
}

int host_dev_size(const struct host *h, dev_t dev, uint64_t *bytes)
{
	unsigned long long sectors;
	char path[PATH_MAX];
	int n, err;
	FILE *f;

	/* In 512-byte sectors, whatever the device's block size. */
	snprintf(path, sizeof(path), "%s/dev/block/%u:%u/size", h->sysfs,
		 major(dev), minor(dev));
	f = fopen(path, "re");
	if (!f)
		return -errno;
	n = fscanf(f, "%llu", &sectors);
	err = n == 1 ? 0 : -EBADMSG;
	fclose(f);
	if (!err)
		*bytes = (uint64_t)sectors * 512;
	return err;
}

void host_dev_path(const struct host *h, dev_t dev, char *buf, size_t size)
{
	char name[NAME_MAX + 1];

	if (host_dev_name(h, dev, name, sizeof(name)))
		snprintf(buf, size, "%u:%u", major(dev), minor(dev));
	else
		snprintf(buf, size, "/dev/%s", name);
}
