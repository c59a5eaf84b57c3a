// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The blksnap binary's contract with scripts: exit codes, one-line runtime
 * errors on stderr, usage errors pointing at --help, help on stdout.  Runs
 * the built binary; no module is needed (BLKSNAP_CONTROL points elsewhere).
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "run_cli.h"

#define MISSING	"/nonexistent/blksnap-control"

static struct cli_result res;

static void run(const char *control, const char *const *args)
{
	const struct cli_env env = { .control = control };

	assert_true(run_cli(&env, args, &res));
}

#define RUN(control, ...)						\
	run(control, (const char *const[]){ __VA_ARGS__, NULL })

static int lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void assert_ends_with(const char *s, const char *tail)
{
	size_t ls = strlen(s), lt = strlen(tail);

	if (ls < lt || strcmp(s + ls - lt, tail))
		fail_msg("\"%s\" does not end with \"%s\"", s, tail);
}

static void assert_usage_error(const char *cmd)
{
	char tail[128];

	snprintf(tail, sizeof(tail),
		 "\nTry '%s --help' for more information.\n", cmd);
	assert_int_equal(res.status, 2);
	assert_string_equal(res.out, "");
	assert_int_equal(lines(res.err), 2);
	assert_ends_with(res.err, tail);
}

static void version_without_module_says_load_it_and_exits_1(void **state)
{
	(void)state;
	RUN(MISSING, "version");
	assert_int_equal(res.status, 1);
	assert_string_equal(res.out, "");
	assert_string_equal(res.err, "blksnap: " MISSING ": the blksnap module "
			    "is not loaded; load it with 'modprobe blksnap'\n");
}

static void version_json_without_module_prints_nothing_on_stdout(void **state)
{
	(void)state;
	RUN(MISSING, "version", "--json");
	assert_int_equal(res.status, 1);
	assert_string_equal(res.out, "");
	assert_int_equal(lines(res.err), 1);
}

/*
 * A skipped test proves nothing: when any was skipped (and none failed)
 * the binary exits SKIP_EXIT, which ctest reports as skipped, not passed.
 */
#define SKIP_EXIT	77
static bool skipped;

static void version_without_permission_says_run_as_root(void **state)
{
	char dir[] = "/tmp/blksnap-test-XXXXXX", node[64];
	const char *const args[] = { "version", NULL };
	struct cli_env env = { .control = node, .as_nobody = true };
	char expect[128];
	bool started;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(chmod(dir, 0755), 0);
	snprintf(node, sizeof(node), "%s/blksnap-control", dir);
	f = fopen(node, "w");
	assert_non_null(f);
	fclose(f);
	/* Mode 000 stops an ordinary user; root is run as nobody. */
	assert_int_equal(chmod(node, 0), 0);

	started = run_cli(&env, args, &res);
	unlink(node);
	rmdir(dir);
	if (!started) {
		skipped = true;
		skip();
	}

	snprintf(expect, sizeof(expect),
		 "blksnap: %s: permission denied; run blksnap as root\n", node);
	assert_int_equal(res.status, 1);
	assert_string_equal(res.err, expect);
}

static void version_on_foreign_node_says_it_is_not_blksnap(void **state)
{
	(void)state;
	RUN("/dev/null", "version");
	assert_int_equal(res.status, 1);
	assert_int_equal(lines(res.err), 1);
	assert_non_null(strstr(res.err, "blksnap: /dev/null: not a blksnap "
			       "control node; "));
}

static void attach_of_character_device_says_not_a_block_device(void **state)
{
	(void)state;
	RUN(MISSING, "attach", "/dev/null");
	assert_int_equal(res.status, 1);
	assert_string_equal(res.err, "blksnap: /dev/null: not a block device; "
			    "give a block device path such as /dev/sdb1\n");
}

static void detach_of_missing_device_says_no_such_file_or_device(void **state)
{
	(void)state;
	RUN(MISSING, "detach", "/nonexistent/sdz9");
	assert_int_equal(res.status, 1);
	assert_int_equal(lines(res.err), 1);
	assert_non_null(strstr(res.err, "blksnap: /nonexistent/sdz9: no such file "
			       "or device; "));
}

static void no_command_is_usage_error(void **state)
{
	(void)state;
	run(MISSING, (const char *const[]){ NULL });
	assert_usage_error("blksnap");
}

static void unknown_command_is_usage_error(void **state)
{
	(void)state;
	RUN(MISSING, "frobnicate");
	assert_usage_error("blksnap");
	assert_non_null(strstr(res.err, "'frobnicate'"));
}

