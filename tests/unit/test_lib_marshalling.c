// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libblksnap sends the module exactly the structures the UAPI header
 * describes.  Linked against ioctl_stub.c instead of lib/ioctl.c.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <cmocka.h>
#include <blksnap/blksnap.h>
#include "ioctl_stub.h"

#define MiB	(1024 * 1024)

/* A large minor, to catch anyone packing dev_t into 8+8 bits. */
#define dev	makedev(259, 123456)

static int setup(void **state)
{
	struct blksnap_ctx *ctx;

	ioctl_stub_reset();
	/* Any openable node will do: the stub never looks at the fd. */
	if (blksnap_open_path("/dev/null", &ctx))
		return -1;
	*state = ctx;
	return 0;
}

static int teardown(void **state)
{
	blksnap_close(*state);
	return 0;
}

static void assert_filter_target(const struct blksnap_bdev *bdev,
				 const __u8 *name)
{
	assert_int_equal(bdev->major, 259);
	assert_int_equal(bdev->minor, 123456);
	assert_string_equal((const char *)name, "blksnap");
}

static void version_sends_version_request_and_returns_answer(void **state)
{
	struct blksnap_version v = { 0 };

	stub.version = (struct blksnap_version){ 1, 2, 3, 4 };
	assert_int_equal(blksnap_version(*state, &v), 0);
	assert_int_equal(stub.ncalls, 1);
	assert_int_equal(stub.calls[0].req, IOCTL_BLKSNAP_VERSION);
	assert_memory_equal(&v, &stub.version, sizeof(v));
}

static void attach_names_device_by_number_and_filter(void **state)
{
	const struct blksnap_filter_attach *a = &stub.calls[0].attach;

	assert_int_equal(blksnap_attach(*state, dev), 0);
	assert_int_equal(stub.ncalls, 1);
	assert_int_equal(stub.calls[0].req, IOCTL_BLKSNAP_FILTER_ATTACH);
	assert_filter_target(&a->bdev, a->name);
	assert_int_equal(a->opt, 0);
	assert_int_equal(a->optlen, 0);
	assert_int_equal(a->padding, 0);
}

static void detach_names_device_by_number_and_filter(void **state)
{
	const struct blksnap_filter_detach *d = &stub.calls[0].detach;

	assert_int_equal(blksnap_detach(*state, dev), 0);
	assert_int_equal(stub.ncalls, 1);
	assert_int_equal(stub.calls[0].req, IOCTL_BLKSNAP_FILTER_DETACH);
	assert_filter_target(&d->bdev, d->name);
}

/*
 * A module on a kernel's native blkfilter refuses the control node's
 * attach: the library asks the kernel on the block device instead.
 */
static void attach_goes_to_device_where_module_is_native(void **state)
{
	const struct blksnap_native_attach *a = &stub.calls[1].native_attach;
	size_t i;

	stub.result_at[0] = -EOPNOTSUPP;
	assert_int_equal(blksnap_attach(*state, dev), 0);
	assert_int_equal(stub.ncalls, 2);
	assert_int_equal(stub.calls[0].req, IOCTL_BLKSNAP_FILTER_ATTACH);
	assert_int_equal(stub.calls[1].req, BLKSNAP_NATIVE_ATTACH);
	assert_true(stub.calls[1].bdev == dev);
	assert_string_equal((const char *)a->name, "blksnap");
	for (i = sizeof("blksnap"); i < sizeof(a->name); i++)
		assert_int_equal(a->name[i], 0);
	assert_int_equal(a->opt, 0);
	assert_int_equal(a->optlen, 0);
}

static void detach_goes_to_device_where_module_is_native(void **state)
{
	stub.result_at[0] = -EOPNOTSUPP;
	assert_int_equal(blksnap_detach(*state, dev), 0);
	assert_int_equal(stub.ncalls, 2);
	assert_int_equal(stub.calls[1].req, BLKSNAP_NATIVE_DETACH);
	assert_true(stub.calls[1].bdev == dev);
	assert_string_equal((const char *)stub.calls[1].native_detach.name,
			    "blksnap");
}

