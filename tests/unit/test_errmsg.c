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
#include "common/errmsg.h"

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

static void destroy_of_open_snapshot_says_image_in_use(void **state)
{
	(void)state;
	assert_string_equal(format("6f1c2f0e-5b7d-4c1e-9a7b-2d0c4c8e1f3a",
				   CLI_OP_SNAPSHOT_DESTROY, -EBUSY),
		"6f1c2f0e-5b7d-4c1e-9a7b-2d0c4c8e1f3a: an image of the snapshot "
		"is in use; unmount it or stop the program reading it, then "
		"destroy again");
}

static void unknown_snapshot_id_says_no_such_snapshot(void **state)
{
	(void)state;
	assert_string_equal(format("6f1c", CLI_OP_SNAPSHOT_TAKE, -ENOENT),
		"6f1c: no such snapshot; 'blksnap snapshot list' shows the "
		"snapshots");
	assert_string_equal(format("6f1c", CLI_OP_SNAPSHOT_DEVICES, -ENOENT),
		"6f1c: no such snapshot; 'blksnap snapshot list' shows the "
		"snapshots");
}

static void device_in_another_snapshot_says_destroy_it_first(void **state)
{
	(void)state;
	assert_string_equal(format("/dev/sdb1", CLI_OP_SNAPSHOT_ADD, -EBUSY),
		"/dev/sdb1: already in a snapshot; destroy that snapshot first "
		"('blksnap snapshot list' shows it)");
}

static void storage_on_the_device_itself_says_move_it(void **state)
{
	(void)state;
	assert_string_equal(format("/dev/sdb1", CLI_OP_SNAPSHOT_ADD, -ELOOP),
		"/dev/sdb1: holds the difference storage of this or another "
		"snapshot; put --storage on a device in no snapshot");
}

static void storage_on_a_snapshotted_device_says_move_it(void **state)
{
	(void)state;
	assert_string_equal(format("/mnt/a/diff", CLI_OP_SNAPSHOT_CREATE, -ELOOP),
		"/mnt/a/diff: is on a device of a live snapshot, which would "
		"copy its own copies; put --storage on a device in no snapshot");
}

static void storage_of_another_snapshot_says_give_each_its_own(void **state)
{
	(void)state;
	assert_string_equal(format("/mnt/st/diff", CLI_OP_SNAPSHOT_CREATE, -EBUSY),
		"/mnt/st/diff: in use as the difference storage of another "
		"snapshot; give each snapshot its own --storage");
}

static void zoned_device_attach_says_it_is_not_supported(void **state)
{
	(void)state;
	assert_string_equal(format("/dev/nullb0", CLI_OP_ATTACH, -EMEDIUMTYPE),
		"/dev/nullb0: a zoned block device; blksnap cannot track or "
		"copy zone writes, so it does not attach to one");
}

static void timed_out_take_names_the_parameter(void **state)
{
	(void)state;
	assert_string_equal(format("2c1d6f0e-9d1c-4c5e-8d2b-8b1e4c3a2f10",
				   CLI_OP_SNAPSHOT_TAKE, -ETIMEDOUT),
		"2c1d6f0e-9d1c-4c5e-8d2b-8b1e4c3a2f10: the take gave up waiting "
		"for writes issued before it (module parameter take_drain_timeout); "
		"nothing was taken (are devices of the snapshot stacked on one "
		"another? snapshot them separately)");
}

static void interrupted_take_says_nothing_was_taken(void **state)
{
	(void)state;
	assert_string_equal(format("2c1d6f0e-9d1c-4c5e-8d2b-8b1e4c3a2f10",
				   CLI_OP_SNAPSHOT_TAKE, -EINTR),
		"2c1d6f0e-9d1c-4c5e-8d2b-8b1e4c3a2f10: interrupted while the take "
		"waited for writes issued before it; nothing was taken (are "
		"devices of the snapshot stacked on one another?)");
}

static void snapshot_info_of_unsnapshotted_device_says_so(void **state)
{
	(void)state;
	assert_string_equal(format("/dev/sdb1", CLI_OP_SNAPSHOT_INFO, -ENOENT),
		"/dev/sdb1: in no snapshot; 'blksnap snapshot list' shows the "
		"snapshots");
}

