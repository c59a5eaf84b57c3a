// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * TARGETs to devices against the fixture mount table fixtures/mountinfo
 * and a fake blkid, stat and realpath (fake_host.c).
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <cmocka.h>
#include "fake_host.h"
#include "scratch_tree.h"
#include "target/target.h"

#define MOUNTINFO	FIXTURES_DIR "/mountinfo"

static const struct fake_node nodes[] = {
	{ "/", S_IFDIR, 0, 0, NULL },
	{ "/srv/data", S_IFDIR, 0, 0, NULL },
	{ "/srv/data/dir/file", S_IFREG, 0, 0, NULL },
	{ "/srv/data/nested", S_IFDIR, 0, 0, NULL },
	{ "/srv/data/nested/deeper", S_IFDIR, 0, 0, NULL },
	{ "/srv/database", S_IFDIR, 0, 0, NULL },
	{ "/home", S_IFDIR, 0, 0, "/srv/data/home" },
	{ "/export", S_IFDIR, 0, 0, NULL },
	{ "/mnt/my disk", S_IFDIR, 0, 0, NULL },
	{ "/mnt/loop", S_IFDIR, 0, 0, NULL },
	{ "/mnt/hidden/inner/x", S_IFREG, 0, 0, NULL },
	{ "/tmp", S_IFDIR, 0, 0, NULL },
	{ "/tmp/x", S_IFREG, 0, 0, NULL },
	{ "/proc", S_IFDIR, 0, 0, NULL },
	{ "/mnt/nfs/x", S_IFREG, 0, 0, NULL },
	{ "/mnt/cifs", S_IFDIR, 0, 0, NULL },
	{ "/mnt/overlay", S_IFDIR, 0, 0, NULL },
	{ "/mnt/fuse", S_IFDIR, 0, 0, NULL },
	{ "/mnt/sshfs", S_IFDIR, 0, 0, NULL },
	{ "/mnt/btrfs/sub", S_IFDIR, 0, 0, NULL },
	{ "/mnt/zfs", S_IFDIR, 0, 0, NULL },
	{ "/dev/sdb1", S_IFBLK, 8, 17, NULL },
	{ "/dev/sdc", S_IFBLK, 8, 32, NULL },
	{ "/dev/md0", S_IFBLK, 9, 0, NULL },
	{ "/dev/loop0", S_IFBLK, 7, 0, NULL },
	{ "/dev/mapper/vg-lv", S_IFBLK, 254, 1, NULL },
	{ "/dev/disk/by-id/x", S_IFBLK, 8, 17, "/dev/sdb1" },
	{ "/dev/null", S_IFCHR, 1, 3, NULL },
	{ NULL, 0, 0, 0, NULL },
};

static const struct fake_tag tags[] = {
	{ "UUID", "0b6a-data", "/dev/sdb1", "ext4" },
	{ "PARTLABEL", "data", "/dev/sdb1", "ext4" },
	{ "LABEL", "pool", "/dev/sdc", "btrfs" },
	{ "PARTUUID", "pool-part", "/dev/sdc", "btrfs" },
	{ NULL, NULL, NULL, NULL },
};

static const struct fake_host_tables tables = { nodes, tags, NULL };

static char sysfs[] = "/tmp/blksnap-test-sysfs-XXXXXX";

/* /sys/dev/block/8:2 -> sda2, for a mount whose source is no device. */
static int setup(void **state)
{
	char path[256];

	(void)state;
	if (!mkdtemp(sysfs))
		return -1;
	snprintf(path, sizeof(path), "%s/dev", sysfs);
	if (mkdir(path, 0755))
		return -1;
	snprintf(path, sizeof(path), "%s/dev/block", sysfs);
	if (mkdir(path, 0755))
		return -1;
	snprintf(path, sizeof(path), "%s/dev/block/8:2", sysfs);
	return symlink("../../devices/pci0000:00/ata1/block/sda/sda2", path);
}