static void native_attach_error_is_returned(void **state)
{
	stub.result_at[0] = -EOPNOTSUPP;
	stub.result_at[1] = -EBUSY;
	assert_int_equal(blksnap_attach(*state, dev), -EBUSY);
	assert_int_equal(stub.ncalls, 2);
}

/* Any other refusal is the answer: no second request. */
static void attach_error_does_not_try_device(void **state)
{
	stub.result = -EPERM;
	assert_int_equal(blksnap_attach(*state, dev), -EPERM);
	assert_int_equal(blksnap_detach(*state, dev), -EPERM);
	assert_int_equal(stub.ncalls, 2);
	assert_int_equal(stub.calls[1].req, IOCTL_BLKSNAP_FILTER_DETACH);
}

/* The layout of the 2025 posting's uapi, which filter_native.c targets. */
static void native_requests_have_upstream_layout(void **state)
{
	(void)state;
	assert_int_equal(sizeof(struct blksnap_native_attach), 48);
	assert_int_equal(offsetof(struct blksnap_native_attach, opt), 32);
	assert_int_equal(offsetof(struct blksnap_native_attach, optlen), 40);
	assert_int_equal(sizeof(struct blksnap_native_detach), 32);
	assert_int_equal(_IOC_TYPE(BLKSNAP_NATIVE_ATTACH), 0x12);
	assert_int_equal(_IOC_NR(BLKSNAP_NATIVE_ATTACH), 142);
	assert_int_equal(_IOC_NR(BLKSNAP_NATIVE_DETACH), 143);
	assert_int_equal(_IOC_DIR(BLKSNAP_NATIVE_ATTACH), _IOC_READ | _IOC_WRITE);
	assert_int_equal(_IOC_SIZE(BLKSNAP_NATIVE_ATTACH), 48);
}

static void filter_name_is_zero_padded(void **state)
{
	const __u8 *name = stub.calls[0].attach.name;
	size_t i;

	assert_int_equal(blksnap_attach(*state, dev), 0);
	for (i = sizeof("blksnap"); i < BLKFILTER_NAME_LENGTH; i++)
		assert_int_equal(name[i], 0);
}

static void cbt_info_sends_cbtinfo_and_returns_answer(void **state)
{
	const struct blksnap_filter_ctl *ctl = &stub.calls[0].ctl;
	struct blksnap_cbtinfo info = { 0 };

	stub.cbtinfo.block_count = 42;
	stub.cbtinfo.changes_number = 7;
	assert_int_equal(blksnap_cbt_info(*state, dev, &info), 0);
	assert_int_equal(stub.calls[0].req, IOCTL_BLKSNAP_FILTER_CTL);
	assert_filter_target(&ctl->bdev, ctl->name);
	assert_int_equal(ctl->cmd, BLKFILTER_CTL_BLKSNAP_CBTINFO);
	assert_int_equal(ctl->optlen, sizeof(struct blksnap_cbtinfo));
	assert_int_equal(info.block_count, 42);
	assert_int_equal(info.changes_number, 7);
}

static void cbt_read_map_reads_in_windows_of_1MiB(void **state)
{
	const size_t len = 2 * MiB + MiB / 2;
	uint8_t *buf = calloc(1, len);
	unsigned int i;

	assert_non_null(buf);
	stub.map_fill = 3;
	assert_int_equal(blksnap_cbt_read_map(*state, dev, buf, len), 0);

	assert_int_equal(stub.ncalls, 3);
	for (i = 0; i < 3; i++) {
		const struct stub_call *c = &stub.calls[i];

		assert_int_equal(c->req, IOCTL_BLKSNAP_FILTER_CTL);
		assert_filter_target(&c->ctl.bdev, c->ctl.name);
		assert_int_equal(c->ctl.cmd, BLKFILTER_CTL_BLKSNAP_CBTMAP);
		assert_int_equal(c->ctl.optlen, sizeof(struct blksnap_cbtmap));
		assert_int_equal(c->cbtmap.offset, i * MiB);
		assert_int_equal(c->cbtmap.length, i < 2 ? MiB : MiB / 2);
		assert_ptr_equal((void *)(uintptr_t)c->cbtmap.buffer,
				 buf + i * MiB);
	}
	assert_int_equal(buf[0], 3);
	assert_int_equal(buf[len - 1], 3);
	free(buf);
}

