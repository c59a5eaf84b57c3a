// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * blksnap.conf: every key optional, values kept as given, and any bad
 * line an error that names the file and the line.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "common/config.h"

static char path[] = "/tmp/test_config.XXXXXX";
static struct config cfg;
static char err[PATH_MAX + 256];

static int parse(const char *text)
{
	int fd = mkstemp(path);
	FILE *f;
	int ret;

	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	config_defaults(&cfg);
	err[0] = '\0';
	ret = config_parse_file(path, &cfg, err, sizeof(err));
	unlink(path);
	strcpy(path, "/tmp/test_config.XXXXXX");
	return ret;
}

/* "FILE:LINE: ..." with this test's file name. */
static void assert_error_at(int line)
{
	char want[64];

	snprintf(want, sizeof(want), ":%d: ", line);
	assert_true(strncmp(err, "/tmp/test_config.", 17) == 0);
	assert_non_null(strstr(err, want));
	assert_non_null(strstr(err, "blksnap.conf(5)"));
}

static void empty_file_keeps_the_defaults(void **state)
{
	(void)state;
	assert_int_equal(parse(""), 0);
	assert_string_equal(cfg.state_dir, "/var/lib/blksnap");
	assert_int_equal(cfg.nstorage_dirs, 0);
	assert_string_equal(cfg.limit, "");
	assert_int_equal(cfg.keep, 7);
	assert_false(cfg.exact);
}

static void every_key_is_read(void **state)
{
	(void)state;
	assert_int_equal(parse("# blksnap settings\n"
			       "[snapshot]\n"
			       "storage-directories = /srv/spare  /var/tmp\n"
			       "limit = 20%\n"
			       "\n"
			       "[backup]\n"
			       "; where the states live\n"
			       "state-directory = /backup/state\n"
			       "keep = 30\n"), 0);
	assert_int_equal(cfg.nstorage_dirs, 2);
	assert_string_equal(cfg.storage_dirs[0], "/srv/spare");
	assert_string_equal(cfg.storage_dirs[1], "/var/tmp");
	assert_string_equal(cfg.limit, "20%");
	assert_string_equal(cfg.state_dir, "/backup/state");
	assert_int_equal(cfg.keep, 30);
	assert_int_equal(parse("[snapshot]\nlimit = 2G\n"), 0);
	assert_string_equal(cfg.limit, "2G");
}

static void bad_lines_name_file_and_line(void **state)
{
	(void)state;
	assert_int_equal(parse("[snapshot]\nlimit = 20%\nthis is not ini\n"), -EINVAL);
	assert_error_at(3);
	assert_int_equal(parse("[backup]\n\nstate-dir = /x\n"), -EINVAL);
	assert_error_at(3);
	assert_non_null(strstr(err, "unknown key"));
	assert_int_equal(parse("[backups]\nstate-directory = /x\n"), -EINVAL);
	assert_error_at(2);
	assert_int_equal(parse("state-directory = /x\n"), -EINVAL);
	assert_error_at(1);
	assert_int_equal(parse("[backup]\nstate-directory = relative/dir\n"), -EINVAL);
	assert_error_at(2);
	assert_non_null(strstr(err, "absolute"));
	assert_int_equal(parse("[snapshot]\nlimit = 101%\n"), -EINVAL);
	assert_error_at(2);
	assert_int_equal(parse("[snapshot]\nlimit = 1000\n"), -EINVAL);
	assert_error_at(2);
	assert_int_equal(parse("[snapshot]\nstorage-directories = /a b\n"), -EINVAL);
	assert_error_at(2);
}

/* exact: yes or no, nothing else (a typo must not change what images show). */
static void exact_is_yes_or_no(void **state)
{
	static const char *const bad[] = { "1", "true", "Yes", "", "yes please" };
	char text[64];
	size_t i;

	(void)state;
	assert_int_equal(parse("[snapshot]\nexact = yes\n"), 0);
	assert_true(cfg.exact);
	assert_int_equal(parse("[snapshot]\nexact = no\n"), 0);
	assert_false(cfg.exact);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "[snapshot]\nexact = %s\n", bad[i]);
		assert_int_equal(parse(text), -EINVAL);
		assert_error_at(2);
		assert_non_null(strstr(err, "yes or no"));
	}
	assert_int_equal(parse("[backup]\nexact = yes\n"), -EINVAL);
	assert_error_at(2);
}

/* keep: a count of points, at least the latest; nothing strtoul lets by. */
static void keep_is_a_count_of_points(void **state)
{
	static const char *const bad[] = { "0", "-1", "+7", "7d", "1.5", "",
					   "100001", "18446744073709551623" };
	char text[64];
	size_t i;

	(void)state;
	assert_int_equal(parse("[backup]\nkeep = 1\n"), 0);
	assert_int_equal(cfg.keep, 1);
	assert_int_equal(parse("[backup]\nkeep = 100000\n"), 0);
	assert_int_equal(cfg.keep, 100000);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "[backup]\n\nkeep = %s\n", bad[i]);
		assert_int_equal(parse(text), -EINVAL);
		assert_error_at(3);
		assert_non_null(strstr(err, "restore points"));
		assert_int_equal(cfg.keep, 7);
	}
	/* In [snapshot] it is no key. */
	assert_int_equal(parse("[snapshot]\nkeep = 3\n"), -EINVAL);
	assert_error_at(2);
}

/* The file the packages install: every key commented out, defaults kept. */
static void shipped_file_keeps_the_defaults(void **state)
{
	(void)state;
	config_defaults(&cfg);
	assert_int_equal(config_parse_file(SHIPPED_CONF, &cfg, err, sizeof(err)), 0);
	assert_string_equal(cfg.state_dir, "/var/lib/blksnap");
	assert_int_equal(cfg.nstorage_dirs, 0);
	assert_string_equal(cfg.limit, "");
	assert_int_equal(cfg.keep, 7);
}

static void missing_file_is_enoent(void **state)
{
	(void)state;
	config_defaults(&cfg);
	assert_int_equal(config_parse_file("/nonexistent/blksnap.conf", &cfg,
					   err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "/nonexistent/blksnap.conf"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(empty_file_keeps_the_defaults),
		cmocka_unit_test(every_key_is_read),
		cmocka_unit_test(bad_lines_name_file_and_line),
		cmocka_unit_test(exact_is_yes_or_no),
		cmocka_unit_test(keep_is_a_count_of_points),
		cmocka_unit_test(shipped_file_keeps_the_defaults),
		cmocka_unit_test(missing_file_is_enoent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