static int teardown(void **state)
{
	(void)state;
	return scratch_tree_remove(sysfs);
}

static struct host host;
static struct target_resolver r;
static struct target t;

static int resolve_in(const char *mountinfo, const char *arg)
{
	int err;

	fake_host_init(&host, mountinfo, sysfs, &tables);
	target_resolver_init(&r, &host);
	err = target_resolve(&r, arg, &t);
	target_resolver_free(&r);
	return err;
}

static int resolve(const char *arg)
{
	return resolve_in(MOUNTINFO, arg);
}

static void assert_resolves(const char *arg, unsigned int maj, unsigned int min,
			    const char *device, const char *mountpoint)
{
	int err = resolve(arg);

	if (err)
		fail_msg("%s: %d: %s", arg, err, r.error);
	assert_int_equal(major(t.dev), maj);
	assert_int_equal(minor(t.dev), min);
	assert_string_equal(t.device, device);
	assert_string_equal(t.mountpoint, mountpoint);
	assert_ptr_equal(t.arg, arg);
}

static void assert_refused(const char *arg, int err, const char *message)
{
	assert_int_equal(resolve(arg), err);
	assert_string_equal(r.error, message);
}

static void mount_point_resolves_to_its_device(void **state)
{
	(void)state;
	assert_resolves("/srv/data", 8, 17, "/dev/sdb1", "/srv/data");
}

static void path_inside_a_mount_resolves_to_the_mount_holding_it(void **state)
{
	(void)state;
	assert_resolves("/srv/data/dir/file", 8, 17, "/dev/sdb1", "/srv/data");
}

static void mount_point_prefix_of_a_name_does_not_hold_it(void **state)
{
	(void)state;
	/* /srv/database is on /, not on /srv/data. */
	assert_resolves("/srv/database", 8, 2, "/dev/sda2", "/");
}

static void nested_mount_holds_what_is_below_it(void **state)
{
	(void)state;
	assert_resolves("/srv/data/nested", 254, 1, "/dev/mapper/vg-lv",
			"/srv/data/nested");
	assert_resolves("/srv/data/nested/deeper", 254, 1, "/dev/mapper/vg-lv",
			"/srv/data/nested");
}

static void bind_mount_resolves_to_its_source_device(void **state)
{
	(void)state;
	assert_resolves("/export", 8, 17, "/dev/sdb1", "/export");
}

static void escaped_space_in_a_mount_point_matches(void **state)
{
	(void)state;
	assert_resolves("/mnt/my disk", 9, 0, "/dev/md0", "/mnt/my disk");
}

static void loop_mount_resolves_to_the_loop_device(void **state)
{
	(void)state;
	assert_resolves("/mnt/loop", 7, 0, "/dev/loop0", "/mnt/loop");
}

static void mount_hidden_under_a_later_mount_never_answers(void **state)
{
	(void)state;
	/* sdd1 over /mnt/hidden hides sdc1 and sdc2 inside it. */
	assert_resolves("/mnt/hidden/inner/x", 8, 49, "8:49", "/mnt/hidden");
}

static void symlink_resolves_where_it_points(void **state)
{
	(void)state;
	assert_resolves("/home", 8, 17, "/dev/sdb1", "/srv/data");
}

static void source_that_is_no_device_is_named_from_sysfs(void **state)
{
	(void)state;
	/* "/dev/root" does not exist; sysfs knows 8:2 as sda2. */
	assert_resolves("/", 8, 2, "/dev/sda2", "/");
}

static void device_paths_and_numbers_are_taken_as_given(void **state)
{
	(void)state;
	assert_resolves("/dev/sdb1", 8, 17, "/dev/sdb1", "");
	assert_resolves("/dev/disk/by-id/x", 8, 17, "/dev/disk/by-id/x", "");
	assert_resolves("8:17", 8, 17, "8:17", "");
	/* Devices are not checked against the mount table. */
	assert_resolves("/dev/sdc", 8, 32, "/dev/sdc", "");
}

