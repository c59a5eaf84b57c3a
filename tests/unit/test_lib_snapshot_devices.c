// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * blksnap_snapshot_devices() and blksnap_snapshot_status() read the
 * module's sysfs files, here a directory tree made by the test and named
 * by BLKSNAP_SYSFS.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <cmocka.h>
#include <blksnap/blksnap.h>

#define ID_TEXT	"a1b2c3d4-0506-4708-890a-0b0c0d0e0f10"

static const struct blksnap_uuid id = { { 0xa1, 0xb2, 0xc3, 0xd4, 5, 6, 0x47,
					  8, 0x89, 10, 11, 12, 13, 14, 15, 16 } };
static char root[] = "/tmp/blksnap-sysfs-XXXXXX";
static char snapdir[160], iddir[256], devfile[288], takenfile[288], storagefile[288],
	    freefile[288];
static struct blksnap_ctx *ctx;
static struct blksnap_snapshot_device *devs;
static size_t count;

static int setup(void **state)
{
	char dir[128];

	(void)state;
	if (!mkdtemp(root) || setenv("BLKSNAP_SYSFS", root, 1))
		return -1;
	snprintf(dir, sizeof(dir), "%s/class", root);
	mkdir(dir, 0755);
	snprintf(dir, sizeof(dir), "%s/class/misc", root);
	mkdir(dir, 0755);
	snprintf(dir, sizeof(dir), "%s/class/misc/blksnap-control", root);
	mkdir(dir, 0755);
	snprintf(snapdir, sizeof(snapdir), "%s/snapshots", dir);
	snprintf(iddir, sizeof(iddir), "%s/" ID_TEXT, snapdir);
	snprintf(devfile, sizeof(devfile), "%s/devices", iddir);
	snprintf(takenfile, sizeof(takenfile), "%s/taken", iddir);
	snprintf(storagefile, sizeof(storagefile), "%s/storage", iddir);
	snprintf(freefile, sizeof(freefile), "%s/free", iddir);
	return blksnap_open_path("/dev/null", &ctx);
}

static int teardown(void **state)
{
	char dir[128];

	(void)state;
	blksnap_close(ctx);
	unlink(devfile);
	unlink(takenfile);
	unlink(storagefile);
	unlink(freefile);
	rmdir(iddir);
	rmdir(snapdir);
	snprintf(dir, sizeof(dir), "%s/class/misc/blksnap-control", root);
	rmdir(dir);
	snprintf(dir, sizeof(dir), "%s/class/misc", root);
	rmdir(dir);
	snprintf(dir, sizeof(dir), "%s/class", root);
	rmdir(dir);
	return rmdir(root);
}

/* Each test starts from no snapshots directory at all. */
static int before(void **state)
{
	(void)state;
	unlink(devfile);
	unlink(takenfile);
	unlink(storagefile);
	unlink(freefile);
	rmdir(iddir);
	rmdir(snapdir);
	devs = NULL;
	count = 99;
	return 0;
}

static int after(void **state)
{
	(void)state;
	free(devs);
	return 0;
}

