// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Keeping the difference storage off the devices a snapshot intercepts:
 * the walk down dm/md slaves, loop backing files and partitions of a
 * sysfs tree made here, with the mounts of fixtures/mountinfo-storage;
 * and the one exception, the snapshotted ext4 or xfs filesystem itself,
 * on the one-disk machines of fixtures/mountinfo-onedisk*.
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
#include "target/layers.h"
#include "target/storage.h"

#define MOUNTINFO	FIXTURES_DIR "/mountinfo-storage"
#define ONEDISK		FIXTURES_DIR "/mountinfo-onedisk"
#define ONEDISK_BTRFS	FIXTURES_DIR "/mountinfo-onedisk-btrfs"
#define PCI		"devices/pci0000:00"
#define VIRT		"devices/virtual/block"

static const struct fake_node nodes[] = {
	{ "/", S_IFDIR, 0, 0, NULL },
	{ "/tmp", S_IFDIR, 0, 0, NULL },
	{ "/srv/a", S_IFDIR, 0, 0, NULL },
	{ "/srv/a/diff", S_IFDIR, 0, 0, NULL },
	{ "/srv/a/disk.img", S_IFREG, 0, 0, NULL },
	{ "/srv/lv/diff", S_IFDIR, 0, 0, NULL },
	{ "/srv/raid", S_IFDIR, 0, 0, NULL },
	{ "/srv/loop/diff", S_IFDIR, 0, 0, NULL },
	{ "/srv/loop-deleted", S_IFDIR, 0, 0, NULL },
	{ "/srv/c", S_IFDIR, 0, 0, NULL },
	{ "/srv/btrfs/diff", S_IFDIR, 0, 0, NULL },
	{ "/var/tmp", S_IFDIR, 0, 0, NULL },
	{ "/var/lib/blksnap", S_IFDIR, 0, 0, NULL },
	{ "/srv/ro", S_IFDIR, 0, 0, NULL },
	{ "/mnt/nfs", S_IFDIR, 0, 0, NULL },
	{ "/etc/passwd", S_IFREG, 0, 0, NULL },
	{ "/home", S_IFDIR, 0, 0, NULL },
	{ "/dev/shm", S_IFDIR, 0, 0, NULL },
	{ "/boot/efi", S_IFDIR, 0, 0, NULL },
	{ "/dev/vda1", S_IFBLK, 253, 1, NULL },
	{ "/dev/vdb", S_IFBLK, 253, 16, NULL },
	{ "/dev/vdd", S_IFBLK, 253, 48, NULL },
	{ NULL, 0, 0, 0, NULL },
};

#define MiB	(1ULL << 20)
#define GiB	(1ULL << 30)

/* Free space and write access of the directories that have them. */
static const struct fake_space spaces[] = {
	{ "/", 10 * GiB, true },
	{ "/var/tmp", 10 * GiB, true },
	{ "/var/lib/blksnap", 50 * GiB, true },
	{ "/tmp", 2 * GiB, true },
	{ "/srv/a", 5 * GiB, true },
	{ "/srv/a/diff", 5 * GiB, true },
	{ "/srv/lv/diff", 3 * GiB, true },
	{ "/srv/c", 20 * GiB, true },
	{ "/srv/ro", 90 * GiB, true },
	{ "/mnt/nfs", 90 * GiB, true },
	{ "/home", 8 * GiB, true },
	{ "/dev/shm", 4 * GiB, true },
	{ "/boot/efi", 500 * MiB, true },
	{ NULL, 0, false },
};

/* The same, with nothing writable but the disks of / and /var/lib/blksnap. */
static const struct fake_space few_spaces[] = {
	{ "/", 10 * GiB, true },
	{ "/var/tmp", 10 * GiB, true },
	{ "/var/lib/blksnap", 50 * GiB, true },
	{ "/tmp", 2 * GiB, false },
	{ NULL, 0, false },
};

static const struct fake_host_tables tables = { nodes, NULL, spaces };
static const struct fake_host_tables few_tables = { nodes, NULL, few_spaces };