static void tags_resolve_through_blkid(void **state)
{
	(void)state;
	assert_resolves("UUID=0b6a-data", 8, 17, "/dev/sdb1", "");
	assert_resolves("PARTLABEL=data", 8, 17, "/dev/sdb1", "");
	/* A partition tag names the partition, whatever it holds. */
	assert_resolves("PARTUUID=pool-part", 8, 32, "/dev/sdc", "");
}

static void unknown_tag_is_refused_naming_it(void **state)
{
	(void)state;
	assert_refused("LABEL=nothing", -ENOENT, "LABEL=nothing: no block "
		       "device has this LABEL; 'lsblk -o +LABEL' shows them");
}

static void btrfs_filesystem_tag_is_refused(void **state)
{
	(void)state;
	assert_refused("LABEL=pool", -EMLINK, "LABEL=pool: /dev/sdc holds "
		       "btrfs, which may span several devices; use 'btrfs "
		       "subvolume snapshot', or name /dev/sdc if it is the "
		       "only one");
}

static void btrfs_mount_is_refused(void **state)
{
	(void)state;
	assert_refused("/mnt/btrfs/sub", -EMLINK, "/mnt/btrfs/sub: on "
		       "/mnt/btrfs, a btrfs filesystem, which may span several "
		       "devices; use 'btrfs subvolume snapshot', or name its "
		       "block device if it has only one");
}

static void network_filesystems_are_refused(void **state)
{
	(void)state;
	assert_refused("/mnt/nfs/x", -EREMOTE, "/mnt/nfs/x: on /mnt/nfs, a "
		       "network filesystem (nfs4); snapshot it on the machine "
		       "whose disk holds it");
	assert_refused("/mnt/cifs", -EREMOTE, "/mnt/cifs: a network "
		       "filesystem (cifs); snapshot it on the machine whose "
		       "disk holds it");
	/* FUSE, but over the network. */
	assert_int_equal(resolve("/mnt/sshfs"), -EREMOTE);
}

static void virtual_filesystems_are_refused(void **state)
{
	(void)state;
	assert_refused("/tmp/x", -ENOTBLK, "/tmp/x: on /tmp, a virtual "
		       "filesystem (tmpfs) with no block device of its own; "
		       "give a path on a disk filesystem");
	assert_refused("/mnt/overlay", -ENOTBLK, "/mnt/overlay: a virtual "
		       "filesystem (overlay) with no block device of its own; "
		       "give a path on a disk filesystem");
	assert_int_equal(resolve("/proc"), -ENOTBLK);
}

static void fuse_filesystem_is_refused(void **state)
{
	(void)state;
	assert_refused("/mnt/fuse", -EOPNOTSUPP, "/mnt/fuse: a FUSE filesystem "
		       "(fuse.bindfs) that the kernel cannot freeze; name the "
		       "block device under it, if it has one");
}

static void filesystem_without_a_block_device_is_refused(void **state)
{
	(void)state;
	assert_refused("/mnt/zfs", -ENOTBLK, "/mnt/zfs: a zfs filesystem, "
		       "which has no block device; give a path on a disk "
		       "filesystem");
}

static void missing_path_is_refused(void **state)
{
	(void)state;
	assert_refused("/nonexistent", -ENOENT, "/nonexistent: no such file or "
		       "device; give a mount point, a block device or a "
		       "UUID=/LABEL= tag ('lsblk -f' lists them)");
	assert_int_equal(resolve(""), -EINVAL);
}

static void character_device_is_not_a_block_device(void **state)
{
	(void)state;
	assert_refused("/dev/null", -ENOTBLK, "/dev/null: not a block device; "
		       "give a block device path such as /dev/sdb1");
}