static void write_devices(const char *text)
{
	FILE *f;

	mkdir(snapdir, 0755);
	mkdir(iddir, 0755);
	f = fopen(devfile, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void devices_lists_each_line_of_the_sysfs_file(void **state)
{
	(void)state;
	write_devices("253:1 blksnap-vda1\n259:123456 blksnap-nvme0n1p2\n");
	assert_int_equal(blksnap_snapshot_devices(ctx, &id, &devs, &count), 0);
	assert_int_equal(count, 2);
	assert_true(devs[0].dev == makedev(253, 1));
	assert_string_equal(devs[0].image, "blksnap-vda1");
	assert_true(devs[1].dev == makedev(259, 123456));
	assert_string_equal(devs[1].image, "blksnap-nvme0n1p2");
}

static void devices_of_empty_snapshot_is_null_and_zero(void **state)
{
	(void)state;
	write_devices("");
	assert_int_equal(blksnap_snapshot_devices(ctx, &id, &devs, &count), 0);
	assert_null(devs);
	assert_int_equal(count, 0);
}

static void devices_of_unknown_snapshot_is_enoent(void **state)
{
	(void)state;
	mkdir(snapdir, 0755);
	assert_int_equal(blksnap_snapshot_devices(ctx, &id, &devs, &count),
			 -ENOENT);
	assert_null(devs);
	assert_int_equal(count, 0);
}

static void devices_without_sysfs_listing_is_eopnotsupp(void **state)
{
	(void)state;
	assert_int_equal(blksnap_snapshot_devices(ctx, &id, &devs, &count),
			 -EOPNOTSUPP);
}

static void devices_refuses_malformed_lines(void **state)
{
	static const char *const bad[] = {
		"253:1\n",			/* no image */
		"253 blksnap-vda1\n",		/* no minor */
		"253:x blksnap-vda1\n",		/* not a number */
		"4294967296:1 blksnap-vda1\n",	/* beyond 32 bits */
		"253:1 blksnap-a-name-longer-than-31-bytes\n",
		"253:1 ../../etc\n",		/* a path, not a name */
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_devices(bad[i]);
		assert_int_equal(blksnap_snapshot_devices(ctx, &id, &devs, &count),
				 -EBADMSG);
		assert_null(devs);
		assert_int_equal(count, 0);
	}
}

static void write_file(const char *path, const char *text)
{
	FILE *f;

	mkdir(snapdir, 0755);
	mkdir(iddir, 0755);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void status_reads_take_time_and_storage(void **state)
{
	struct blksnap_snapshot_status st;

	(void)state;
	write_file(takenfile, "1795996800\n");
	write_file(storagefile, "1572864 21474836480\n");
	assert_int_equal(blksnap_snapshot_status(ctx, &id, &st), 0);
	assert_true(st.taken == 1795996800);
	assert_true(st.storage_used == 1572864);
	assert_true(st.storage_limit == 21474836480ULL);
	/* Before the take. */
	write_file(takenfile, "0\n");
	assert_int_equal(blksnap_snapshot_status(ctx, &id, &st), 0);
	assert_true(st.taken == 0);
}

static void status_of_an_older_module_is_enoent(void **state)
{
	struct blksnap_snapshot_status st;

	(void)state;
	write_devices("253:1 blksnap-vda1\n");
	assert_int_equal(blksnap_snapshot_status(ctx, &id, &st), -ENOENT);
	unlink(devfile);
	rmdir(iddir);
	rmdir(snapdir);
	assert_int_equal(blksnap_snapshot_status(ctx, &id, &st), -EOPNOTSUPP);
}

static void status_refuses_malformed_files(void **state)
{
	static const char *const bad[][2] = {
		{ "", "1 2\n" },
		{ "12", "1 2\n" },			/* no newline */
		{ "-1\n", "1 2\n" },
		{ "9223372036854775808\n", "1 2\n" },	/* beyond int64 */
		{ "1\n", "1\n" },			/* no limit */
		{ "1\n", "1 2 3\n" },
		{ "1\n", "1  2\n" },
		{ "1\n", "x 2\n" },
		{ "1\n", "18446744073709551616 2\n" },	/* beyond 64 bits */
	};
	struct blksnap_snapshot_status st;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_file(takenfile, bad[i][0]);
		write_file(storagefile, bad[i][1]);
		assert_int_equal(blksnap_snapshot_status(ctx, &id, &st), -EBADMSG);
	}
}

static void free_at_take_finds_the_device_line(void **state)
{
	uint64_t bytes = 1;

	(void)state;
	write_devices("253:1 blksnap-vda1\n8:17 blksnap-sdb1\n");
	write_file(freefile, "253:1 0\n8:17 50331648\n");
	assert_int_equal(blksnap_snapshot_free_at_take(ctx, &id, makedev(8, 17),
						       &bytes), 0);
	assert_true(bytes == 50331648);
	assert_int_equal(blksnap_snapshot_free_at_take(ctx, &id, makedev(253, 1),
						       &bytes), 0);
	assert_true(bytes == 0);
	/* Not in the snapshot. */
	assert_int_equal(blksnap_snapshot_free_at_take(ctx, &id, makedev(8, 1),
						       &bytes), -ENOENT);
	/* A module that does not tell. */
	unlink(freefile);
	assert_int_equal(blksnap_snapshot_free_at_take(ctx, &id, makedev(8, 17),
						       &bytes), -ENOENT);
}

static void free_at_take_refuses_malformed_lines(void **state)
{
	static const char *const bad[] = {
		"8:17 1",			/* no newline */
		"8:17\n",
		"8:17 \n",
		"8:17 -1\n",
		"8:17 1x\n",
		"8 17 1\n",
		"8:17 18446744073709551616\n",	/* beyond 64 bits */
	};
	uint64_t bytes;
	size_t i;

	(void)state;
	write_devices("8:17 blksnap-sdb1\n");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_file(freefile, bad[i]);
		assert_int_equal(blksnap_snapshot_free_at_take(ctx, &id,
							       makedev(8, 17),
							       &bytes), -EBADMSG);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, before, after)
		T(devices_lists_each_line_of_the_sysfs_file),
		T(devices_of_empty_snapshot_is_null_and_zero),
		T(devices_of_unknown_snapshot_is_enoent),
		T(devices_without_sysfs_listing_is_eopnotsupp),
		T(devices_refuses_malformed_lines),
		T(status_reads_take_time_and_storage),
		T(status_of_an_older_module_is_enoent),
		T(status_refuses_malformed_files),
		T(free_at_take_finds_the_device_line),
		T(free_at_take_refuses_malformed_lines),
#undef T
	};

	return cmocka_run_group_tests_name("lib_snapshot_devices", tests,
					   setup, teardown);
}
