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
#include "common/parse_size.h"
#include "layers.h"
#include "mounts.h"
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

/*
 * The block device of the filesystem @fs: its device number, or for btrfs,
 * which shows an anonymous one, the device its source names.  0 with
 * *@dev set; 1 if it is on none.
 */
static int fs_device(const struct host *h, struct libmnt_fs *fs, dev_t *dev)
{
	const char *src;
	struct stat st;

	*dev = mnt_fs_get_devno(fs);
	if (major(*dev))
		return 0;
	src = mnt_fs_get_source(fs);
	if (src && !strncmp(src, "/dev/", 5) && !h->stat(src, &st) &&
	    S_ISBLK(st.st_mode)) {
		*dev = st.st_rdev;
		return 0;
	}
	return 1;
}

/* The mount holding existing path @where, for storage @path. */
static int holding(struct target_resolver *r, const char *path,
		   const char *where, struct libmnt_fs **fs)
{
	struct libmnt_table *tb;
	char *real;

	real = r->host->realpath(where);
	if (!real)
		return target_fail(r, -errno, "%s: cannot use as difference "
				   "storage: %s; give another --storage", path,
				   strerror(errno));
	tb = target_mounts(r);
	*fs = tb ? mounts_holding(tb, real) : NULL;
	free(real);
	return tb ? 0 : -EIO;
}

/* The device of the mount holding existing path @where. */
static int mount_device(struct target_resolver *r, const char *path,
			const char *where, dev_t *dev)
{
	struct libmnt_fs *fs;
	int err = holding(r, path, where, &fs);

	if (err)
		return err;
	return fs ? fs_device(r->host, fs, dev) : 1;
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
 * @why "on CHAIN, a device of ..."; -1 if none.  With @mine, this
 * snapshot's own device @dev itself is not counted (the snapshotted
 * filesystem holding its own storage); what @dev is stacked on still is.
 */
static int conflict(struct target_resolver *r, dev_t dev,
		    const struct storage_owner *owners, size_t n, bool mine,
		    char *why, size_t size)
{
	char chain[PATH_MAX * 2];
	size_t i, *index, count = 0;
	dev_t *set;
	int hit;

	set = calloc(n ? n : 1, sizeof(*set));
	index = calloc(n ? n : 1, sizeof(*index));
	for (i = 0; set && index && i < n; i++) {
		if (mine && !owners[i].snapshot && owners[i].dev == dev)
			continue;
		index[count] = i;
		set[count++] = owners[i].dev;
	}
	hit = -1;
	if (set && index && count)
		hit = layers_find(r->host, target_mounts(r), dev, set, count,
				  chain, sizeof(chain));
	if (hit >= 0)
		hit = index[hit];
	free(set);
	free(index);
	if (hit < 0)
		return -1;
	if (owners[hit].snapshot)
		say(why, size, "on %s, a device of snapshot %s", chain,
		    owners[hit].snapshot);
	else
		say(why, size, "on %s, a device of this snapshot", chain);
	return hit;
}

/* @dev is one of this snapshot's devices itself, not through a layer. */
static bool is_member(dev_t dev, const struct storage_owner *owners, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!owners[i].snapshot && owners[i].dev == dev)
			return true;
	return false;
}

bool storage_fs_holds_own(const char *type)
{
	return type && (!strcmp(type, "ext4") || !strcmp(type, "xfs"));
}

/* A filesystem the firmware boots from: never storage, never suggested. */
static bool is_boot(struct libmnt_fs *fs)
{
	static const char *const types[] = { "vfat", "msdos", "exfat", NULL };
	static const char *const dirs[] = { "/boot", "/boot/efi", "/efi", NULL };
	const char *type = mnt_fs_get_fstype(fs);
	const char *dir = mnt_fs_get_target(fs);
	size_t i;

	for (i = 0; type && types[i]; i++)
		if (!strcmp(type, types[i]))
			return true;
	for (i = 0; dir && dirs[i]; i++)
		if (!strcmp(dir, dirs[i]))
			return true;
	return false;
}

/* "TYPE on DEVICE" of the filesystem @fs on @dev. */
static void describe(const struct host *h, struct libmnt_fs *fs, dev_t dev,
		     char *buf, size_t size)
{
	const char *type = mnt_fs_get_fstype(fs);
	char name[PATH_MAX];

	host_dev_path(h, dev, name, sizeof(name));
	say(buf, size, "%s on %s", type ? type : "unknown", name);
}

/*
 * Storage @path is on this snapshot's device @dev itself, the device of
 * the filesystem @fs: accept a directory in it (or the directory of a
 * path still to be made) as @same, if the filesystem is ext4 or xfs.
 */
static int check_same_fs(struct target_resolver *r, const char *path,
			 dev_t dev, struct libmnt_fs *fs,
			 struct storage_choice *same)
{
	const struct host *h = r->host;
	char where[PATH_MAX + 64], dir[PATH_MAX], tmp[PATH_MAX];
	struct statvfs sv;
	struct stat st;

