// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The commands end to end, binary to libblksnap to ioctl(), against the
 * fake module of fake_module.c (LD_PRELOAD) and a block device node made
 * for the test.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <cmocka.h>
#include "fake_module.h"
#include "run_cli.h"

static char dir[] = "/tmp/blksnap-test-XXXXXX";
static char disk[64];
static struct cli_result res;

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(disk, sizeof(disk), "%s/disk", dir);
	/* Creating a node needs CAP_MKNOD; the tests skip without it. */
	if (mknod(disk, S_IFBLK | 0600, makedev(7, 99)))
		disk[0] = '\0';
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (disk[0])
		unlink(disk);
	rmdir(dir);
	return 0;
}

static void run(const char *const *args)
{
	const struct cli_env env = {
		.control = "/dev/null",
		.preload = FAKE_MODULE_SO,
	};

	if (!disk[0])
		skip();
	assert_true(run_cli(&env, args, &res));
}

/* Arguments, with "@" standing for the test's block device. */
#define RUN(...)	run_disk((const char *[]){ __VA_ARGS__, NULL })

static void run_disk(const char **args)
{
	size_t i;

	for (i = 0; args[i]; i++)
		if (!strcmp(args[i], "@"))
			args[i] = disk;
	run(args);
}

static void assert_success(const char *out)
{
	if (res.status)
		fail_msg("exit %d: %s", res.status, res.err);
	assert_string_equal(res.err, "");
	assert_string_equal(res.out, out);
}

static void version_json_has_tool_library_and_module_keys(void **state)
{
	(void)state;
	RUN("version", "--json");
	assert_success("{\n"
		       "   \"version\": [\n"
		       "      {\n"
		       "         \"tool\": \"" EXPECTED_VERSION "\",\n"
		       "         \"library\": \"" EXPECTED_VERSION "\",\n"
		       "         \"module\": \"0.1.0\"\n"
		       "      }\n"
		       "   ]\n"
		       "}\n");
}

static void cbt_info_json_shows_generation_and_change_number(void **state)
{
	char want[512];

	(void)state;
	RUN("cbt", "info", "--json", "@");
	snprintf(want, sizeof(want),
		 "{\n"
		 "   \"cbt\": [\n"
		 "      {\n"
		 "         \"device\": \"%s\",\n"
		 "         \"capacity\": %d,\n"
		 "         \"block-size\": %d,\n"
		 "         \"blocks\": 6,\n"
		 "         \"generation\": \"" FAKE_GENERATION "\",\n"
		 "         \"changes\": %d\n"
		 "      }\n"
		 "   ]\n"
		 "}\n", disk, FAKE_CAPACITY, FAKE_BLOCK_SIZE, FAKE_CHANGES);
	assert_success(want);
}

static void cbt_map_lists_merged_ranges_clipped_to_capacity(void **state)
{
	(void)state;
	RUN("cbt", "map", "@");
	assert_success("OFFSET LENGTH\n"
		       " 65536 196608\n"
		       "327680   4096\n");
}

static void cbt_map_since_lists_only_later_changes(void **state)
{
	(void)state;
	RUN("cbt", "map", "--json", "--since", FAKE_GENERATION ":4", "@");
	assert_success("{\n"
		       "   \"ranges\": [\n"
		       "      {\n"
		       "         \"offset\": 131072,\n"
		       "         \"length\": 131072\n"
		       "      }\n"
		       "   ]\n"
		       "}\n");
}

static void cbt_map_since_other_generation_exits_3(void **state)
{
	(void)state;
	RUN("cbt", "map", "--since", "00000000-0000-4000-8000-000000000000:4", "@");
	assert_int_equal(res.status, 3);
	assert_string_equal(res.out, "");
	assert_non_null(strstr(res.err, "change tracking restarted since then "
			       "(generation is now " FAKE_GENERATION "); "
			       "take a full backup\n"));
}

static void cbt_map_since_unreached_number_exits_3(void **state)
{
	(void)state;
	RUN("cbt", "map", "--since", FAKE_GENERATION ":6", "@");
	assert_int_equal(res.status, 3);
	assert_non_null(strstr(res.err, "change number 6 was never reached"));
}

static void cbt_mark_dirty_succeeds_silently(void **state)
{
	(void)state;
	RUN("cbt", "mark-dirty", "@", "0:4K", "1M:64K");
	assert_success("");
}

static void attach_twice_says_already_attached(void **state)
{
	char want[256];

	(void)state;
	RUN("attach", "@");
	snprintf(want, sizeof(want), "blksnap: %s: already attached; nothing to "
		 "do, or run 'blksnap detach %s' first to restart tracking\n",
		 disk, disk);
	assert_int_equal(res.status, 1);
	assert_string_equal(res.err, want);
}

static void detach_of_unattached_device_says_not_attached(void **state)
{
	char want[256];

	(void)state;
	RUN("detach", "@");
	snprintf(want, sizeof(want), "blksnap: %s: not attached; attach it "
		 "with 'blksnap attach %s'\n", disk, disk);
	assert_int_equal(res.status, 1);
	assert_string_equal(res.err, want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(version_json_has_tool_library_and_module_keys),
		cmocka_unit_test(cbt_info_json_shows_generation_and_change_number),
		cmocka_unit_test(cbt_map_lists_merged_ranges_clipped_to_capacity),
		cmocka_unit_test(cbt_map_since_lists_only_later_changes),
		cmocka_unit_test(cbt_map_since_other_generation_exits_3),
		cmocka_unit_test(cbt_map_since_unreached_number_exits_3),
		cmocka_unit_test(cbt_mark_dirty_succeeds_silently),
		cmocka_unit_test(attach_twice_says_already_attached),
		cmocka_unit_test(detach_of_unattached_device_says_not_attached),
	};

	return cmocka_run_group_tests_name("cli_commands", tests, setup, teardown);
}
