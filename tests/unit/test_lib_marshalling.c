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

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(version_sends_version_request_and_returns_answer),
		T(attach_names_device_by_number_and_filter),
		T(detach_names_device_by_number_and_filter),
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
#undef T
	};

	return cmocka_run_group_tests_name("lib_marshalling", tests, NULL, NULL);
}