static void cbt_read_map_of_one_window_makes_one_request(void **state)
{
	static uint8_t buf[MiB];

	assert_int_equal(blksnap_cbt_read_map(*state, dev, buf, MiB), 0);
	assert_int_equal(stub.ncalls, 1);
	assert_int_equal(stub.calls[0].cbtmap.length, MiB);
}

static void cbt_read_map_stops_at_first_failed_window(void **state)
{
	static uint8_t buf[2 * MiB];

	stub.result = -EIO;
	assert_int_equal(blksnap_cbt_read_map(*state, dev, buf, sizeof(buf)),
			 -EIO);
	assert_int_equal(stub.ncalls, 1);
}

static void cbt_read_map_of_empty_map_sends_nothing(void **state)
{
	uint8_t buf[1];

	assert_int_equal(blksnap_cbt_read_map(*state, dev, buf, 0), 0);
	assert_int_equal(stub.ncalls, 0);
}

static void cbt_read_map_refuses_more_than_32bit_entries(void **state)
{
	uint8_t buf[1];

	if (sizeof(size_t) <= 4)
		skip();
	assert_int_equal(blksnap_cbt_read_map(*state, dev, buf,
					      (size_t)UINT32_MAX + 1), -EINVAL);
	assert_int_equal(stub.ncalls, 0);
}

static void cbt_mark_dirty_passes_ranges_and_count(void **state)
{
	const struct blksnap_sectors ranges[2] = { { 0, 8 }, { 1024, 128 } };
	const struct stub_call *c = &stub.calls[0];

	assert_int_equal(blksnap_cbt_mark_dirty(*state, dev, ranges, 2), 0);
	assert_int_equal(stub.ncalls, 1);
	assert_filter_target(&c->ctl.bdev, c->ctl.name);
	assert_int_equal(c->ctl.cmd, BLKFILTER_CTL_BLKSNAP_CBTDIRTY);
	assert_int_equal(c->ctl.optlen, sizeof(struct blksnap_cbtdirty));
	assert_int_equal(c->cbtdirty.count, 2);
	assert_int_equal(c->cbtdirty.padding, 0);
	assert_ptr_equal((void *)(uintptr_t)c->cbtdirty.dirty_sectors, ranges);
}

static void cbt_mark_dirty_of_no_ranges_sends_nothing(void **state)
{
	assert_int_equal(blksnap_cbt_mark_dirty(*state, dev, NULL, 0), 0);
	assert_int_equal(stub.ncalls, 0);
}

static void cbt_switch_sends_cbtswitch_without_payload(void **state)
{
	const struct blksnap_filter_ctl *ctl = &stub.calls[0].ctl;

	assert_int_equal(blksnap_cbt_switch(*state, dev), 0);
	assert_int_equal(stub.ncalls, 1);
	assert_filter_target(&ctl->bdev, ctl->name);
	assert_int_equal(ctl->cmd, BLKFILTER_CTL_BLKSNAP_CBTSWITCH);
	assert_int_equal(ctl->optlen, 0);
	assert_int_equal(ctl->opt, 0);
}

static void module_errors_come_back_as_negative_errno(void **state)
{
	stub.result = -EALREADY;
	assert_int_equal(blksnap_attach(*state, dev), -EALREADY);
	stub.result = -ENOENT;
	assert_int_equal(blksnap_detach(*state, dev), -ENOENT);
}

static const struct blksnap_uuid snap_id = { { 0xa1, 0xb2, 0xc3, 0xd4, 5, 6, 7,
					       8, 9, 10, 11, 12, 13, 14, 15, 16 } };

