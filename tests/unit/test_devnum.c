// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <sys/sysmacros.h>
#include <cmocka.h>
#include "target/devnum.h"

static void parses_major_minor(void **state)
{
	dev_t dev = 0;

	(void)state;
	assert_int_equal(devnum_parse("259:3", &dev), 0);
	assert_int_equal(major(dev), 259);
	assert_int_equal(minor(dev), 3);
	assert_int_equal(devnum_parse("4095:1048575", &dev), 0);
	assert_int_equal(major(dev), 4095);
	assert_int_equal(minor(dev), 1048575);
}

static void rejects_paths_and_junk(void **state)
{
	static const char *const bad[] = {
		"/dev/sda1", "8", "8:", ":1", "8:1x", "8:-1", "-8:1", "+8:1",
		" 8:1", "8: 1", "4096:0", "0:1048576", "99999999999999999999:1", "",
	};
	dev_t dev;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(devnum_parse(bad[i], &dev), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_major_minor),
		cmocka_unit_test(rejects_paths_and_junk),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
