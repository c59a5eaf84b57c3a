// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <string.h>
#include <sys/sysmacros.h>
#include "mounts.h"

int mounts_load(const struct host *h, struct libmnt_table **tb)
{
	int err;

	*tb = mnt_new_table();
	if (!*tb)
		return -ENOMEM;
	err = mnt_table_parse_file(*tb, h->mountinfo);
	if (err) {
		mnt_unref_table(*tb);
		*tb = NULL;
		/* libmount answers a missing file with -errno, bad lines with 1+. */
		return err < 0 ? err : -EBADMSG;
	}
	return 0;
}

/* The last child of @parent mounted exactly on @target, or NULL. */
static struct libmnt_fs *child_on(struct libmnt_table *tb,
				  struct libmnt_fs *parent, const char *target)
{
	struct libmnt_iter *itr = mnt_new_iter(MNT_ITER_FORWARD);
	struct libmnt_fs *fs, *found = NULL;
	int id = mnt_fs_get_id(parent);

	if (!itr)
		return NULL;
	while (!mnt_table_next_fs(tb, itr, &fs)) {
		const char *t = mnt_fs_get_target(fs);

		if (fs != parent && mnt_fs_get_parent_id(fs) == id &&
		    t && !strcmp(t, target))
			found = fs;
	}
	mnt_free_iter(itr);
	return found;
}

/* What a walk sees at @fs's mount point: the last mount stacked there. */
static struct libmnt_fs *top_of_stack(struct libmnt_table *tb,
				      struct libmnt_fs *fs)
{
	struct libmnt_fs *over;
	/* A malformed table could make a cycle; no real stack is this deep. */
	unsigned int depth = 0;

	while (depth++ < 256 &&
	       (over = child_on(tb, fs, mnt_fs_get_target(fs))))
		fs = over;
	return fs;
}

struct libmnt_fs *mounts_holding(struct libmnt_table *tb, const char *path)
{
	struct libmnt_fs *cur, *child;
	char prefix[4096];
	const char *p;
	size_t len;

	/* Not "/" when /proc shows only part of the tree (a chroot). */
	if (mnt_table_get_root_fs(tb, &cur) || !cur ||
	    !mnt_fs_get_target(cur) || strcmp(mnt_fs_get_target(cur), "/"))
		return NULL;
	cur = top_of_stack(tb, cur);
	if (path[0] != '/' || strlen(path) >= sizeof(prefix))
		return cur;

	/* Each prefix that ends at a component: /srv, /srv/data, ... */
	for (p = path + 1; *p; ) {
		const char *end = strchr(p, '/');

		len = end ? (size_t)(end - path) : strlen(path);
		memcpy(prefix, path, len);
		prefix[len] = '\0';
		child = child_on(tb, cur, prefix);
		if (child)
			cur = top_of_stack(tb, child);
		if (!end)
			break;
		p = end + 1;
	}
	return cur;
}

static bool is_fuse(const char *type)
{
	return !strcmp(type, "fuse") || !strncmp(type, "fuse.", 5);
}

static bool in_list(const char *type, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(type, *list))
			return true;
	return false;
}

enum mount_kind mounts_kind(struct libmnt_fs *fs)
{
	/* What libmount's own lists may lack on an older util-linux. */
	static const char *const network[] = {
		"nfs", "nfs4", "cifs", "smb3", "smbfs", "ceph", "9p", "afs",
		"glusterfs", "lustre", NULL,
	};
	static const char *const virtual[] = {
		"tmpfs", "ramfs", "overlay", "aufs", "proc", "sysfs",
		"devtmpfs", "devpts", "cgroup", "cgroup2", "autofs", "virtiofs",
		NULL,
	};
	static const char *const multi[] = { "btrfs", "bcachefs", NULL };
	const char *type = mnt_fs_get_fstype(fs);

	if (!type)
		type = "";
	if (in_list(type, multi))
		return MOUNT_MULTI_DEVICE;
	if (in_list(type, network) || mnt_fs_is_netfs(fs))
		return MOUNT_NETWORK;
	if (is_fuse(type))
		return MOUNT_FUSE;
	if (in_list(type, virtual) || mnt_fs_is_pseudofs(fs))
		return MOUNT_VIRTUAL;
	if (!major(mnt_fs_get_devno(fs)))
		return MOUNT_NO_DEVICE;
	return MOUNT_BLOCK;
}

bool mounts_read_only(struct libmnt_fs *fs)
{
	const char *vfs = mnt_fs_get_vfs_options(fs);
	const char *sb = mnt_fs_get_fs_options(fs);

	return (vfs && !mnt_optstr_get_option(vfs, "ro", NULL, NULL)) ||
	       (sb && !mnt_optstr_get_option(sb, "ro", NULL, NULL));
}
