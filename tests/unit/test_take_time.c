// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Take times: RFC 3339 and the file name form read back as written;
 * offsets are applied; impossible days, fractions and junk are refused.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdint.h>
#include <cmocka.h>
#include "backup/take_time.h"

#define T	1764678896	/* 2025-12-02T12:34:56Z */

static void both_forms_read_back_as_written(void **state)
{
	char s[TAKE_TIME_LEN];
	int64_t t;

	(void)state;
	assert_int_equal(take_time_format(T, s), 0);
	assert_string_equal(s, "2025-12-02T12:34:56Z");
	assert_int_equal(take_time_parse(s, &t), 0);
	assert_int_equal(t, T);
	assert_int_equal(take_time_format_name(T, s), 0);
	assert_string_equal(s, "20251202T123456Z");
	assert_int_equal(take_time_parse(s, &t), 0);
	assert_int_equal(t, T);
}

static void offsets_and_lower_case_are_rfc3339(void **state)
{
	int64_t t;

	(void)state;
	assert_int_equal(take_time_parse("2025-12-02T13:34:56+01:00", &t), 0);
	assert_int_equal(t, T);
	assert_int_equal(take_time_parse("2025-12-02t07:04:56-05:30", &t), 0);
	assert_int_equal(t, T);
	assert_int_equal(take_time_parse("2025-12-02 12:34:56z", &t), 0);
	assert_int_equal(t, T);
}

static void impossible_or_partial_times_are_refused(void **state)
{
	static const char *const bad[] = {
		"", "2025-12-02", "2025-12-02T12:34:56", "2025-02-31T00:00:00Z",
		"2025-13-01T00:00:00Z", "2025-12-02T24:00:00Z",
		"2025-12-02T12:34:56.5Z", "2025-12-02T12:34:56Zjunk",
		"20251202T123456+01:00", "1969-12-31T23:59:59Z", "yesterday",
	};
	int64_t t;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(take_time_parse(bad[i], &t), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(both_forms_read_back_as_written),
		cmocka_unit_test(offsets_and_lower_case_are_rfc3339),
		cmocka_unit_test(impossible_or_partial_times_are_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
