// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include "devnum.h"
#include "mounts.h"
#include "target.h"

static const char *const tags[] = { "UUID", "LABEL", "PARTUUID", "PARTLABEL" };

void target_resolver_init(struct target_resolver *r, const struct host *h)
{
	memset(r, 0, sizeof(*r));
	r->host = h;
}

void target_resolver_free(struct target_resolver *r)
{
	mnt_unref_table(r->mounts);
	r->mounts = NULL;
}

int target_fail(struct target_resolver *r, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->error, sizeof(r->error), fmt, ap);
	va_end(ap);
	return err;
}

struct libmnt_table *target_mounts(struct target_resolver *r)
{
	int err;

	if (r->mounts)
		return r->mounts;
	err = mounts_load(r->host, &r->mounts);
	if (err)
		target_fail(r, err, "%s: cannot read the mount table: %s; check that "
		     "/proc is mounted", r->host->mountinfo, strerror(-err));
	return r->mounts;
}

static void set_device(struct target *t, const char *path)
{
	snprintf(t->device, sizeof(t->device), "%s", path);
}

/* The TAG of "TAG=VALUE", or NULL if @arg is not a tag. */
static const char *tag_of(const char *arg, const char **value)
{
	size_t i, len;

	for (i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
		len = strlen(tags[i]);
		if (!strncmp(arg, tags[i], len) && arg[len] == '=' &&
		    arg[len + 1]) {
			*value = arg + len + 1;
			return tags[i];
		}
	}
	return NULL;
}

static bool spans_devices(const char *type)
{
	return !strcmp(type, "btrfs") || !strcmp(type, "bcachefs");
}

static int resolve_tag(struct target_resolver *r, const char *arg,
		       const char *tag, const char *value, struct target *t)
{
	const struct host *h = r->host;
	char *path, *type = NULL;
	struct stat st;
	int ret = 0;

	path = h->evaluate_tag(tag, value);
	if (!path)
		return target_fail(r, -ENOENT, "%s: no block device has this %s; "
			    "'lsblk -o +%s' shows them", arg, tag, tag);
	if (h->stat(path, &st) || !S_ISBLK(st.st_mode)) {
		ret = target_fail(r, -ENOTBLK, "%s: %s is not a block device; "
			   "give the device path instead", arg, path);
		goto out;
	}
	/* A filesystem tag of btrfs names every device it spans. */
	if (strcmp(tag, "UUID") == 0 || strcmp(tag, "LABEL") == 0)
		type = h->probe_type(path);
	if (type && spans_devices(type)) {
		ret = target_fail(r, -EMLINK, "%s: %s holds %s, which may span several "
			   "devices; use '%s subvolume snapshot', or name %s "
			   "if it is the only one", arg, path, type, type, path);
		goto out;
	}
	t->dev = st.st_rdev;
	set_device(t, path);
out:
	free(type);
	free(path);
	return ret;
}

/*
 * Why the mount @fs that holds @arg (canonical @path) cannot be
 * snapshotted, or 0.
 */
static int refuse_mount(struct target_resolver *r, const char *arg,
			const char *path, struct libmnt_fs *fs)
{
	const char *mp = mnt_fs_get_target(fs);
	const char *type = mnt_fs_get_fstype(fs);
	char on[PATH_MAX + 8] = "";

	if (!type)
		type = "unknown";
	/* "/mnt/x/y: on /mnt/x, a ...", but "/mnt/x: a ..." */
	if (strcmp(path, mp))
		snprintf(on, sizeof(on), "on %s, ", mp);
	switch (mounts_kind(fs)) {
	case MOUNT_BLOCK:
		return 0;
	case MOUNT_NETWORK:
		return target_fail(r, -EREMOTE, "%s: %sa network filesystem (%s); "
			    "snapshot it on the machine whose disk holds it",
			    arg, on, type);
	case MOUNT_FUSE:
		return target_fail(r, -EOPNOTSUPP, "%s: %sa FUSE filesystem (%s) that "
			    "the kernel cannot freeze; name the block device "
			    "under it, if it has one", arg, on, type);
	case MOUNT_VIRTUAL:
		return target_fail(r, -ENOTBLK, "%s: %sa virtual filesystem (%s) with "
			    "no block device of its own; give a path on a disk "
			    "filesystem", arg, on, type);
	case MOUNT_MULTI_DEVICE:
		return target_fail(r, -EMLINK, "%s: %sa %s filesystem, which may span "
			    "several devices; use '%s subvolume snapshot', or "
			    "name its block device if it has only one",
			    arg, on, type, type);
	case MOUNT_NO_DEVICE:
		break;
	}
	return target_fail(r, -ENOTBLK, "%s: %sa %s filesystem, which has no block "
		    "device; give a path on a disk filesystem", arg, on, type);
}