/* The sysfs tree: "path" holding "text", or "path -> link target". */
static const char *const tree[][2] = {
	{ PCI "/vda/dev", "253:0" },
	{ PCI "/vda/vda1/dev", "253:1" },
	{ PCI "/vda/vda1/partition", "1" },
	{ PCI "/vda/vda2/dev", "253:2" },
	{ PCI "/vda/vda2/partition", "2" },
	{ PCI "/vda/vda15/dev", "253:15" },
	{ PCI "/vda/vda15/partition", "15" },
	{ PCI "/vdb/dev", "253:16" },
	{ PCI "/vdb/vdb1/dev", "253:17" },
	{ PCI "/vdb/vdb1/partition", "1" },
	{ PCI "/vdb/vdb2/dev", "253:18" },
	{ PCI "/vdb/vdb2/partition", "2" },
	{ PCI "/vdc/dev", "253:32" },
	{ PCI "/vdc/vdc1/dev", "253:33" },
	{ PCI "/vdc/vdc1/partition", "1" },
	{ PCI "/vdd/dev", "253:48" },
	{ PCI "/vde/dev", "253:64" },
	{ PCI "/vdf/dev", "253:80" },
	{ VIRT "/dm-0/dev", "254:0" },
	{ VIRT "/dm-0/slaves/vdb2", "-> ../../../../pci0000:00/vdb/vdb2" },
	{ VIRT "/md0/dev", "9:0" },
	{ VIRT "/md0/slaves/vdc1", "-> ../../../../pci0000:00/vdc/vdc1" },
	{ VIRT "/md0/slaves/vdb1", "-> ../../../../pci0000:00/vdb/vdb1" },
	{ VIRT "/dm-1/dev", "254:1" },
	{ VIRT "/dm-1/slaves/md0", "-> ../../md0" },
	{ VIRT "/loop0/dev", "7:0" },
	{ VIRT "/loop0/loop/backing_file", "/srv/a/disk.img" },
	{ VIRT "/loop1/dev", "7:1" },
	{ VIRT "/loop1/loop/backing_file", "/srv/a/gone.img (deleted)" },
	{ "dev/block/253:0", "-> ../../" PCI "/vda" },
	{ "dev/block/253:1", "-> ../../" PCI "/vda/vda1" },
	{ "dev/block/253:2", "-> ../../" PCI "/vda/vda2" },
	{ "dev/block/253:15", "-> ../../" PCI "/vda/vda15" },
	{ "dev/block/253:16", "-> ../../" PCI "/vdb" },
	{ "dev/block/253:17", "-> ../../" PCI "/vdb/vdb1" },
	{ "dev/block/253:18", "-> ../../" PCI "/vdb/vdb2" },
	{ "dev/block/253:32", "-> ../../" PCI "/vdc" },
	{ "dev/block/253:33", "-> ../../" PCI "/vdc/vdc1" },
	{ "dev/block/253:48", "-> ../../" PCI "/vdd" },
	{ "dev/block/253:64", "-> ../../" PCI "/vde" },
	{ "dev/block/253:80", "-> ../../" PCI "/vdf" },
	{ "dev/block/254:0", "-> ../../" VIRT "/dm-0" },
	{ "dev/block/254:1", "-> ../../" VIRT "/dm-1" },
	{ "dev/block/9:0", "-> ../../" VIRT "/md0" },
	{ "dev/block/7:0", "-> ../../" VIRT "/loop0" },
	{ "dev/block/7:1", "-> ../../" VIRT "/loop1" },
};

static char sysfs[] = "/tmp/blksnap-test-sysfs-XXXXXX";

