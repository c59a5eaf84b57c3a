// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "layers.h"
#include "mounts.h"
#include "parse_size.h"
#include "storage.h"

static void say(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* snprintf() for messages, where a cut-off end is no error. */
static void say(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, size, fmt, ap);
	va_end(ap);
}

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
		return target_fail(r, -errno, "%s: cannot use as difference "
				   "storage: %s; give another --storage", path,
				   strerror(errno));
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
		return target_fail(r, -errno, "%s: cannot use as difference "
				   "storage: %s; give another --storage", path,
				   strerror(errno));
	/* A file to be made: where its directory is. */
	snprintf(dir, sizeof(dir), "%s", path);
	return mount_device(r, path, dirname(dir), dev);
}

/*
 * The owner whose device storage on @dev would share sectors with, with
 * @why "on CHAIN, a device of ..."; -1 if none.
 */
static int conflict(struct target_resolver *r, dev_t dev,
		    const struct storage_owner *owners, size_t n,
		    char *why, size_t size)
{
	char chain[PATH_MAX * 2];
	dev_t *set;
	size_t i;
	int hit;

	if (!n)
		return -1;
	set = calloc(n, sizeof(*set));
	if (!set)
		return -1;
	for (i = 0; i < n; i++)
		set[i] = owners[i].dev;
	hit = layers_find(r->host, target_mounts(r), dev, set, n, chain,
			  sizeof(chain));
	free(set);
	if (hit < 0)
		return -1;
	if (owners[hit].snapshot)
		say(why, size, "on %s, a device of snapshot %s", chain,
		    owners[hit].snapshot);
	else
		say(why, size, "on %s, a device of this snapshot", chain);
	return hit;
}

int storage_check(struct target_resolver *r, const char *path, dev_t dev,
		  const struct storage_owner *owners, size_t n)
{
	char why[sizeof(r->error) / 2];
	int hit = conflict(r, dev, owners, n, why, sizeof(why));

	if (hit < 0)
		return 0;
	if (!owners[hit].snapshot)
		return target_fail(r, -ELOOP, "%s: is %s; put --storage on "
				   "another disk", path, why);
	return target_fail(r, -ELOOP, "%s: is %s; put --storage on another "
			   "disk, or destroy that snapshot first", path, why);
}

int storage_dest_check(struct target_resolver *r, const char *path, dev_t dev,
		       const dev_t *set, size_t n)
{
	struct libmnt_table *tb = target_mounts(r);
	char chain[PATH_MAX * 2], name[PATH_MAX];
	size_t i;

	if (layers_find(r->host, tb, dev, set, n, chain, sizeof(chain)) >= 0)
		return target_fail(r, -ELOOP, "%s: is on %s, a device being "
				   "backed up; put the backup on another disk",
				   path, chain);
	/* The other way round: a disk or stack a device being backed up is on. */
	for (i = 0; i < n; i++) {
		if (layers_find(r->host, tb, set[i], &dev, 1, chain,
				sizeof(chain)) < 0)
			continue;
		host_dev_path(r->host, dev, name, sizeof(name));
		return target_fail(r, -ELOOP, "%s: is on %s, under a device "
				   "being backed up (%s); put the backup on "
				   "another disk", path, name, chain);
	}
	return 0;
}

/* What a directory offers as storage, or why it cannot be one. */
struct place {
	bool ok;
	uint64_t free_bytes;
	bool tmpfs;
	char where[PATH_MAX + 64];	/* "ext4 on /dev/vda1", "tmpfs" */
	char why[PATH_MAX * 2];	/* when not ok */
};

