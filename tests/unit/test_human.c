// SPDX-License-Identifier: GPL-2.0-or-later
/* Table cells for sizes and ages: units, rounding and the edges. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "human.h"

static void sizes_use_binary_units_and_one_decimal(void **state)
{
	char b[HUMAN_LEN];

	(void)state;
	assert_string_equal(human_size(0, b), "0B");
	assert_string_equal(human_size(1023, b), "1023B");
	assert_string_equal(human_size(1024, b), "1K");
	assert_string_equal(human_size(1536 * 1024, b), "1.5M");
	/* Rounded down: never more than there is. */
	assert_string_equal(human_size(2047ULL << 20, b), "1.9G");
	assert_string_equal(human_size(10ULL << 30, b), "10G");
	assert_string_equal(human_size((20ULL << 30) + (512ULL << 20), b), "20G");
	assert_string_equal(human_size(256ULL << 20, b), "256M");
	assert_string_equal(human_size(UINT64_MAX, b), "15E");
}

static void ages_show_the_two_largest_units(void **state)
{
	char b[HUMAN_LEN];

	(void)state;
	assert_string_equal(human_age(-5, b), "0s");
	assert_string_equal(human_age(0, b), "0s");
	assert_string_equal(human_age(59, b), "59s");
	assert_string_equal(human_age(60, b), "1m00s");
	assert_string_equal(human_age(3599, b), "59m59s");
	assert_string_equal(human_age(3725, b), "1h02m");
	assert_string_equal(human_age(86400 + 4 * 3600 + 59, b), "1d04h");
	assert_string_equal(human_age(INT64_MAX, b), "106751991167300d15h");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sizes_use_binary_units_and_one_decimal),
		cmocka_unit_test(ages_show_the_two_largest_units),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
