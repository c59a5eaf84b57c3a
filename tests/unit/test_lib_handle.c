// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The parts of libblksnap that touch the file system, not the module:
 * opening the control node, device paths, the library's version.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <cmocka.h>
#include <blksnap/blksnap.h>

static void open_of_missing_node_fails_with_enoent(void **state)
{
	struct blksnap_ctx *ctx = (void *)1;

	(void)state;
	assert_int_equal(blksnap_open_path("/nonexistent/blksnap-control", &ctx),
			 -ENOENT);
	assert_null(ctx);
}

static void close_accepts_null(void **state)
{
	(void)state;
	blksnap_close(NULL);
}

static void dev_from_path_refuses_character_device(void **state)
{
	dev_t dev;

	(void)state;
	assert_int_equal(blksnap_dev_from_path("/dev/null", &dev), -ENOTBLK);
}

static void dev_from_path_refuses_regular_file(void **state)
{
	dev_t dev;

	(void)state;
	assert_int_equal(blksnap_dev_from_path("/proc/self/status", &dev),
			 -ENOTBLK);
}

static void dev_from_path_reports_missing_path(void **state)
{
	dev_t dev;

	(void)state;
	assert_int_equal(blksnap_dev_from_path("/nonexistent/sdz9", &dev),
			 -ENOENT);
}

/*
 * A skipped test proves nothing: when any was skipped (and none failed)
 * the binary exits SKIP_EXIT, which ctest reports as skipped, not passed.
 */
#define SKIP_EXIT	77
static bool skipped;

static void dev_from_path_returns_block_device_number(void **state)
{
	char dir[] = "/tmp/blksnap-test-XXXXXX", node[64];
	dev_t dev = 0;
	int ret;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(node, sizeof(node), "%s/blk", dir);
	/* Creating a node needs CAP_MKNOD; without it there is nothing to test. */
	if (mknod(node, S_IFBLK | 0600, makedev(259, 123456))) {
		rmdir(dir);
		skipped = true;
		skip();
	}
	ret = blksnap_dev_from_path(node, &dev);
	unlink(node);
	rmdir(dir);
	assert_int_equal(ret, 0);
	assert_int_equal(major(dev), 259);
	assert_int_equal(minor(dev), 123456);
}

static void library_version_is_project_version(void **state)
{
	(void)state;
	assert_string_equal(blksnap_library_version(), EXPECTED_VERSION);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(open_of_missing_node_fails_with_enoent),
		cmocka_unit_test(close_accepts_null),
		cmocka_unit_test(dev_from_path_refuses_character_device),
		cmocka_unit_test(dev_from_path_refuses_regular_file),
		cmocka_unit_test(dev_from_path_reports_missing_path),
		cmocka_unit_test(dev_from_path_returns_block_device_number),
		cmocka_unit_test(library_version_is_project_version),
	};

	int failed = cmocka_run_group_tests_name("lib_handle", tests, NULL, NULL);

	return failed ? failed : skipped ? SKIP_EXIT : 0;
}