static int mkdirs(char *path)
{
	char *p;

	for (p = strchr(path + 1, '/'); p; p = strchr(p + 1, '/')) {
		*p = '\0';
		if (mkdir(path, 0755) && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return 0;
}

static int setup(void **state)
{
	char path[512];
	size_t i;
	FILE *f;

	(void)state;
	if (!mkdtemp(sysfs))
		return -1;
	for (i = 0; i < sizeof(tree) / sizeof(tree[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", sysfs, tree[i][0]);
		if (mkdirs(path))
			return -1;
		if (!strncmp(tree[i][1], "-> ", 3)) {
			if (symlink(tree[i][1] + 3, path))
				return -1;
			continue;
		}
		f = fopen(path, "w");
		if (!f)
			return -1;
		fprintf(f, "%s\n", tree[i][1]);
		fclose(f);
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return scratch_tree_remove(sysfs);
}

static struct host host;
static struct target_resolver r;
/* storage_check()'s directory on the snapshotted filesystem. */
static struct storage_choice same;

/* Where @path stores and whether @owners allow it: storage_check()'s. */
static int check(const char *path, const struct storage_owner *owners,
		 size_t n)
{
	dev_t dev;
	int ret;

	memset(&same, 0, sizeof(same));
	fake_host_init(&host, MOUNTINFO, sysfs, &tables);
	target_resolver_init(&r, &host);
	ret = storage_device(&r, path, &dev);
	if (ret == 0)
		ret = storage_check(&r, path, dev, owners, n, &same);
	target_resolver_free(&r);
	return ret;
}

#define OWNERS(...)	(const struct storage_owner[]){ __VA_ARGS__ }
#define MINE(maj, min)	{ makedev(maj, min), NULL }

static void assert_refused(const char *path, const struct storage_owner *o,
			   size_t n, const char *message)
{
	assert_int_equal(check(path, o, n), -ELOOP);
	assert_string_equal(r.error, message);
}

static void whole_disk_of_a_partition_is_its_disk(void **state)
{
	(void)state;
	fake_host_init(&host, MOUNTINFO, sysfs, &tables);
	assert_int_equal(layers_whole_disk(&host, makedev(253, 17)),
			 makedev(253, 16));
	assert_int_equal(layers_whole_disk(&host, makedev(253, 16)),
			 makedev(253, 16));
	assert_int_equal(layers_whole_disk(&host, makedev(254, 0)),
			 makedev(254, 0));
	/* Not in sysfs at all: itself. */
	assert_int_equal(layers_whole_disk(&host, makedev(8, 1)),
			 makedev(8, 1));
}

static void storage_in_the_snapshotted_ext4_or_xfs_is_a_directory_there(void **state)
{
	(void)state;
	assert_int_equal(check("/srv/a/diff", OWNERS(MINE(253, 17)), 1), 1);
	assert_string_equal(same.path, "/srv/a/diff");
	assert_string_equal(same.where, "ext4 on /dev/vdb1");
	assert_int_equal(same.free_bytes, 5 * GiB);
	assert_true(same.same_fs);
	/* xfs on an LV that is itself the snapshot's device. */
	assert_int_equal(check("/srv/lv/diff", OWNERS(MINE(254, 0)), 1), 1);
	assert_string_equal(same.where, "xfs on /dev/dm-0");
}

static void storage_to_be_made_in_the_snapshotted_fs_is_its_directory(void **state)
{
	(void)state;
	/* Nothing is made there: the directory, not a named file. */
	assert_int_equal(check("/srv/a/new.img", OWNERS(MINE(253, 17)), 1), 1);
	assert_string_equal(same.path, "/srv/a");
	assert_int_equal(same.free_bytes, 5 * GiB);
}

static void named_file_in_the_snapshotted_fs_is_refused(void **state)
{
	(void)state;
	assert_refused("/srv/a/disk.img", OWNERS(MINE(253, 17)), 1,
		       "/srv/a/disk.img: a named file on the snapshotted "
		       "filesystem cannot be pinned; give a directory on it, "
		       "e.g. /srv/a");
}

static void storage_in_a_snapshotted_btrfs_is_refused(void **state)
{
	(void)state;
	assert_refused("/srv/btrfs/diff", OWNERS(MINE(253, 48)), 1,
		       "/srv/btrfs/diff: btrfs on /dev/vdd, the snapshotted "
		       "filesystem: only ext4 and xfs can hold the difference "
		       "storage of their own snapshot; put --storage on another "
		       "disk");
}

static void snapshot_device_itself_as_storage_is_refused(void **state)
{
	(void)state;
	assert_refused("/dev/vdb", OWNERS(MINE(253, 16)), 1,
		       "/dev/vdb: is on /dev/vdb, a device of this snapshot; "
		       "put --storage on another disk");
}

static void storage_on_lvm_over_a_device_of_the_snapshot_is_refused(void **state)
{
	(void)state;
	assert_refused("/srv/lv/diff", OWNERS(MINE(253, 1), MINE(253, 18)), 2,
		       "/srv/lv/diff: is on /dev/dm-0, over /dev/vdb2, a device "
		       "of this snapshot; put --storage on another disk");
}

static void stacks_are_walked_down_every_slave(void **state)
{
	(void)state;
	/* dm-1 over md0 over vdc1 and vdb1: vdb1 is found, whatever order. */
	assert_refused("/srv/raid", OWNERS(MINE(253, 17)), 1,
		       "/srv/raid: is on /dev/dm-1, over /dev/md0, over "
		       "/dev/vdb1, a device of this snapshot; put --storage on "
		       "another disk");
}

static void storage_on_a_partition_of_a_snapshot_disk_is_refused(void **state)
{
	(void)state;
	assert_refused("/srv/a", OWNERS(MINE(253, 16)), 1,
		       "/srv/a: is on /dev/vdb1, a partition of /dev/vdb, a "
		       "device of this snapshot; put --storage on another disk");
}

static void storage_on_the_disk_of_a_snapshot_partition_is_refused(void **state)
{
	(void)state;
	assert_refused("/dev/vdb", OWNERS(MINE(253, 18)), 1,
		       "/dev/vdb: is on /dev/vdb, which holds /dev/vdb2, a "
		       "device of this snapshot; put --storage on another disk");
}

static void storage_on_a_loop_device_backed_there_is_refused(void **state)
{
	(void)state;
	assert_refused("/srv/loop/diff", OWNERS(MINE(253, 17)), 1,
		       "/srv/loop/diff: is on /dev/loop0, whose backing file "
		       "/srv/a/disk.img is on /dev/vdb1, a device of this "
		       "snapshot; put --storage on another disk");
	/* A backing file unlinked since still sits where it was. */
	assert_int_equal(check("/srv/loop-deleted", OWNERS(MINE(253, 17)), 1),
			 -ELOOP);
	assert_non_null(strstr(r.error, "whose backing file /srv/a/gone.img is "
			       "on /dev/vdb1, "));
}

static void storage_on_a_device_of_another_snapshot_is_refused(void **state)
{
	static const char id[] = "6f1c2f0e-5b7d-4c1e-9a7b-2d0c4c8e1f3a";

	(void)state;
	assert_refused("/srv/c", OWNERS(MINE(253, 17), { makedev(253, 33), id }),
		       2, "/srv/c: is on /dev/vdc1, a device of snapshot "
		       "6f1c2f0e-5b7d-4c1e-9a7b-2d0c4c8e1f3a; put --storage on "
		       "another disk, or destroy that snapshot first");
}

static void storage_beside_the_snapshot_devices_is_allowed(void **state)
{
	(void)state;
	/* vdb1 and vdb2 share a disk, not sectors. */
	assert_int_equal(check("/srv/a/diff", OWNERS(MINE(253, 18)), 1), 0);
	assert_int_equal(check("/srv/raid", OWNERS(MINE(253, 1), MINE(253, 18)),
			       2), 0);
	assert_int_equal(check("/srv/lv/diff", NULL, 0), 0);
}

static void file_storage_to_be_made_is_placed_by_its_directory(void **state)
{
	(void)state;
	assert_int_equal(check("/srv/a/new.img", OWNERS(MINE(253, 16)), 1),
			 -ELOOP);
	assert_non_null(strstr(r.error, "/srv/a/new.img: is on /dev/vdb1, "));
}

static void storage_on_tmpfs_is_on_no_device(void **state)
{
	dev_t dev;

	(void)state;
	fake_host_init(&host, MOUNTINFO, sysfs, &tables);
	target_resolver_init(&r, &host);
	assert_int_equal(storage_device(&r, "/tmp", &dev), 1);
	target_resolver_free(&r);
}

static void storage_on_btrfs_is_on_its_source_device(void **state)
{
	dev_t dev = 0;

	(void)state;
	fake_host_init(&host, MOUNTINFO, sysfs, &tables);
	target_resolver_init(&r, &host);
	assert_int_equal(storage_device(&r, "/srv/btrfs/diff", &dev), 0);
	target_resolver_free(&r);
	assert_int_equal(dev, makedev(253, 48));
}

static void storage_that_cannot_be_placed_is_reported(void **state)
{
	dev_t dev;

	(void)state;
	fake_host_init(&host, MOUNTINFO, sysfs, &tables);
	target_resolver_init(&r, &host);
	/* Neither it nor its directory exists. */
	assert_int_equal(storage_device(&r, "/nowhere/x", &dev), -ENOENT);
	target_resolver_free(&r);
	assert_string_equal(r.error, "/nowhere/x: cannot use as difference "
			    "storage: No such file or directory; give another "
			    "--storage");
}

/* Whether a backup to @path is off the devices @set backs up. */
static int check_dest(const char *path, const dev_t *set, size_t n)
{
	dev_t dev;
	int ret;

	fake_host_init(&host, MOUNTINFO, sysfs, &tables);
	target_resolver_init(&r, &host);
	ret = storage_device(&r, path, &dev);
	if (ret == 0)
		ret = storage_dest_check(&r, path, dev, set, n);
	target_resolver_free(&r);
	return ret;
}

#define DEVS(...)	(const dev_t[]){ __VA_ARGS__ }

static void backup_onto_a_device_it_backs_up_is_refused(void **state)
{
	(void)state;
	/* An image file on the filesystem of the target itself. */
	assert_int_equal(check_dest("/srv/a/b.img", DEVS(makedev(253, 17)), 1),
			 -ELOOP);
	assert_string_equal(r.error, "/srv/a/b.img: is on /dev/vdb1, a device "
			    "being backed up; put the backup on another disk");
	/* The whole disk of a target partition. */
	assert_int_equal(check_dest("/dev/vdb", DEVS(makedev(253, 18)), 1),
			 -ELOOP);
	assert_string_equal(r.error, "/dev/vdb: is on /dev/vdb, which holds "
			    "/dev/vdb2, a device being backed up; put the backup "
			    "on another disk");
	/* A file on a partition of a target whole disk. */
	assert_int_equal(check_dest("/srv/a/b.img", DEVS(makedev(253, 16)), 1),
			 -ELOOP);
	assert_non_null(strstr(r.error, "a partition of /dev/vdb, a device being "
			       "backed up"));
	/* A file on an LV over the target. */
	assert_int_equal(check_dest("/srv/lv/diff/b.img", DEVS(makedev(253, 18)), 1),
			 -ELOOP);
	assert_string_equal(r.error, "/srv/lv/diff/b.img: is on /dev/dm-0, over "
			    "/dev/vdb2, a device being backed up; put the backup "
			    "on another disk");
	/* A file on a loop device whose backing file is on the target. */
	assert_int_equal(check_dest("/srv/loop/diff/b.img", DEVS(makedev(253, 17)), 1),
			 -ELOOP);
	assert_non_null(strstr(r.error, "whose backing file /srv/a/disk.img is "
			       "on /dev/vdb1, a device being backed up"));
	/* The disk an LV being backed up sits on, the other way round. */
	assert_int_equal(check_dest("/dev/vdb", DEVS(makedev(254, 0)), 1),
			 -ELOOP);
	assert_string_equal(r.error, "/dev/vdb: is on /dev/vdb, under a device "
			    "being backed up (/dev/dm-0, over /dev/vdb2, a "
			    "partition of /dev/vdb); put the backup on another "
			    "disk");
}

static void backup_beside_the_devices_it_backs_up_is_allowed(void **state)
{
	(void)state;
	/* vdb1 and vdb2 share a disk, not sectors. */
	assert_int_equal(check_dest("/srv/a/b.img", DEVS(makedev(253, 18)), 1), 0);
	assert_int_equal(check_dest("/dev/vdd", DEVS(makedev(253, 17),
						     makedev(254, 1)), 2), 0);
	assert_int_equal(check_dest("/var/lib/blksnap/b.img",
				    DEVS(makedev(253, 1), makedev(254, 0)), 2), 0);
}

static const char *const defaults[] = {
	"/var/tmp", "/var/lib/blksnap", "/tmp", NULL,
};

static struct storage_choice choice;

/* storage_choose() on the machine of @mountinfo and @t. */
static int choose_on(const char *mountinfo, const struct fake_host_tables *t,
		     const char *const *candidates, size_t named,
		     const struct storage_owner *owners, size_t n)
{
	int ret;

	memset(&choice, 0, sizeof(choice));
	fake_host_init(&host, mountinfo, sysfs, t);
	target_resolver_init(&r, &host);
	ret = storage_choose(&r, candidates, named, owners, n, &choice);
	target_resolver_free(&r);
	return ret;
}

static int choose(const char *const *candidates,
		  const struct storage_owner *owners, size_t n)
{
	return choose_on(MOUNTINFO, &tables, candidates, 0, owners, n);
}

static void assert_chosen(const char *path, uint64_t free_bytes,
			  const char *where)
{
	assert_string_equal(choice.path, path);
	assert_int_equal(choice.free_bytes, free_bytes);
	assert_string_equal(choice.where, where);
}

static void default_storage_is_the_candidate_with_most_free_space(void **state)
{
	(void)state;
	assert_int_equal(choose(defaults, OWNERS(MINE(253, 17)), 1), 0);
	assert_chosen("/var/lib/blksnap", 50 * GiB, "ext4 on /dev/vde");
	assert_false(choice.tmpfs);
	assert_false(choice.same_fs);
}

static void default_storage_skips_the_snapshot_devices(void **state)
{
	(void)state;
	assert_int_equal(choose(defaults, OWNERS(MINE(253, 17), MINE(253, 64)),
				2), 0);
	assert_chosen("/var/tmp", 10 * GiB, "ext4 on /dev/vda1");
	assert_false(choice.same_fs);
	/* Another snapshot's device is skipped the same way. */
	assert_int_equal(choose(defaults, OWNERS({ makedev(253, 64), "id" }), 1),
			 0);
	assert_chosen("/var/tmp", 10 * GiB, "ext4 on /dev/vda1");
}

static void default_storage_never_falls_back_to_tmpfs(void **state)
{
	(void)state;
	/* Every disk is the snapshot's: its own filesystem, never memory. */
	assert_int_equal(choose(defaults, OWNERS(MINE(253, 1), MINE(253, 64)),
				2), 0);
	assert_chosen("/var/tmp", 10 * GiB, "ext4 on /dev/vda1");
	assert_true(choice.same_fs);
	assert_false(choice.tmpfs);
}

static void default_storage_of_equals_is_the_first(void **state)
{
	static const char *const dirs[] = { "/", "/var/tmp", NULL };

	(void)state;
	assert_int_equal(choose(dirs, NULL, 0), 0);
	assert_chosen("/", 10 * GiB, "ext4 on /dev/vda1");
}

static void unusable_candidates_say_why_and_name_a_storage_that_works(void **state)
{
	static const char *const dirs[] = {
		"/srv/ro", "/mnt/nfs", "/var/tmp", "/nonexistent", "/etc/passwd",
		"/tmp", NULL,
	};

	(void)state;
	assert_int_equal(choose(dirs, OWNERS(MINE(253, 0)), 1), -ENOSPC);
	assert_string_equal(r.error, "no place for the difference storage "
			    "(/srv/ro: read-only; /mnt/nfs: on nfs4, not a local "
			    "disk filesystem; /var/tmp: on /dev/vda1, a partition "
			    "of /dev/vda, a device of this snapshot; /nonexistent: "
			    "missing; /etc/passwd: not a directory; /tmp: tmpfs, "
			    "memory: used only when named); give --storage "
			    "/var/lib/blksnap (ext4 on /dev/vde, 50G free)");
}

static void no_place_at_all_says_to_attach_a_disk(void **state)
{
	(void)state;
	assert_int_equal(choose_on(MOUNTINFO, &few_tables, defaults, 0,
				   OWNERS(MINE(253, 0), { makedev(253, 64), "id" }),
				   2), -ENOSPC);
	assert_string_equal(r.error, "no place for the difference storage "
			    "(/var/tmp: on /dev/vda1, a partition of /dev/vda, a "
			    "device of this snapshot; /var/lib/blksnap: on "
			    "/dev/vde, a device of snapshot id; /tmp: not "
			    "writable: Read-only file system); attach another disk "
			    "and give --storage on it, a directory or a spare "
			    "block device");
}

static void one_disk_machine_keeps_the_storage_in_the_snapshotted_fs(void **state)
{
	(void)state;
	/* All candidates on the snapshot's ext4: the first, not the roomiest. */
	assert_int_equal(choose_on(ONEDISK, &tables, defaults, 0,
				   OWNERS(MINE(253, 1)), 1), 0);
	assert_chosen("/var/tmp", 10 * GiB, "ext4 on /dev/vda1");
	assert_true(choice.same_fs);
}

static void tmpfs_tmp_is_not_chosen_before_the_snapshotted_fs(void **state)
{
	static const char *const dirs[] = { "/tmp", "/var/tmp", NULL };

	(void)state;
	assert_int_equal(choose_on(ONEDISK, &tables, dirs, 0,
				   OWNERS(MINE(253, 1)), 1), 0);
	assert_chosen("/var/tmp", 10 * GiB, "ext4 on /dev/vda1");
	assert_true(choice.same_fs);
	assert_false(choice.tmpfs);
}

static void tmpfs_named_in_the_configuration_is_chosen(void **state)
{
	static const char *const dirs[] = {
		"/dev/shm", "/var/tmp", "/var/lib/blksnap", "/tmp", NULL,
	};

	(void)state;
	assert_int_equal(choose_on(ONEDISK, &tables, dirs, 1,
				   OWNERS(MINE(253, 1)), 1), 0);
	assert_chosen("/dev/shm", 4 * GiB, "tmpfs");
	assert_true(choice.tmpfs);
	assert_false(choice.same_fs);
}

static void no_candidate_there_takes_the_mount_point_of_a_target(void **state)
{
	static const char *const dirs[] = { "/tmp", "/boot/efi", NULL };

	(void)state;
	/*
	 * 'snapshot create /home /': /boot/efi is off the snapshot but vfat,
	 * /tmp memory; the first target's filesystem is xfs.
	 */
	assert_int_equal(choose_on(ONEDISK, &tables, dirs, 0,
				   OWNERS(MINE(253, 2), MINE(253, 1)), 2), 0);
	assert_chosen("/home", 8 * GiB, "xfs on /dev/vda2");
	assert_true(choice.same_fs);
}

static void boot_partition_is_never_chosen_nor_suggested(void **state)
{
	static const char *const dirs[] = { "/boot/efi", "/var/tmp", "/tmp", NULL };

	(void)state;
	/* A btrfs one-disk machine: /boot/efi is the only other disk fs. */
	assert_int_equal(choose_on(ONEDISK_BTRFS, &tables, dirs, 0,
				   OWNERS(MINE(253, 1)), 1), -ENOSPC);
	assert_string_equal(r.error, "no place for the difference storage "
			    "(/boot/efi: a boot partition (vfat); /var/tmp: btrfs "
			    "on /dev/vda1, the snapshotted filesystem: only ext4 "
			    "and xfs can hold the difference storage of their own "
			    "snapshot; /tmp: tmpfs, memory: used only when named); "
			    "attach another disk and give --storage on it, a "
			    "directory or a spare block device; or, to keep the "
			    "copies in memory, --storage /dev/shm (tmpfs, 4G of "
			    "memory free) with a --limit memory can spare");
}

/* storage_same_fs_limit() of @limit on a filesystem with @free_bytes. */
static int same_fs_limit(uint64_t free_bytes, uint64_t *limit)
{
	struct storage_choice c = {
		.path = "/var/tmp", .free_bytes = free_bytes, .same_fs = true,
		.where = "ext4 on /dev/vda1",
	};
	int ret;

	fake_host_init(&host, ONEDISK, sysfs, &tables);
	target_resolver_init(&r, &host);
	ret = storage_same_fs_limit(&r, &c, limit);
	target_resolver_free(&r);
	return ret;
}

static void same_fs_limit_is_1G_or_half_the_free_space_in_MiB(void **state)
{
	uint64_t limit;

	(void)state;
	limit = 0;
	assert_int_equal(same_fs_limit(10 * GiB, &limit), 0);
	assert_int_equal(limit, GiB);
	limit = 0;
	assert_int_equal(same_fs_limit(GiB + 512 * MiB, &limit), 0);
	assert_int_equal(limit, 768 * MiB);
	limit = 0;
	assert_int_equal(same_fs_limit(100 * MiB + 12345, &limit), 0);
	assert_int_equal(limit, 50 * MiB);
	/* A limit given and within the free space is kept. */
	limit = 5 * GiB;
	assert_int_equal(same_fs_limit(5 * GiB, &limit), 0);
	assert_int_equal(limit, 5 * GiB);
}

static void same_fs_limit_beyond_the_free_space_is_refused(void **state)
{
	uint64_t limit = 6 * GiB;

	(void)state;
	assert_int_equal(same_fs_limit(5 * GiB + 512 * MiB, &limit), -ENOSPC);
	assert_string_equal(r.error, "/var/tmp: --limit 6G is more than the "
			    "5.5G free on the snapshotted filesystem (ext4 on "
			    "/dev/vda1), where the difference storage may "
			    "grow to it; give a smaller --limit or "
			    "--storage on another disk");
}

static void same_fs_with_less_than_64M_free_is_refused(void **state)
{
	uint64_t limit = 0;

	(void)state;
	assert_int_equal(same_fs_limit(63 * MiB, &limit), -ENOSPC);
	assert_string_equal(r.error, "/var/tmp: only 63M free on the "
			    "snapshotted filesystem (ext4 on /dev/vda1), less "
			    "than the 64M the difference storage needs there; "
			    "free some space or put --storage on another disk");
	limit = 32 * MiB;
	assert_int_equal(same_fs_limit(63 * MiB, &limit), -ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(whole_disk_of_a_partition_is_its_disk),
		cmocka_unit_test(storage_in_the_snapshotted_ext4_or_xfs_is_a_directory_there),
		cmocka_unit_test(storage_to_be_made_in_the_snapshotted_fs_is_its_directory),
		cmocka_unit_test(named_file_in_the_snapshotted_fs_is_refused),
		cmocka_unit_test(storage_in_a_snapshotted_btrfs_is_refused),
		cmocka_unit_test(snapshot_device_itself_as_storage_is_refused),
		cmocka_unit_test(storage_on_lvm_over_a_device_of_the_snapshot_is_refused),
		cmocka_unit_test(stacks_are_walked_down_every_slave),
		cmocka_unit_test(storage_on_a_partition_of_a_snapshot_disk_is_refused),
		cmocka_unit_test(storage_on_the_disk_of_a_snapshot_partition_is_refused),
		cmocka_unit_test(storage_on_a_loop_device_backed_there_is_refused),
		cmocka_unit_test(storage_on_a_device_of_another_snapshot_is_refused),
		cmocka_unit_test(storage_beside_the_snapshot_devices_is_allowed),
		cmocka_unit_test(file_storage_to_be_made_is_placed_by_its_directory),
		cmocka_unit_test(storage_on_tmpfs_is_on_no_device),
		cmocka_unit_test(storage_on_btrfs_is_on_its_source_device),
		cmocka_unit_test(storage_that_cannot_be_placed_is_reported),
		cmocka_unit_test(backup_onto_a_device_it_backs_up_is_refused),
		cmocka_unit_test(backup_beside_the_devices_it_backs_up_is_allowed),
		cmocka_unit_test(default_storage_is_the_candidate_with_most_free_space),
		cmocka_unit_test(default_storage_skips_the_snapshot_devices),
		cmocka_unit_test(default_storage_never_falls_back_to_tmpfs),
		cmocka_unit_test(default_storage_of_equals_is_the_first),
		cmocka_unit_test(unusable_candidates_say_why_and_name_a_storage_that_works),
		cmocka_unit_test(no_place_at_all_says_to_attach_a_disk),
		cmocka_unit_test(one_disk_machine_keeps_the_storage_in_the_snapshotted_fs),
		cmocka_unit_test(tmpfs_tmp_is_not_chosen_before_the_snapshotted_fs),
		cmocka_unit_test(tmpfs_named_in_the_configuration_is_chosen),
		cmocka_unit_test(no_candidate_there_takes_the_mount_point_of_a_target),
		cmocka_unit_test(boot_partition_is_never_chosen_nor_suggested),
		cmocka_unit_test(same_fs_limit_is_1G_or_half_the_free_space_in_MiB),
		cmocka_unit_test(same_fs_limit_beyond_the_free_space_is_refused),
		cmocka_unit_test(same_fs_with_less_than_64M_free_is_refused),
	};

	return cmocka_run_group_tests_name("storage", tests, setup, teardown);
}
