// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A snapshot's devices, which no ioctl lists: the module shows them in
 * /sys/class/misc/blksnap-control/snapshots/<id>/devices, one line per
 * device, "MAJOR:MINOR IMAGE_NAME".  $BLKSNAP_SYSFS replaces /sys (tests).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include "blksnap-private.h"

#define SNAPSHOTS_DIR	"/class/misc/" BLKSNAP_CTL "/snapshots"

static const char *sysfs_root(void)
{
	/* secure_getenv: a set-uid caller must not be steered elsewhere. */
	const char *root = secure_getenv("BLKSNAP_SYSFS");

	return root && *root ? root : "/sys";
}

/* Decimal digits up to @stop into @out; the rest of the line after @stop. */
static const char *parse_u32(const char *s, char stop, unsigned int *out)
{
	unsigned long n = 0;
	const char *p;

	for (p = s; *p >= '0' && *p <= '9'; p++) {
		n = n * 10 + (*p - '0');
		if (n > UINT32_MAX)
			return NULL;
	}
	if (p == s || *p != stop)
		return NULL;
	*out = n;
	return p + 1;
}

/* One line, without its newline: "MAJOR:MINOR IMAGE_NAME". */
static int parse_line(const char *line, struct blksnap_snapshot_device *d)
{
	unsigned int maj, min;
	const char *p;
	size_t len;

	p = parse_u32(line, ':', &maj);
	if (p)
		p = parse_u32(p, ' ', &min);
	if (!p)
		return -EBADMSG;
	len = strlen(p);
	if (!len || len >= sizeof(d->image) || strpbrk(p, " /"))
		return -EBADMSG;
	d->dev = makedev(maj, min);
	memcpy(d->image, p, len + 1);
	return 0;
}

static int read_devices(FILE *f, struct blksnap_snapshot_device **devs,
			size_t *count)
{
	struct blksnap_snapshot_device *buf = NULL, *tmp;
	size_t n = 0, room = 0, linesz = 0;
	char *line = NULL;
	ssize_t len;
	int ret = 0;

	while ((len = getline(&line, &linesz, f)) > 0) {
		if (line[len - 1] == '\n')
			line[--len] = '\0';
		if (!len)
			continue;
		if (n == room) {
			room = room ? 2 * room : 4;
			tmp = realloc(buf, room * sizeof(*buf));
			if (!tmp) {
				ret = -ENOMEM;
				goto out;
			}
			buf = tmp;
		}
		ret = parse_line(line, &buf[n]);
		if (ret)
			goto out;
		n++;
	}
	if (ferror(f))
		ret = -EIO;
out:
	free(line);
	if (ret || !n) {
		free(buf);
		buf = NULL;
		n = 0;
	}
	*devs = buf;
	*count = n;
	return ret;
}

int blksnap_snapshot_devices(struct blksnap_ctx *ctx,
			     const struct blksnap_uuid *id,
			     struct blksnap_snapshot_device **devs,
			     size_t *count)
{
	const unsigned char *b;
	char path[4096];
	struct stat st;
	FILE *f;
	int ret;

	if (!devs || !count)
		return -EINVAL;
	*devs = NULL;
	*count = 0;
	if (!ctx || !id)
		return -EINVAL;

	/* The id as the kernel's %pUb prints it: lower-case RFC 4122 order. */
	b = id->b;
	ret = snprintf(path, sizeof(path), "%s" SNAPSHOTS_DIR "/"
		       "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
		       "%02x%02x%02x%02x%02x%02x/devices", sysfs_root(),
		       b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8],
		       b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
	if (ret < 0 || (size_t)ret >= sizeof(path))
		return -ENAMETOOLONG;

	f = fopen(path, "re");
	if (!f) {
		ret = -errno;
		if (ret != -ENOENT)
			return ret;
		/* No snapshots directory at all: a module without snapshots. */
		snprintf(path, sizeof(path), "%s" SNAPSHOTS_DIR, sysfs_root());
		return stat(path, &st) ? -EOPNOTSUPP : -ENOENT;
	}
	ret = read_devices(f, devs, count);
	fclose(f);
	return ret;
}