static void snapshot_create_sends_limit_in_sectors_path_and_kind(void **state)
{
	const struct blksnap_snapshot_create *c = &stub.calls[0].create;
	struct blksnap_uuid id = { { 0 } };

	stub.created_id = snap_id;
	assert_int_equal(blksnap_snapshot_create(*state, "/var/tmp",
						 BLKSNAP_STORAGE_DIR,
						 1024 * MiB, &id), 0);
	assert_int_equal(stub.ncalls, 1);
	assert_int_equal(stub.calls[0].req, IOCTL_BLKSNAP_SNAPSHOT_CREATE);
	assert_int_equal(c->diff_storage_limit_sect, 2 * MiB);
	assert_string_equal(stub.calls[0].path, "/var/tmp");
	assert_int_equal(c->storage_kind, BLKSNAP_STORAGE_DIR);
	assert_int_equal(c->padding, 0);
	assert_memory_equal(&id, &snap_id, sizeof(id));
}

static void snapshot_create_refuses_limit_not_in_whole_sectors(void **state)
{
	struct blksnap_uuid id;

	assert_int_equal(blksnap_snapshot_create(*state, "/var/tmp/s",
						 BLKSNAP_STORAGE_FILE, 1000, &id),
			 -EINVAL);
	assert_int_equal(blksnap_snapshot_create(*state, "/var/tmp/s",
						 BLKSNAP_STORAGE_FILE, 0, &id),
			 -EINVAL);
	assert_int_equal(stub.ncalls, 0);
}

static void snapshot_create_refuses_unknown_storage_kind(void **state)
{
	struct blksnap_uuid id;

	assert_int_equal(blksnap_snapshot_create(*state, "/dev/sdc",
				(enum blksnap_storage_kind)3, MiB, &id), -EINVAL);
	assert_int_equal(stub.ncalls, 0);
}

static void snapshot_create_failure_leaves_id_untouched(void **state)
{
	struct blksnap_uuid id = { { 0 } };
	const struct blksnap_uuid zero = { { 0 } };

	stub.created_id = snap_id;
	stub.result = -ENOSPC;
	assert_int_equal(blksnap_snapshot_create(*state, "/dev/sdc",
						 BLKSNAP_STORAGE_BDEV, MiB, &id),
			 -ENOSPC);
	assert_memory_equal(&id, &zero, sizeof(id));
}

static void snapshot_add_attaches_then_sends_snapshotadd(void **state)
{
	const struct stub_call *c = &stub.calls[1];

	assert_int_equal(blksnap_snapshot_add(*state, &snap_id, dev), 0);
	assert_int_equal(stub.ncalls, 2);
	assert_int_equal(stub.calls[0].req, IOCTL_BLKSNAP_FILTER_ATTACH);
	assert_filter_target(&stub.calls[0].attach.bdev, stub.calls[0].attach.name);
	assert_int_equal(c->req, IOCTL_BLKSNAP_FILTER_CTL);
	assert_filter_target(&c->ctl.bdev, c->ctl.name);
	assert_int_equal(c->ctl.cmd, BLKFILTER_CTL_BLKSNAP_SNAPSHOTADD);
	assert_int_equal(c->ctl.optlen, sizeof(struct blksnap_snapshotadd));
	assert_memory_equal(&c->snapshotadd.id, &snap_id, sizeof(snap_id));
}

static void snapshot_add_to_attached_device_ignores_ealready(void **state)
{
	stub.result_at[0] = -EALREADY;
	assert_int_equal(blksnap_snapshot_add(*state, &snap_id, dev), 0);
	assert_int_equal(stub.ncalls, 2);
	assert_int_equal(stub.calls[1].ctl.cmd, BLKFILTER_CTL_BLKSNAP_SNAPSHOTADD);
}

static void snapshot_add_failure_detaches_what_it_attached(void **state)
{
	stub.result_at[1] = -EBUSY;
	assert_int_equal(blksnap_snapshot_add(*state, &snap_id, dev), -EBUSY);
	assert_int_equal(stub.ncalls, 3);
	assert_int_equal(stub.calls[2].req, IOCTL_BLKSNAP_FILTER_DETACH);
	assert_filter_target(&stub.calls[2].detach.bdev, stub.calls[2].detach.name);
}

static void snapshot_add_failure_keeps_filter_attached_before(void **state)
{
	stub.result_at[0] = -EALREADY;
	stub.result_at[1] = -EBUSY;
	assert_int_equal(blksnap_snapshot_add(*state, &snap_id, dev), -EBUSY);
	assert_int_equal(stub.ncalls, 2);
}

