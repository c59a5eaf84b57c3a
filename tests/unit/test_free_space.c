// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Which FS_IOC_GETFSMAP records the CLI hands the module as free space
 * (free_space_record()): a block wrongly called free could be given to
 * the difference storage while the image still needs it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <sys/sysmacros.h>
#include "target/free_space.h"

static struct fsmap rec(uint32_t dev, uint64_t owner, uint64_t physical,
			uint64_t length)
{
	struct fsmap r = {
		.fmr_device = dev,
		.fmr_owner = owner,
		.fmr_physical = physical,
		.fmr_length = length,
	};
	return r;
}

static void free_record_in_sectors(void **state)
{
	dev_t dev = makedev(254, 1);
	struct fsmap r = rec((uint32_t)dev, FMR_OWN_FREE, 4096 * 10, 4096 * 3);
	struct blksnap_sectors s;

	(void)state;
	assert_true(free_space_record(&r, FMH_OF_DEV_T, dev, &s));
	assert_int_equal(s.offset, 80);
	assert_int_equal(s.count, 24);
}

static void only_free_space_counts(void **state)
{
	dev_t dev = makedev(8, 1);
	const uint64_t owners[] = { 12, FMR_OWN_METADATA, FMR_OWN_UNKNOWN,
				    FMR_OWNER(0, 4) };
	struct blksnap_sectors s;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(owners) / sizeof(owners[0]); i++) {
		struct fsmap r = rec((uint32_t)dev, owners[i], 0, 1 << 20);

		assert_false(free_space_record(&r, FMH_OF_DEV_T, dev, &s));
	}
}

/* An xfs log or realtime device's free space is not the data device's. */
static void other_device_is_not_ours(void **state)
{
	dev_t dev = makedev(8, 1), log = makedev(8, 2);
	struct fsmap r = rec((uint32_t)log, FMR_OWN_FREE, 0, 1 << 20);
	struct blksnap_sectors s;

	(void)state;
	assert_false(free_space_record(&r, FMH_OF_DEV_T, dev, &s));
	/* Without FMH_OF_DEV_T the device is a cookie: nothing is known. */
	r.fmr_device = (uint32_t)dev;
	assert_false(free_space_record(&r, 0, dev, &s));
}

/* Partial sectors at either end are not wholly free. */
static void partial_sectors_are_left_out(void **state)
{
	dev_t dev = makedev(8, 1);
	struct fsmap r = rec((uint32_t)dev, FMR_OWN_FREE, 100, 1000);
	struct fsmap tiny = rec((uint32_t)dev, FMR_OWN_FREE, 100, 500);
	struct fsmap wrap = rec((uint32_t)dev, FMR_OWN_FREE, UINT64_MAX - 511, 1024);
	struct blksnap_sectors s;

	(void)state;
	assert_true(free_space_record(&r, FMH_OF_DEV_T, dev, &s));
	assert_int_equal(s.offset, 1);
	assert_int_equal(s.count, 1);
	assert_false(free_space_record(&tiny, FMH_OF_DEV_T, dev, &s));
	assert_false(free_space_record(&wrap, FMH_OF_DEV_T, dev, &s));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(free_record_in_sectors),
		cmocka_unit_test(only_free_space_counts),
		cmocka_unit_test(other_device_is_not_ours),
		cmocka_unit_test(partial_sectors_are_left_out),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