	describe(h, fs, dev, where, sizeof(where));
	if (!storage_fs_holds_own(mnt_fs_get_fstype(fs)))
		return target_fail(r, -ELOOP, "%s: %s, the snapshotted "
				   "filesystem: only ext4 and xfs can hold the "
				   "difference storage of their own snapshot; put "
				   "--storage on another disk", path, where);
	if (!h->stat(path, &st) && !S_ISDIR(st.st_mode))
		return target_fail(r, -ELOOP, "%s: a named file on the "
				   "snapshotted filesystem cannot be pinned; give "
				   "a directory on it, e.g. %s", path,
				   mnt_fs_get_target(fs));
	/* A path still to be made: nothing is made, its directory is used. */
	snprintf(tmp, sizeof(tmp), "%s", path);
	snprintf(dir, sizeof(dir), "%s", h->stat(path, &st) ? dirname(tmp) : path);
	if (h->statvfs(dir, &sv))
		return target_fail(r, -errno, "%s: cannot read the free space "
				   "of %s: %s; give another --storage", path, dir,
				   strerror(errno));
	memset(same, 0, sizeof(*same));
	snprintf(same->path, sizeof(same->path), "%s", dir);
	same->free_bytes = (uint64_t)sv.f_bavail * sv.f_frsize;
	same->same_fs = true;
	snprintf(same->where, sizeof(same->where), "%s", where);
	return 1;
}

int storage_check(struct target_resolver *r, const char *path, dev_t dev,
		  const struct storage_owner *owners, size_t n,
		  struct storage_choice *same)
{
	char why[sizeof(r->error) / 2], dir[PATH_MAX];
	struct libmnt_fs *fs = NULL;
	struct stat st;
	dev_t fsdev;
	bool mine = false;
	int hit, err;

	/* On this snapshot's device itself, through a filesystem on it. */
	if (is_member(dev, owners, n) &&
	    (r->host->stat(path, &st) || !S_ISBLK(st.st_mode))) {
		snprintf(dir, sizeof(dir), "%s", path);
		err = holding(r, path, r->host->stat(path, &st) ? dirname(dir) :
			      path, &fs);
		if (err)
			return err;
		mine = fs && !fs_device(r->host, fs, &fsdev) && fsdev == dev;
	}
	hit = conflict(r, dev, owners, n, mine, why, sizeof(why));
	if (hit < 0)
		return mine ? check_same_fs(r, path, dev, fs, same) : 0;
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
	bool same_fs;		/* on a device of this snapshot itself */
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
 * @p set, or -1 with the reason in @p.  tmpfs only if @named (by the
 * user), though its free space is set in @p either way.
 */
static int judge_mount(struct target_resolver *r, const char *dir,
		       struct libmnt_fs *fs, const struct storage_owner *owners,
		       size_t n, bool named, struct place *p)
{
	const struct host *h = r->host;
	const char *type = mnt_fs_get_fstype(fs);
	struct statvfs sv;
	dev_t dev;

	memset(p, 0, sizeof(*p));
	if (!type)
		type = "unknown";
	if (is_boot(fs))
		return refuse(p, "a boot partition (%s)", type);
	if (fs_device(h, fs, &dev))
		dev = 0;
	if (dev && is_member(dev, owners, n) && !storage_fs_holds_own(type)) {
		describe(h, fs, dev, p->where, sizeof(p->where));
		return refuse(p, "%s, the snapshotted filesystem: only ext4 and "
			      "xfs can hold the difference storage of their own "
			      "snapshot", p->where);
	}
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
	if (!p->tmpfs) {
		p->same_fs = is_member(dev, owners, n);
		if (conflict(r, dev, owners, n, p->same_fs, p->why,
			     sizeof(p->why)) >= 0)
			return -1;
	}
	if (h->statvfs(dir, &sv))
		return refuse(p, "no free space figure: %s", strerror(errno));
	p->free_bytes = (uint64_t)sv.f_bavail * sv.f_frsize;
	if (p->tmpfs)
		snprintf(p->where, sizeof(p->where), "tmpfs");
	else
		describe(h, fs, dev, p->where, sizeof(p->where));
	/* Memory, which a default must not take unasked. */
	if (p->tmpfs && !named)
		return refuse(p, "tmpfs, memory: used only when named");
	p->ok = true;
	return 0;
}

static int judge(struct target_resolver *r, const char *dir,
		 const struct storage_owner *owners, size_t n, bool named,
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
	return judge_mount(r, dir, fs, owners, n, named, p);
}

/* Take @p, found at @dir, as the choice. */
static void choose(struct storage_choice *choice, const char *dir,
		   const struct place *p)
{
	memset(choice, 0, sizeof(*choice));
	snprintf(choice->path, sizeof(choice->path), "%s", dir);
	choice->free_bytes = p->free_bytes;
	choice->tmpfs = p->tmpfs;
	choice->same_fs = p->same_fs;
	snprintf(choice->where, sizeof(choice->where), "%s", p->where);
}

/*
 * The mount point of the first device of this snapshot whose filesystem
 * may hold its own storage; 0 with @choice set, else -1.
 */
static int choose_target_mount(struct target_resolver *r,
			       const struct storage_owner *owners, size_t n,
			       struct storage_choice *choice)
{
	struct libmnt_table *tb = target_mounts(r);
	struct libmnt_iter *itr;
	struct libmnt_fs *fs;
	struct place p;
	size_t i;
	int ret = -1;