static void snapshot_add_stops_when_attach_fails(void **state)
{
	stub.result_at[0] = -ENODEV;
	assert_int_equal(blksnap_snapshot_add(*state, &snap_id, dev), -ENODEV);
	assert_int_equal(stub.ncalls, 1);
}

static void snapshot_take_sends_the_id(void **state)
{
	assert_int_equal(blksnap_snapshot_take(*state, &snap_id), 0);
	assert_int_equal(stub.ncalls, 1);
	assert_int_equal(stub.calls[0].req, IOCTL_BLKSNAP_SNAPSHOT_TAKE);
	assert_memory_equal(&stub.calls[0].uuid, &snap_id, sizeof(snap_id));
}

static void snapshot_destroy_sends_the_id_and_returns_ebusy(void **state)
{
	stub.result = -EBUSY;
	assert_int_equal(blksnap_snapshot_destroy(*state, &snap_id), -EBUSY);
	assert_int_equal(stub.ncalls, 1);
	assert_int_equal(stub.calls[0].req, IOCTL_BLKSNAP_SNAPSHOT_DESTROY);
	assert_memory_equal(&stub.calls[0].uuid, &snap_id, sizeof(snap_id));
}

static void snapshot_collect_counts_then_fetches(void **state)
{
	struct blksnap_uuid *ids;
	size_t count;

	stub.collect_have = 2;
	assert_int_equal(blksnap_snapshot_collect(*state, &ids, &count), 0);
	assert_int_equal(stub.ncalls, 2);
	assert_int_equal(stub.calls[0].req, IOCTL_BLKSNAP_SNAPSHOT_COLLECT);
	assert_int_equal(stub.calls[0].collect.ids, 0);
	assert_int_equal(stub.calls[1].collect.count, 2);
	assert_int_equal(stub.calls[1].collect.padding, 0);
	assert_int_equal(count, 2);
	assert_int_equal(ids[0].b[0], 1);
	assert_int_equal(ids[1].b[0], 2);
	free(ids);
}

static void snapshot_collect_retries_when_snapshots_appear(void **state)
{
	struct blksnap_uuid *ids;
	size_t count;

	stub.collect_have = 1;
	stub.collect_grow = 2;
	assert_int_equal(blksnap_snapshot_collect(*state, &ids, &count), 0);
	/* count (1), fetch 1 -> ENODATA, 3 needed; fetch 3. */
	assert_int_equal(stub.ncalls, 3);
	assert_int_equal(stub.calls[1].collect.count, 1);
	assert_int_equal(stub.calls[2].collect.count, 3);
	assert_int_equal(count, 3);
	assert_int_equal(ids[2].b[0], 3);
	free(ids);
}

static void snapshot_collect_of_none_returns_null(void **state)
{
	struct blksnap_uuid *ids = (void *)1;
	size_t count = 1;

	assert_int_equal(blksnap_snapshot_collect(*state, &ids, &count), 0);
	assert_int_equal(stub.ncalls, 1);
	assert_null(ids);
	assert_int_equal(count, 0);
}

static void snapshot_collect_gives_up_if_count_keeps_growing(void **state)
{
	struct blksnap_uuid *ids;
	size_t count;
	unsigned int i;

	stub.collect_have = 1;
	for (i = 1; i < STUB_MAX_CALLS; i++)
		stub.result_at[i] = -ENODATA;
	assert_int_equal(blksnap_snapshot_collect(*state, &ids, &count), -EAGAIN);
	assert_null(ids);
	assert_int_equal(count, 0);
}

static void snapshot_info_sends_snapshotinfo_and_terminates_name(void **state)
{
	const struct blksnap_filter_ctl *ctl = &stub.calls[0].ctl;
	struct blksnap_snapshotinfo info;

	stub.snapinfo.error_code = -EIO;
	stub.snapinfo.image_major = 252;
	stub.snapinfo.image_minor = 3;
	memset(stub.snapinfo.image, 'x', sizeof(stub.snapinfo.image));
	assert_int_equal(blksnap_snapshot_info(*state, dev, &info), 0);
	assert_int_equal(stub.ncalls, 1);
	assert_filter_target(&ctl->bdev, ctl->name);
	assert_int_equal(ctl->cmd, BLKFILTER_CTL_BLKSNAP_SNAPSHOTINFO);
	assert_int_equal(ctl->optlen, sizeof(struct blksnap_snapshotinfo));
	assert_int_equal(info.error_code, -EIO);
	assert_int_equal(info.image_major, 252);
	assert_int_equal(info.image_minor, 3);
	assert_int_equal(strlen((char *)info.image), BLKSNAP_IMAGE_NAME_LEN - 1);
}

