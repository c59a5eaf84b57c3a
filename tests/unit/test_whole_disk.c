// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * whole_disk_mounted_partition(): a whole disk's mounted partitions, from a
 * sysfs tree made here and the fixture mount table (sdb1, 8:17, is
 * mounted at /srv/data).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include "fake_host.h"
#include "scratch_tree.h"
#include "target/mounts.h"
#include "target/whole_disk.h"

#define MOUNTINFO FIXTURES_DIR "/mountinfo"

static char sysfs[] = "/tmp/blksnap-test-wd-XXXXXX";

static int put(const char *rel, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", sysfs, rel);
	if (text) {
		f = fopen(path, "w");
		if (!f)
			return -1;
		fputs(text, f);
		return fclose(f);
	}
	return mkdir(path, 0755);
}

/*
 * sdb (8:16): sdb1 (8:17, mounted) and sdb2 (8:18); sde (8:64): sde1
 * (8:65, not mounted).  Partition directories sit inside their disk's.
 */
static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(sysfs))
		return -1;
	return put("dev", NULL) || put("dev/block", NULL) ||
	       put("dev/block/8:16", NULL) || put("dev/block/8:16/dev", "8:16\n") ||
	       put("dev/block/8:16/sdb1", NULL) ||
	       put("dev/block/8:16/sdb1/partition", "1\n") ||
	       put("dev/block/8:16/sdb1/dev", "8:17\n") ||
	       put("dev/block/8:16/sdb2", NULL) ||
	       put("dev/block/8:16/sdb2/partition", "2\n") ||
	       put("dev/block/8:16/sdb2/dev", "8:18\n") ||
	       put("dev/block/8:16/queue", NULL) ||
	       put("dev/block/8:17", NULL) ||
	       put("dev/block/8:17/partition", "1\n") ||
	       put("dev/block/8:64", NULL) ||
	       put("dev/block/8:64/sde1", NULL) ||
	       put("dev/block/8:64/sde1/partition", "1\n") ||
	       put("dev/block/8:64/sde1/dev", "8:65\n") ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	return scratch_tree_remove(sysfs);
}

static int check(dev_t disk, dev_t *part, char *mp, size_t size)
{
	struct libmnt_table *tb;
	struct host h;
	int ret;

	fake_host_init(&h, MOUNTINFO, sysfs, &(struct fake_host_tables){ 0 });
	assert_int_equal(mounts_load(&h, &tb), 0);
	ret = whole_disk_mounted_partition(&h, tb, disk, part, mp, size);
	mnt_unref_table(tb);
	return ret;
}

static void disk_with_a_mounted_partition_names_it(void **state)
{
	char mp[PATH_MAX];
	dev_t part = 0;

	(void)state;
	assert_int_equal(check(makedev(8, 16), &part, mp, sizeof(mp)), 1);
	assert_int_equal(part, makedev(8, 17));
	assert_string_equal(mp, "/srv/data");
}

static void partition_itself_is_not_a_whole_disk(void **state)
{
	char mp[PATH_MAX];
	dev_t part = 0;

	(void)state;
	assert_int_equal(check(makedev(8, 17), &part, mp, sizeof(mp)), 0);
}

static void disk_whose_partitions_are_not_mounted_passes(void **state)
{
	char mp[PATH_MAX];
	dev_t part = 0;

	(void)state;
	assert_int_equal(check(makedev(8, 64), &part, mp, sizeof(mp)), 0);
}

static void device_unknown_to_sysfs_passes(void **state)
{
	char mp[PATH_MAX];
	dev_t part = 0;

	(void)state;
	assert_int_equal(check(makedev(8, 80), &part, mp, sizeof(mp)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(disk_with_a_mounted_partition_names_it),
		cmocka_unit_test(partition_itself_is_not_a_whole_disk),
		cmocka_unit_test(disk_whose_partitions_are_not_mounted_passes),
		cmocka_unit_test(device_unknown_to_sysfs_passes),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