static void unknown_option_points_to_the_command_help(void **state)
{
	(void)state;
	RUN(MISSING, "version", "--frobnicate");
	assert_usage_error("blksnap version");
	RUN(MISSING, "cbt", "map", "-x", "/dev/sda");
	assert_usage_error("blksnap cbt map");
}

static void unknown_subcommand_is_usage_error(void **state)
{
	(void)state;
	RUN(MISSING, "cbt", "frobnicate");
	assert_usage_error("blksnap cbt");
}

static void missing_device_argument_is_usage_error(void **state)
{
	(void)state;
	RUN(MISSING, "attach");
	assert_usage_error("blksnap attach");
	RUN(MISSING, "cbt", "info");
	assert_usage_error("blksnap cbt info");
}

static void unaligned_mark_dirty_range_is_usage_error(void **state)
{
	(void)state;
	RUN(MISSING, "cbt", "mark-dirty", "/dev/null", "4K:1M", "4097:512");
	assert_usage_error("blksnap cbt mark-dirty");
	assert_non_null(strstr(res.err, "'4097:512': not a multiple of 512 bytes"));
}

static void malformed_since_is_usage_error(void **state)
{
	(void)state;
	RUN(MISSING, "cbt", "map", "--since", "yesterday", "/dev/null");
	assert_usage_error("blksnap cbt map");
}

static void malformed_snapshot_id_is_usage_error(void **state)
{
	(void)state;
	RUN(MISSING, "snapshot", "destroy", "6f1c2f0e");
	assert_usage_error("blksnap snapshot destroy");
	assert_non_null(strstr(res.err, "'6f1c2f0e': not a snapshot id"));
	RUN(MISSING, "snapshot", "info");
	assert_usage_error("blksnap snapshot info");
}

static void unaligned_or_zero_snapshot_limit_is_usage_error(void **state)
{
	(void)state;
	RUN(MISSING, "snapshot", "create", "--limit", "1000", "/dev/sda");
	assert_usage_error("blksnap snapshot create");
	assert_non_null(strstr(res.err, "not a multiple of 512 bytes"));
	RUN(MISSING, "snapshot", "create", "--limit", "0", "/dev/sda");
	assert_usage_error("blksnap snapshot create");
}

static void snapshot_create_without_device_is_usage_error(void **state)
{
	(void)state;
	RUN(MISSING, "snapshot", "create", "--storage", "/var/tmp");
	assert_usage_error("blksnap snapshot create");
}

static void snapshot_list_without_module_says_load_it(void **state)
{
	(void)state;
	RUN(MISSING, "snapshot", "list");
	assert_int_equal(res.status, 1);
	assert_string_equal(res.err, "blksnap: " MISSING ": the blksnap module "
			    "is not loaded; load it with 'modprobe blksnap'\n");
}

static void snapshot_request_to_old_module_says_install_newer(void **state)
{
	(void)state;
	/* /dev/null answers ENOTTY, as a module without snapshots would. */
	RUN("/dev/null", "snapshot", "list");
	assert_int_equal(res.status, 1);
	assert_string_equal(res.err, "blksnap: /dev/null: cannot list the "
			    "snapshots: the loaded blksnap module does not "
			    "support snapshots; install a newer blksnap module\n");
}

static void backup_usage_errors_exit_2(void **state)
{
	(void)state;
	RUN(MISSING, "backup", "/dev/null");
	assert_usage_error("blksnap backup");
	assert_non_null(strstr(res.err, "--to"));
	RUN(MISSING, "backup", "--to", "/tmp/x.img");
	assert_usage_error("blksnap backup");
	RUN(MISSING, "backup", "--to", "/tmp", "--state", "/tmp/s", "/a", "/b");
	assert_usage_error("blksnap backup");
	RUN(MISSING, "backup", "--to", "/tmp", "--ranges-out", "/tmp/r", "/a", "/b");
	assert_usage_error("blksnap backup");
	RUN(MISSING, "backup", "--bwlimit", "fast", "--to", "/tmp/x.img", "/a");
	assert_usage_error("blksnap backup");
	RUN(MISSING, "backup", "--keep", "0", "--to", "/tmp/x.img", "/a");
	assert_usage_error("blksnap backup");
	assert_non_null(strstr(res.err, "--keep '0'"));
	RUN(MISSING, "backup", "-K", "-3", "--to", "/tmp/x.img", "/a");
	assert_usage_error("blksnap backup");
	assert_non_null(strstr(res.err, "restore points"));
	RUN(MISSING, "snapshot", "mount", "6f1c2f0e-5b7d-4c1e-9a7b-2d0c4c8e1f3a", "/a");
	assert_usage_error("blksnap snapshot mount");
}