/* The mounted device's own path if the table's source is one, else sysfs'. */
static void mount_device_path(const struct host *h, struct libmnt_fs *fs,
			      struct target *t)
{
	const char *src = mnt_fs_get_source(fs);
	struct stat st;

	if (src && !strncmp(src, "/dev/", 5) && !h->stat(src, &st) &&
	    S_ISBLK(st.st_mode) && st.st_rdev == t->dev)
		set_device(t, src);
	else
		host_dev_path(h, t->dev, t->device, sizeof(t->device));
}

static int resolve_path(struct target_resolver *r, const char *arg,
			struct target *t)
{
	const struct host *h = r->host;
	struct libmnt_table *tb;
	struct libmnt_fs *fs;
	char *path;
	int ret;

	/* First, so that an automount under @arg is mounted by now. */
	path = h->realpath(arg);
	if (!path)
		return target_fail(r, -errno, "%s: cannot use: %s", arg, strerror(errno));
	tb = target_mounts(r);
	if (!tb) {
		ret = -EIO;
		goto out;
	}
	fs = mounts_holding(tb, path);
	if (!fs) {
		ret = target_fail(r, -ENOENT, "%s: in no filesystem that %s lists; "
			   "mount it, or give its block device",
			   arg, h->mountinfo);
		goto out;
	}
	ret = refuse_mount(r, arg, path, fs);
	if (ret)
		goto out;
	t->dev = mnt_fs_get_devno(fs);
	snprintf(t->mountpoint, sizeof(t->mountpoint), "%s",
		 mnt_fs_get_target(fs));
	mount_device_path(h, fs, t);
out:
	free(path);
	return ret;
}

int target_resolve(struct target_resolver *r, const char *arg,
		   struct target *t)
{
	const char *tag, *value;
	struct stat st;

	memset(t, 0, sizeof(*t));
	t->arg = arg;
	r->error[0] = '\0';

	if (!*arg)
		return target_fail(r, -EINVAL, "'': empty target; give a mount point, "
			    "a block device or a UUID=/LABEL= tag");
	if (!devnum_parse(arg, &t->dev)) {
		set_device(t, arg);
		return 0;
	}
	tag = tag_of(arg, &value);
	if (tag)
		return resolve_tag(r, arg, tag, value, t);

	if (r->host->stat(arg, &st)) {
		if (errno == ENOENT || errno == ENOTDIR)
			return target_fail(r, -ENOENT, "%s: no such file or device; give "
				    "a mount point, a block device or a UUID=/"
				    "LABEL= tag ('lsblk -f' lists them)", arg);
		return target_fail(r, -errno, "%s: cannot use: %s", arg,
			    strerror(errno));
	}
	if (S_ISBLK(st.st_mode)) {
		t->dev = st.st_rdev;
		set_device(t, arg);
		return 0;
	}
	if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
		return target_fail(r, -ENOTBLK, "%s: not a block device; give a block "
			    "device path such as /dev/sdb1", arg);
	return resolve_path(r, arg, t);
}

int target_resolve_all(struct target_resolver *r, char *const *args,
		       size_t n, struct target *t, size_t *count)
{
	size_t i, j;
	int err;

	*count = 0;
	for (i = 0; i < n; i++) {
		struct target *cur = &t[*count];

		err = target_resolve(r, args[i], cur);
		if (err)
			return err;
		for (j = 0; j < *count; j++)
			if (t[j].dev == cur->dev)
				break;
		if (j == *count)
			(*count)++;
	}
	return 0;
}