static int refuse(struct place *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Set @p's reason; returns -1. */
static int refuse(struct place *p, const char *fmt, ...)
{
	va_list ap;

	p->ok = false;
	va_start(ap, fmt);
	vsnprintf(p->why, sizeof(p->why), fmt, ap);
	va_end(ap);
	return -1;
}

/*
 * Whether directory @dir, which @fs holds, may hold the storage: 0 with
 * @p set, or -1 with the reason in @p.
 */
static int judge_mount(struct target_resolver *r, const char *dir,
			struct libmnt_fs *fs, const struct storage_owner *owners,
			size_t n, struct place *p)
{
	const struct host *h = r->host;
	const char *type = mnt_fs_get_fstype(fs);
	dev_t dev = mnt_fs_get_devno(fs);
	char name[PATH_MAX];
	struct statvfs sv;

	memset(p, 0, sizeof(*p));
	if (!type)
		type = "unknown";
	switch (mounts_kind(fs)) {
	case MOUNT_BLOCK:
		break;
	case MOUNT_VIRTUAL:
		if (!strcmp(type, "tmpfs")) {
			p->tmpfs = true;
			break;
		}
		/* fall through */
	default:
		return refuse(p, "on %s, not a local disk filesystem", type);
	}
	if (mounts_read_only(fs))
		return refuse(p, "read-only");
	if (h->access(dir, W_OK))
		return refuse(p, "not writable: %s", strerror(errno));
	if (!p->tmpfs && conflict(r, dev, owners, n, p->why, sizeof(p->why)) >= 0)
		return -1;
	if (h->statvfs(dir, &sv))
		return refuse(p, "no free space figure: %s", strerror(errno));
	p->free_bytes = (uint64_t)sv.f_bavail * sv.f_frsize;
	if (p->tmpfs) {
		snprintf(p->where, sizeof(p->where), "tmpfs");
	} else {
		host_dev_path(h, dev, name, sizeof(name));
		snprintf(p->where, sizeof(p->where), "%s on %s", type, name);
	}
	p->ok = true;
	return 0;
}

static int judge(struct target_resolver *r, const char *dir,
		  const struct storage_owner *owners, size_t n,
		  struct place *p)
{
	const struct host *h = r->host;
	struct libmnt_table *tb;
	struct libmnt_fs *fs;
	struct stat st;
	char *real;

	memset(p, 0, sizeof(*p));
	if (h->stat(dir, &st))
		return refuse(p, "%s", errno == ENOENT ? "missing" :
			      strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return refuse(p, "not a directory");
	real = h->realpath(dir);
	if (!real)
		return refuse(p, "%s", strerror(errno));
	tb = target_mounts(r);
	fs = tb ? mounts_holding(tb, real) : NULL;
	free(real);
	if (!fs)
		return refuse(p, "in no mounted filesystem");
	return judge_mount(r, dir, fs, owners, n, p);
}

/*
 * A mount point that would hold the storage, for the error when no
 * candidate does: the one with most free space on a disk, else on tmpfs.
 */
static void suggest(struct target_resolver *r,
		    const struct storage_owner *owners, size_t n,
		    char *buf, size_t size)
{
	struct libmnt_iter *itr = mnt_new_iter(MNT_ITER_FORWARD);
	struct libmnt_table *tb = target_mounts(r);
	struct place best = { 0 }, disk = { 0 }, cur;
	char best_dir[PATH_MAX] = "", disk_dir[PATH_MAX] = "", free_s[32];
	struct libmnt_fs *fs;
	struct stat st;

	while (itr && tb && !mnt_table_next_fs(tb, itr, &fs)) {
		const char *dir = mnt_fs_get_target(fs);

		/* Only what a path walk sees at @dir. */
		if (!dir || mounts_holding(tb, dir) != fs ||
		    r->host->stat(dir, &st) || !S_ISDIR(st.st_mode))
			continue;
		judge_mount(r, dir, fs, owners, n, &cur);
		if (!cur.ok)
			continue;
		if (!cur.tmpfs && (!disk.ok || cur.free_bytes > disk.free_bytes)) {
			disk = cur;
			snprintf(disk_dir, sizeof(disk_dir), "%s", dir);
		}
		if (cur.tmpfs && (!best.ok || cur.free_bytes > best.free_bytes)) {
			best = cur;
			snprintf(best_dir, sizeof(best_dir), "%s", dir);
		}
	}
	mnt_free_iter(itr);
	if (disk.ok) {
		size_format(disk.free_bytes, free_s, sizeof(free_s));
		say(buf, size, "give --storage %s (%s, %s free)", disk_dir,
		    disk.where, free_s);
	} else if (best.ok) {
		size_format(best.free_bytes, free_s, sizeof(free_s));
		say(buf, size, "attach another disk for --storage, or give "
		    "--storage %s (tmpfs, %s of memory free) with a --limit "
		    "that memory can spare", best_dir, free_s);
	} else {
		snprintf(buf, size, "attach another disk and give --storage on "
			 "it, a directory or a spare block device");
	}
}

int storage_choose(struct target_resolver *r, const char *const *candidates,
		   const struct storage_owner *owners, size_t n,
		   struct storage_choice *choice)
{
	struct place p;
	char whys[sizeof(r->error) / 2] = "", hint[sizeof(r->error) / 2];
	size_t i, len;
	bool found = false;

	for (i = 0; candidates[i]; i++) {
		judge(r, candidates[i], owners, n, &p);
		if (p.ok) {
			if (found && p.free_bytes <= choice->free_bytes)
				continue;
			found = true;
			choice->path = candidates[i];
			choice->free_bytes = p.free_bytes;
			choice->tmpfs = p.tmpfs;
			snprintf(choice->where, sizeof(choice->where), "%s",
				 p.where);
			continue;
		}
		len = strlen(whys);
		say(whys + len, sizeof(whys) - len, "%s%s: %s",
		    len ? "; " : "", candidates[i], p.why);
	}
	if (found)
		return 0;
	suggest(r, owners, n, hint, sizeof(hint));
	return target_fail(r, -ENOSPC, "no place for the difference storage "
			   "(%s); %s", whys, hint);
}