	itr = mnt_new_iter(MNT_ITER_FORWARD);
	for (i = 0; itr && tb && ret && i < n; i++) {
		if (owners[i].snapshot)
			continue;
		mnt_reset_iter(itr, MNT_ITER_FORWARD);
		while (ret && !mnt_table_next_fs(tb, itr, &fs)) {
			const char *dir = mnt_fs_get_target(fs);

			/* Only what a path walk sees at @dir. */
			if (!dir || mnt_fs_get_devno(fs) != owners[i].dev ||
			    mounts_holding(tb, dir) != fs)
				continue;
			if (!judge_mount(r, dir, fs, owners, n, false, &p) &&
			    p.same_fs) {
				choose(choice, dir, &p);
				ret = 0;
			}
		}
	}
	mnt_free_iter(itr);
	return ret;
}

/*
 * A mount point that would hold the storage, for the error when no
 * candidate does: the one with most free space on another disk; else
 * another disk to attach, and a tmpfs for those who choose memory.
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
	size_t len;

	while (itr && tb && !mnt_table_next_fs(tb, itr, &fs)) {
		const char *dir = mnt_fs_get_target(fs);

		/* Only what a path walk sees at @dir. */
		if (!dir || mounts_holding(tb, dir) != fs ||
		    r->host->stat(dir, &st) || !S_ISDIR(st.st_mode))
			continue;
		judge_mount(r, dir, fs, owners, n, true, &cur);
		if (!cur.ok || cur.same_fs)
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
		return;
	}
	snprintf(buf, size, "attach another disk and give --storage on it, a "
		 "directory or a spare block device");
	if (!best.ok)
		return;
	len = strlen(buf);
	size_format(best.free_bytes, free_s, sizeof(free_s));
	say(buf + len, size - len, "; or, to keep the copies in memory, "
	    "--storage %s (tmpfs, %s of memory free) with a --limit memory "
	    "can spare", best_dir, free_s);
}

int storage_choose(struct target_resolver *r, const char *const *candidates,
		   size_t named, const struct storage_owner *owners, size_t n,
		   struct storage_choice *choice)
{
	char whys[sizeof(r->error) / 2] = "", hint[sizeof(r->error) / 2];
	struct place p, same = { 0 };
	const char *same_dir = NULL;
	size_t i, len;
	bool found = false;

	for (i = 0; candidates[i]; i++) {
		judge(r, candidates[i], owners, n, i < named, &p);
		if (p.ok && p.same_fs) {
			/* The snapshotted filesystem: the first, if no other. */
			if (!same_dir) {
				same = p;
				same_dir = candidates[i];
			}
		} else if (p.ok) {
			if (found && p.free_bytes <= choice->free_bytes)
				continue;
			found = true;
			choose(choice, candidates[i], &p);
		} else {
			len = strlen(whys);
			say(whys + len, sizeof(whys) - len, "%s%s: %s",
			    len ? "; " : "", candidates[i], p.why);
		}
	}
	if (found)
		return 0;
	if (same_dir) {
		choose(choice, same_dir, &same);
		return 0;
	}
	if (!choose_target_mount(r, owners, n, choice))
		return 0;
	suggest(r, owners, n, hint, sizeof(hint));
	return target_fail(r, -ENOSPC, "no place for the difference storage "
			   "(%s); %s", whys, hint);
}

int storage_same_fs_limit(struct target_resolver *r,
			  const struct storage_choice *same, uint64_t *limit)
{
	char free_s[32], limit_s[32], min_s[32];
	uint64_t half;

	size_format(same->free_bytes, free_s, sizeof(free_s));
	size_format(STORAGE_SAME_FS_MIN_FREE, min_s, sizeof(min_s));
	if (same->free_bytes < STORAGE_SAME_FS_MIN_FREE)
		return target_fail(r, -ENOSPC, "%s: only %s free on the "
				   "snapshotted filesystem (%s), less than the %s "
				   "the difference storage needs there; free some "
				   "space or put --storage on another disk",
				   same->path, free_s, same->where, min_s);
	if (*limit) {
		size_format(*limit, limit_s, sizeof(limit_s));
		if (*limit > same->free_bytes)
			return target_fail(r, -ENOSPC, "%s: --limit %s is more "
					   "than the %s free on the snapshotted "
					   "filesystem (%s), where the difference "
					   "storage may grow to it; give a "
					   "smaller --limit or --storage on another "
					   "disk", same->path, limit_s, free_s,
					   same->where);
		return 0;
	}
	half = same->free_bytes / 2;
	half -= half % STORAGE_SAME_FS_ALIGN;
	*limit = half < STORAGE_DEFAULT_LIMIT ? half : STORAGE_DEFAULT_LIMIT;
	return 0;
}