static void table_without_a_root_mount_holds_nothing(void **state)
{
	(void)state;
	assert_int_equal(resolve_in(FIXTURES_DIR "/mountinfo-chroot",
				    "/srv/data"), -ENOENT);
	assert_string_equal(r.error, "/srv/data: in no filesystem that "
			    FIXTURES_DIR "/mountinfo-chroot lists; mount it, "
			    "or give its block device");
}

static void unreadable_mount_table_is_reported(void **state)
{
	(void)state;
	assert_int_not_equal(resolve_in(FIXTURES_DIR "/none", "/srv/data"), 0);
	assert_non_null(strstr(r.error, FIXTURES_DIR "/none: cannot read the "
			       "mount table: "));
	assert_int_not_equal(resolve_in(FIXTURES_DIR "/mountinfo-garbage",
					"/srv/data"), 0);
}

static void targets_on_one_device_are_one_device(void **state)
{
	char *args[] = { "/srv/data", "/export", "/dev/sdb1", "/srv/data/nested",
			 "UUID=0b6a-data", "8:17" };
	struct target all[6];
	size_t n;

	(void)state;
	fake_host_init(&host, MOUNTINFO, sysfs, &tables);
	target_resolver_init(&r, &host);
	assert_int_equal(target_resolve_all(&r, args, 6, all, &n), 0);
	target_resolver_free(&r);
	assert_int_equal(n, 2);
	assert_string_equal(all[0].arg, "/srv/data");
	assert_int_equal(all[0].dev, makedev(8, 17));
	assert_string_equal(all[1].arg, "/srv/data/nested");
	assert_int_equal(all[1].dev, makedev(254, 1));
}

static void first_refused_target_stops_the_list(void **state)
{
	char *args[] = { "/srv/data", "/tmp", "/export" };
	struct target all[3];
	size_t n;

	(void)state;
	fake_host_init(&host, MOUNTINFO, sysfs, &tables);
	target_resolver_init(&r, &host);
	assert_int_equal(target_resolve_all(&r, args, 3, all, &n), -ENOTBLK);
	target_resolver_free(&r);
	assert_non_null(strstr(r.error, "/tmp: a virtual filesystem (tmpfs)"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(mount_point_resolves_to_its_device),
		cmocka_unit_test(path_inside_a_mount_resolves_to_the_mount_holding_it),
		cmocka_unit_test(mount_point_prefix_of_a_name_does_not_hold_it),
		cmocka_unit_test(nested_mount_holds_what_is_below_it),
		cmocka_unit_test(bind_mount_resolves_to_its_source_device),
		cmocka_unit_test(escaped_space_in_a_mount_point_matches),
		cmocka_unit_test(loop_mount_resolves_to_the_loop_device),
		cmocka_unit_test(mount_hidden_under_a_later_mount_never_answers),
		cmocka_unit_test(symlink_resolves_where_it_points),
		cmocka_unit_test(source_that_is_no_device_is_named_from_sysfs),
		cmocka_unit_test(device_paths_and_numbers_are_taken_as_given),
		cmocka_unit_test(tags_resolve_through_blkid),
		cmocka_unit_test(unknown_tag_is_refused_naming_it),
		cmocka_unit_test(btrfs_filesystem_tag_is_refused),
		cmocka_unit_test(btrfs_mount_is_refused),
		cmocka_unit_test(network_filesystems_are_refused),
		cmocka_unit_test(virtual_filesystems_are_refused),
		cmocka_unit_test(fuse_filesystem_is_refused),
		cmocka_unit_test(filesystem_without_a_block_device_is_refused),
		cmocka_unit_test(missing_path_is_refused),
		cmocka_unit_test(character_device_is_not_a_block_device),
		cmocka_unit_test(table_without_a_root_mount_holds_nothing),
		cmocka_unit_test(unreadable_mount_table_is_reported),
		cmocka_unit_test(targets_on_one_device_are_one_device),
		cmocka_unit_test(first_refused_target_stops_the_list),
	};

	return cmocka_run_group_tests_name("target", tests, setup, teardown);
}
