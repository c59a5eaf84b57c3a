// SPDX-License-Identifier: GPL-2.0-or-later
/* Ages in table cells: units and the edges. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "common/human.h"

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
		cmocka_unit_test(ages_show_the_two_largest_units),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