static void snapshot_wait_event_sends_id_and_timeout(void **state)
{
	struct blksnap_event_low_free_space low = { .requested_nr_sect = 2048 };
	static struct blksnap_snapshot_event ev;

	stub.event.code = blksnap_event_code_low_free_space;
	stub.event.time_label = 123;
	memcpy(stub.event.data, &low, sizeof(low));
	assert_int_equal(blksnap_snapshot_wait_event(*state, &snap_id, 1000, &ev), 0);
	assert_int_equal(stub.ncalls, 1);
	assert_int_equal(stub.calls[0].req, IOCTL_BLKSNAP_SNAPSHOT_WAIT_EVENT);
	assert_memory_equal(&stub.calls[0].wait.id, &snap_id, sizeof(snap_id));
	assert_int_equal(stub.calls[0].wait.timeout_ms, 1000);
	assert_int_equal(ev.code, blksnap_event_code_low_free_space);
	assert_int_equal(ev.time_label, 123);
	assert_memory_equal(ev.data, &low, sizeof(low));
}

static void snapshot_wait_event_timeout_is_enoent(void **state)
{
	static struct blksnap_snapshot_event ev;

	stub.result = -ENOENT;
	assert_int_equal(blksnap_snapshot_wait_event(*state, &snap_id, 1, &ev),
			 -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(version_sends_version_request_and_returns_answer),
		T(attach_names_device_by_number_and_filter),
		T(detach_names_device_by_number_and_filter),
		T(attach_goes_to_device_where_module_is_native),
		T(detach_goes_to_device_where_module_is_native),
		T(native_attach_error_is_returned),
		T(attach_error_does_not_try_device),
		T(native_requests_have_upstream_layout),
		T(filter_name_is_zero_padded),
		T(cbt_info_sends_cbtinfo_and_returns_answer),
		T(cbt_read_map_reads_in_windows_of_1MiB),
		T(cbt_read_map_of_one_window_makes_one_request),
		T(cbt_read_map_stops_at_first_failed_window),
		T(cbt_read_map_of_empty_map_sends_nothing),
		T(cbt_read_map_refuses_more_than_32bit_entries),
		T(cbt_mark_dirty_passes_ranges_and_count),
		T(cbt_mark_dirty_of_no_ranges_sends_nothing),
		T(cbt_switch_sends_cbtswitch_without_payload),
		T(module_errors_come_back_as_negative_errno),
		T(snapshot_create_sends_limit_in_sectors_path_and_kind),
		T(snapshot_create_refuses_limit_not_in_whole_sectors),
		T(snapshot_create_refuses_unknown_storage_kind),
		T(snapshot_create_failure_leaves_id_untouched),
		T(snapshot_add_attaches_then_sends_snapshotadd),
		T(snapshot_add_to_attached_device_ignores_ealready),
		T(snapshot_add_failure_detaches_what_it_attached),
		T(snapshot_add_failure_keeps_filter_attached_before),
		T(snapshot_add_stops_when_attach_fails),
		T(snapshot_take_sends_the_id),
		T(snapshot_destroy_sends_the_id_and_returns_ebusy),
		T(snapshot_collect_counts_then_fetches),
		T(snapshot_collect_retries_when_snapshots_appear),
		T(snapshot_collect_of_none_returns_null),
		T(snapshot_collect_gives_up_if_count_keeps_growing),
		T(snapshot_info_sends_snapshotinfo_and_terminates_name),
		T(snapshot_wait_event_sends_id_and_timeout),
		T(snapshot_wait_event_timeout_is_enoent),
#undef T
	};

	return cmocka_run_group_tests_name("lib_marshalling", tests, NULL, NULL);
}
