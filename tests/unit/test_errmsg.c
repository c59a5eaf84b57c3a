// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The wording of runtime errors: each names the object, says what is wrong
 * and what to do.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include "errmsg.h"

static char msg[512];

static const char *format(const char *object, enum cli_op op, int err)
{
	errmsg_format(msg, sizeof(msg), object, op, err);
	return msg;
}

static void missing_control_node_says_load_the_module(void **state)
{
	(void)state;
	assert_string_equal(format("/dev/blksnap-control", CLI_OP_OPEN_CONTROL,
				   -ENOENT),
		"/dev/blksnap-control: the blksnap module is not loaded; "
		"load it with 'modprobe blksnap'");
}

static void permission_denied_says_run_as_root(void **state)
{
	(void)state;
	assert_string_equal(format("/dev/blksnap-control", CLI_OP_OPEN_CONTROL,
				   -EACCES),
		"/dev/blksnap-control: permission denied; run blksnap as root");
	assert_string_equal(format("/dev/sdb1", CLI_OP_ATTACH, -EPERM),
		"/dev/sdb1: permission denied; run blksnap as root");
}

static void attach_twice_says_already_attached(void **state)
{
	(void)state;
	assert_string_equal(format("/dev/sdb1", CLI_OP_ATTACH, -EALREADY),
		"/dev/sdb1: already attached; nothing to do, or run "
		"'blksnap detach /dev/sdb1' first to restart tracking");
}

static void detach_of_unfiltered_device_says_not_attached(void **state)
{
	(void)state;
	assert_string_equal(format("/dev/sdb1", CLI_OP_DETACH, -ENOENT),
		"/dev/sdb1: not attached; attach it with 'blksnap attach /dev/sdb1'");
}

static void cbt_of_unfiltered_device_says_not_attached(void **state)
{
	(void)state;
	assert_string_equal(format("/dev/sdb1", CLI_OP_CBT_MAP, -ENOENT),
		"/dev/sdb1: not attached; attach it with 'blksnap attach /dev/sdb1'");
}

static void non_block_device_says_so(void **state)
{
	(void)state;
	assert_string_equal(format("/etc/fstab", CLI_OP_RESOLVE_DEVICE, -ENOTBLK),
		"/etc/fstab: not a block device; "
		"give a block device path such as /dev/sdb1");
}

static void unknown_errors_name_the_operation_and_errno(void **state)
{
	(void)state;
	assert_string_equal(format("/dev/sdb1", CLI_OP_CBT_INFO, -EIO),
		"/dev/sdb1: cannot read change tracking state: "
		"Input/output error; see 'dmesg' for the module's messages");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(missing_control_node_says_load_the_module),
		cmocka_unit_test(permission_denied_says_run_as_root),
		cmocka_unit_test(attach_twice_says_already_attached),
		cmocka_unit_test(detach_of_unfiltered_device_says_not_attached),
		cmocka_unit_test(cbt_of_unfiltered_device_says_not_attached),
		cmocka_unit_test(non_block_device_says_so),
		cmocka_unit_test(unknown_errors_name_the_operation_and_errno),
	};

	return cmocka_run_group_tests_name("errmsg", tests, NULL, NULL);
}