static void module_without_snapshots_says_install_newer(void **state)
{
	(void)state;
	assert_string_equal(format("/var/tmp", CLI_OP_SNAPSHOT_CREATE, -EOPNOTSUPP),
		"/var/tmp: cannot create the snapshot: the loaded blksnap "
		"module does not support snapshots; install a newer blksnap "
		"module");
}

static void full_storage_says_free_space_or_lower_limit(void **state)
{
	(void)state;
	assert_string_equal(format("/var/tmp", CLI_OP_SNAPSHOT_CREATE, -ENOSPC),
		"/var/tmp: not enough room for the difference storage; free "
		"some space or give a smaller --limit");
}

static void storage_of_wrong_type_says_what_is_accepted(void **state)
{
	(void)state;
	assert_string_equal(format("/dev/null", CLI_OP_STORAGE, -EINVAL),
		"/dev/null: not a directory, block device or regular file; "
		"give one of those with --storage");
	assert_string_equal(format("/nonexistent/f", CLI_OP_STORAGE, -ENOENT),
		"/nonexistent/f: no such directory; create it or give another "
		"--storage");
}

static void storage_in_its_own_filesystem_says_why_the_module_refused(void **state)
{
	(void)state;
	assert_string_equal(format("/var/tmp", CLI_OP_STORAGE_SAME_FS, -ENOSPC),
		"/var/tmp: not enough free space to preallocate the difference "
		"storage on the snapshotted filesystem; give a smaller --limit "
		"or --storage on another disk");
	assert_string_equal(format("/var/tmp", CLI_OP_STORAGE_SAME_FS,
				   -EOPNOTSUPP),
		"/var/tmp: the snapshotted filesystem cannot map a file for the "
		"difference storage of its own snapshot; put --storage on "
		"another disk");
	assert_string_equal(format("/var/tmp", CLI_OP_STORAGE_SAME_FS, -ELOOP),
		"/var/tmp: the loaded blksnap module cannot keep the difference "
		"storage on the snapshotted filesystem; install a newer blksnap "
		"module, or put --storage on another disk");
	assert_string_equal(format("/var/tmp", CLI_OP_STORAGE_SAME_FS, -EIO),
		"/var/tmp: cannot hold the difference storage on the snapshotted "
		"filesystem: Input/output error; see 'dmesg' for the module's "
		"messages");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(missing_control_node_says_load_the_module),
		cmocka_unit_test(permission_denied_says_run_as_root),
		cmocka_unit_test(attach_twice_says_already_attached),
		cmocka_unit_test(timed_out_take_names_the_parameter),
		cmocka_unit_test(detach_of_unfiltered_device_says_not_attached),
		cmocka_unit_test(cbt_of_unfiltered_device_says_not_attached),
		cmocka_unit_test(non_block_device_says_so),
		cmocka_unit_test(unknown_errors_name_the_operation_and_errno),
		cmocka_unit_test(destroy_of_open_snapshot_says_image_in_use),
		cmocka_unit_test(unknown_snapshot_id_says_no_such_snapshot),
		cmocka_unit_test(device_in_another_snapshot_says_destroy_it_first),
		cmocka_unit_test(storage_on_the_device_itself_says_move_it),
		cmocka_unit_test(storage_on_a_snapshotted_device_says_move_it),
		cmocka_unit_test(storage_of_another_snapshot_says_give_each_its_own),
		cmocka_unit_test(snapshot_info_of_unsnapshotted_device_says_so),
		cmocka_unit_test(module_without_snapshots_says_install_newer),
		cmocka_unit_test(zoned_device_attach_says_it_is_not_supported),
		cmocka_unit_test(interrupted_take_says_nothing_was_taken),
		cmocka_unit_test(full_storage_says_free_space_or_lower_limit),
		cmocka_unit_test(storage_of_wrong_type_says_what_is_accepted),
		cmocka_unit_test(storage_in_its_own_filesystem_says_why_the_module_refused),
	};

	return cmocka_run_group_tests_name("errmsg", tests, NULL, NULL);
}
