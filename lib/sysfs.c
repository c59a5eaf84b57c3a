// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * What no ioctl tells of a snapshot, from the module's sysfs directory
 * /sys/class/misc/blksnap-control/snapshots/<id>/: "devices", one line per
 * device, "MAJOR:MINOR IMAGE_NAME"; "taken", the take's time in seconds
 * since the epoch (0 before it); "storage", "USED LIMIT" of the difference
 * storage in bytes; "free", one line per device, "MAJOR:MINOR BYTES" free
 * at the take.  $BLKSNAP_SYSFS replaces /sys (tests).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
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

/*
 * Open attribute @name of snapshot @id.  NULL with *@err: -ENOENT if there
 * is no such snapshot (or attribute), -EOPNOTSUPP if the module shows no
 * snapshots in sysfs at all.
 */
static FILE *open_attr(const struct blksnap_uuid *id, const char *name,
		       int *err)
{
	const unsigned char *b = id->b;
	char path[4096];
	struct stat st;
	FILE *f;
	int ret;

	/* The id as the kernel's %pUb prints it: lower-case RFC 4122 order. */
	ret = snprintf(path, sizeof(path), "%s" SNAPSHOTS_DIR "/"
		       "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
		       "%02x%02x%02x%02x%02x%02x/%s", sysfs_root(),
		       b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8],
		       b[9], b[10], b[11], b[12], b[13], b[14], b[15], name);
	if (ret < 0 || (size_t)ret >= sizeof(path)) {
		*err = -ENAMETOOLONG;
		return NULL;
	}
	f = fopen(path, "re");
	if (f)
		return f;
	*err = -errno;
	if (*err == -ENOENT) {
		/* No snapshots directory at all: a module without snapshots. */
		snprintf(path, sizeof(path), "%s" SNAPSHOTS_DIR, sysfs_root());
		if (stat(path, &st))
			*err = -EOPNOTSUPP;
	}
	return NULL;
}

int blksnap_snapshot_devices(struct blksnap_ctx *ctx,
			     const struct blksnap_uuid *id,
			     struct blksnap_snapshot_device **devs,
			     size_t *count)
{
	FILE *f;
	int ret;

	if (!devs || !count)
		return -EINVAL;
	*devs = NULL;
	*count = 0;
	if (!ctx || !id)
		return -EINVAL;

	f = open_attr(id, "devices", &ret);
	if (!f)
		return ret;
	ret = read_devices(f, devs, count);
	fclose(f);
	return ret;
}

/* Read one line of unsigned decimals, "N" or "N M", into @v. */
static int read_numbers(const struct blksnap_uuid *id, const char *name,
			unsigned long long *v, int n)
{
	char line[64], *p, *end;
	int i, ret;
	FILE *f;

	f = open_attr(id, name, &ret);
	if (!f)
		return ret;
	p = fgets(line, sizeof(line), f);
	ret = ferror(f) ? -EIO : 0;
	fclose(f);
	if (ret)
		return ret;
	if (!p || !strchr(line, '\n'))
		return -EBADMSG;
	for (i = 0; i < n; i++) {
		if (*p < '0' || *p > '9')
			return -EBADMSG;
		errno = 0;
		v[i] = strtoull(p, &end, 10);
		if (errno || *end != (i + 1 < n ? ' ' : '\n'))
			return -EBADMSG;
		p = end + 1;
	}
	return 0;
}

int blksnap_snapshot_status(struct blksnap_ctx *ctx,
			    const struct blksnap_uuid *id,
			    struct blksnap_snapshot_status *st)
{
	unsigned long long taken, storage[2];
	int ret;

	if (!ctx || !id || !st)
		return -EINVAL;
	memset(st, 0, sizeof(*st));
	ret = read_numbers(id, "taken", &taken, 1);
	if (!ret)
		ret = read_numbers(id, "storage", storage, 2);
	if (ret)
		return ret;
	if (taken > INT64_MAX)
		return -EBADMSG;
	st->taken = (int64_t)taken;
	st->storage_used = storage[0];
	st->storage_limit = storage[1];
	return 0;
}

int blksnap_snapshot_free_at_take(struct blksnap_ctx *ctx,
				  const struct blksnap_uuid *id,
				  dev_t dev, uint64_t *bytes)
{
	unsigned int maj, min;
	unsigned long long n;
	size_t linesz = 0;
	char *line = NULL, *end;
	const char *p;
	ssize_t len;
	int ret = -ENOENT;
	FILE *f;

	if (!bytes)
		return -EINVAL;
	*bytes = 0;
	if (!ctx || !id)
		return -EINVAL;
	f = open_attr(id, "free", &ret);
	if (!f)
		return ret == -EOPNOTSUPP ? -ENOENT : ret;
	ret = -ENOENT;
	while (ret == -ENOENT && (len = getline(&line, &linesz, f)) > 0) {
		if (line[len - 1] != '\n') {
			ret = -EBADMSG;
			break;
		}
		line[len - 1] = '\0';
		p = parse_u32(line, ':', &maj);
		if (p)
			p = parse_u32(p, ' ', &min);
		if (!p || *p < '0' || *p > '9') {
			ret = -EBADMSG;
			break;
		}
		errno = 0;
		n = strtoull(p, &end, 10);
		if (errno || *end) {
			ret = -EBADMSG;
			break;
		}
		if (makedev(maj, min) == dev) {
			*bytes = n;
			ret = 0;
		}
	}
	if (ret == -ENOENT && ferror(f))
		ret = -EIO;
	free(line);
	fclose(f);
	return ret;
}