static void bad_config_line_names_file_and_line(void **state)
{
	static const char *const vars[] = {
		"BLKSNAP_CONFIG=" FIXTURES_DIR "/blksnap.conf-bad", NULL,
	};
	struct cli_env env = { .vars = vars };
	const char *const args[] = { "backup", "--to", "/tmp/x.img", "/", NULL };

	(void)state;
	assert_true(run_cli(&env, args, &res));
	assert_int_equal(res.status, 1);
	assert_string_equal(res.out, "");
	assert_string_equal(res.err, "blksnap: " FIXTURES_DIR "/blksnap.conf-bad:3: "
			    "unknown key; see blksnap.conf(5)\n");
}

static void help_goes_to_stdout_and_exits_0(void **state)
{
	static const char *const cases[][4] = {
		{ "--help" }, { "-h" }, { "help" }, { "help", "--help" },
		{ "help", "cbt", "map" },
		{ "version", "--help" }, { "attach", "-h" }, { "detach", "--help" },
		{ "cbt", "--help" }, { "cbt", "info", "--help" },
		{ "cbt", "map", "-h" }, { "cbt", "mark-dirty", "--help" },
		{ "snapshot", "--help" }, { "help", "snapshot", "create" },
		{ "snapshot", "create", "--help" }, { "snapshot", "list", "-h" },
		{ "snapshot", "info", "--help" }, { "snapshot", "watch", "--help" },
		{ "snapshot", "destroy", "--help" },
		{ "snapshot", "mount", "--help" }, { "snapshot", "umount", "-h" },
		{ "backup", "--help" }, { "help", "backup" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		run(MISSING, cases[i]);
		assert_int_equal(res.status, 0);
		assert_string_equal(res.err, "");
		assert_memory_equal(res.out, "Usage:\n", 7);
	}
}

static void top_level_help_documents_exit_codes(void **state)
{
	(void)state;
	RUN(MISSING, "--help");
	assert_non_null(strstr(res.out, "Exit status:"));
	assert_non_null(strstr(res.out, " 2  usage error"));
	assert_non_null(strstr(res.out, "BLKSNAP_CONTROL"));
}

static void version_option_prints_tool_version(void **state)
{
	(void)state;
	RUN(MISSING, "-V");
	assert_int_equal(res.status, 0);
	assert_string_equal(res.out, "blksnap " EXPECTED_VERSION "\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(version_without_module_says_load_it_and_exits_1),
		cmocka_unit_test(version_json_without_module_prints_nothing_on_stdout),
		cmocka_unit_test(version_without_permission_says_run_as_root),
		cmocka_unit_test(version_on_foreign_node_says_it_is_not_blksnap),
		cmocka_unit_test(attach_of_character_device_says_not_a_block_device),
		cmocka_unit_test(detach_of_missing_device_says_no_such_file_or_device),
		cmocka_unit_test(no_command_is_usage_error),
		cmocka_unit_test(unknown_command_is_usage_error),
		cmocka_unit_test(unknown_option_points_to_the_command_help),
		cmocka_unit_test(unknown_subcommand_is_usage_error),
		cmocka_unit_test(missing_device_argument_is_usage_error),
		cmocka_unit_test(unaligned_mark_dirty_range_is_usage_error),
		cmocka_unit_test(malformed_since_is_usage_error),
		cmocka_unit_test(malformed_snapshot_id_is_usage_error),
		cmocka_unit_test(backup_usage_errors_exit_2),
		cmocka_unit_test(bad_config_line_names_file_and_line),
		cmocka_unit_test(unaligned_or_zero_snapshot_limit_is_usage_error),
		cmocka_unit_test(snapshot_create_without_device_is_usage_error),
		cmocka_unit_test(snapshot_list_without_module_says_load_it),
		cmocka_unit_test(snapshot_request_to_old_module_says_install_newer),
		cmocka_unit_test(help_goes_to_stdout_and_exits_0),
		cmocka_unit_test(top_level_help_documents_exit_codes),
		cmocka_unit_test(version_option_prints_tool_version),
	};

	int failed = cmocka_run_group_tests_name("cli_errors", tests, NULL, NULL);

	return failed ? failed : skipped ? SKIP_EXIT : 0;
}
