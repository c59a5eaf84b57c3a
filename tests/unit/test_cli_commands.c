// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The commands end to end, binary to libblksnap to ioctl(), against the
 * fake module of fake_module.c (LD_PRELOAD) and a block device node made
 * for the test.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <json-c/json.h>
#include "fake_module.h"
#include "run_cli.h"
#include "scratch_tree.h"

static char dir[] = "/tmp/blksnap-test-XXXXXX";
static char disk[64], storage[64], newfile[64], logfile[64], mnt[64];
static char tmpfs[64], mountinfo[64];
static char log_var[96], sysfs_var[96], mountinfo_var[96];
static char logbuf[4096];
static struct cli_result res;

static void make_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

/*
 * The module's sysfs as the fake has it: FAKE_SNAPSHOT_ID with the disk
 * and 7:100, FAKE_SNAPSHOT_ID1 without devices; the disk is "loop99".
 */
static int make_sysfs(void)
{
	static const char *const dirs[] = {
		"sys", "sys/class", "sys/class/misc",
		"sys/class/misc/blksnap-control",
		"sys/class/misc/blksnap-control/snapshots",
		"sys/class/misc/blksnap-control/snapshots/" FAKE_SNAPSHOT_ID,
		"sys/class/misc/blksnap-control/snapshots/" FAKE_SNAPSHOT_ID1,
		"sys/dev", "sys/dev/block", "sys/devices", "sys/devices/virtual",
		"sys/devices/virtual/block", "sys/devices/virtual/block/loop99",
	};
	char path[256], taken[32];
	size_t i;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, dirs[i]);
		if (mkdir(path, 0755))
			return -1;
	}
	snprintf(path, sizeof(path), "%s/%s/devices", dir, dirs[5]);
	make_file(path, "7:99 " FAKE_IMAGE "\n7:100 " FAKE_IMAGE2 "\n");
	/* Taken 1h02m05s before the test: the take time is this file's. */
	snprintf(path, sizeof(path), "%s/%s/taken", dir, dirs[5]);
	snprintf(taken, sizeof(taken), "%lld\n", (long long)time(NULL) - 3725);
	make_file(path, taken);
	snprintf(path, sizeof(path), "%s/%s/storage", dir, dirs[5]);
	make_file(path, "1572864 268435456\n");
	/* 7:99 had 48 MiB free at the take; 7:100 was handed none. */
	snprintf(path, sizeof(path), "%s/%s/free", dir, dirs[5]);
	make_file(path, "7:99 50331648\n7:100 0\n");
	/* FAKE_SNAPSHOT_ID1 as an older module shows it: no take time, no storage. */
	snprintf(path, sizeof(path), "%s/%s/devices", dir, dirs[6]);
	make_file(path, "");
	/* 4096 sectors: 2 MiB. */
	snprintf(path, sizeof(path), "%s/%s/size", dir, dirs[12]);
	make_file(path, "4096\n");
	snprintf(path, sizeof(path), "%s/sys/dev/block/7:99", dir);
	return symlink("../../devices/virtual/block/loop99", path);
}

/* The mount table the binary reads: the disk at mnt, a tmpfs at tmpfs. */
static int make_mounts(void)
{
	char table[512];

	if (mkdir(mnt, 0755) || mkdir(tmpfs, 0755))
		return -1;
	snprintf(table, sizeof(table),
		 "1 0 8:2 / / rw - ext4 /dev/root rw\n"
		 "30 1 7:99 / %s rw - ext4 %s rw\n"
		 "31 1 0:40 / %s rw - tmpfs tmpfs rw\n", mnt, disk, tmpfs);
	make_file(mountinfo, table);
	return 0;
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(disk, sizeof(disk), "%s/disk", dir);
	snprintf(storage, sizeof(storage), "%s/storage", dir);
	snprintf(newfile, sizeof(newfile), "%s/newfile", dir);
	snprintf(logfile, sizeof(logfile), "%s/log", dir);
	snprintf(log_var, sizeof(log_var), "FAKE_MODULE_LOG=%s", logfile);
	snprintf(sysfs_var, sizeof(sysfs_var), "BLKSNAP_SYSFS=%s/sys", dir);
	snprintf(mnt, sizeof(mnt), "%s/mnt", dir);
	snprintf(tmpfs, sizeof(tmpfs), "%s/tmpfs", dir);
	snprintf(mountinfo, sizeof(mountinfo), "%s/mountinfo", dir);
	snprintf(mountinfo_var, sizeof(mountinfo_var), "BLKSNAP_MOUNTINFO=%s",
		 mountinfo);
	/* Creating a node needs CAP_MKNOD; the tests skip without it. */
	if (mknod(disk, S_IFBLK | 0600, makedev(7, 99)))
		disk[0] = '\0';
	return mkdir(storage, 0700) || make_sysfs() || make_mounts() ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	return scratch_tree_remove(dir);
}

/*
 * A skipped test proves nothing: when any was skipped (and none failed)
 * the binary exits SKIP_EXIT, which ctest reports as skipped, not passed.
 */
#define SKIP_EXIT	77
static bool skipped;

static void run(const char *const *vars, const char *const *args)
{
	const struct cli_env env = {
		.control = "/dev/null",
		.preload = FAKE_MODULE_SO,
		.vars = vars,
	};

	if (!disk[0]) {
		skipped = true;
		skip();
	}
	unlink(logfile);
	assert_true(run_cli(&env, args, &res));
}

/* Arguments, with "@" standing for the test's block device. */
#define RUN(...)	run_disk(NULL, (const char *[]){ __VA_ARGS__, NULL })
/* The same with the fake's environment: RUN_ENV(VARS("A=1"), args...). */
#define VARS(...)	((const char *[]){ log_var, sysfs_var, __VA_ARGS__, NULL })
#define RUN_ENV(vars, ...)	run_disk(vars, (const char *[]){ __VA_ARGS__, NULL })

static void run_disk(const char *const *vars, const char **args)
{
	size_t i;

	for (i = 0; args[i]; i++)
		if (!strcmp(args[i], "@"))
			args[i] = disk;
	run(vars, args);
}

/* The requests the fake module saw, one "request = result" per line. */
static const char *fake_log(void)
{
	FILE *f = fopen(logfile, "r");
	size_t n = 0;

	if (f) {
		n = fread(logbuf, 1, sizeof(logbuf) - 1, f);
		fclose(f);
	}
	logbuf[n] = '\0';
	return logbuf;
}

/*
 * JSON is compared as JSON (members, values, array order), not as text:
 * the layout is the JSON library's business, the shape is ours.
 */
static void assert_same_json(const char *got, const char *want)
{
	struct json_object *g = json_tokener_parse(got);
	struct json_object *w = json_tokener_parse(want);

	if (!w)
		fail_msg("the test's JSON does not parse: %s", want);
	if (!g || !json_object_equal(g, w))
		fail_msg("got JSON\n%s\nwanted\n%s", got, want);
	json_object_put(g);
	json_object_put(w);
}

static void assert_success(const char *out)
{
	if (res.status)
		fail_msg("exit %d: %s", res.status, res.err);
	assert_string_equal(res.err, "");
	if (out[0] == '{')
		assert_same_json(res.out, out);
	else
		assert_string_equal(res.out, out);
}

/* The take time the fixture's "taken" file holds. */
static long long taken_at(void)
{
	char path[PATH_MAX];
	long long t = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/sys/class/misc/blksnap-control/"
		 "snapshots/" FAKE_SNAPSHOT_ID "/taken", dir);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%lld", &t), 1);
	fclose(f);
	return t;
}

/*
 * As assert_success(), but "age" counts seconds since the fixture was
 * made: 3725 when it was made, and as many more as the tests took since
 * (a loaded machine runs them for many seconds).
 */
static void assert_success_json_age(const char *want)
{
	struct json_object *g, *age;
	int64_t a;

	if (res.status)
		fail_msg("exit %d: %s", res.status, res.err);
	g = json_tokener_parse(res.out);
	assert_non_null(g);
	assert_true(json_object_object_get_ex(g, "age", &age));
	a = json_object_get_int64(age);
	if (a < 3725 || a > (int64_t)time(NULL) - taken_at())
		fail_msg("age %lld, wanted 3725 (+ the test's run time)", (long long)a);
	json_object_object_add(g, "age", json_object_new_int64(3725));
	snprintf(res.out, sizeof(res.out), "%s", json_object_to_json_string(g));
	json_object_put(g);
	assert_success(want);
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
	RUN_ENV(VARS(mountinfo_var), "cbt", "mark-dirty", "@", "0:4K", "1M:64K");
	assert_success("");
	/* The ranges reach the module, in sectors. */
	assert_string_equal(fake_log(), "dirty 7:99 0+8 2048+128 = 0\n");
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

static void snapshot_create_adds_takes_and_prints_images(void **state)
{
	char want[512];

	(void)state;
	RUN_ENV(VARS("FAKE_MODULE_ATTACHED=no"),
		"snapshot", "create", "--storage", storage, "@");
	snprintf(want, sizeof(want),
		 "ID                                   DEVICE%*s IMAGE\n"
		 FAKE_SNAPSHOT_ID " %s /dev/" FAKE_IMAGE "\n",
		 (int)strlen(disk) - 6, "", disk);
	assert_success(want);
	snprintf(want, sizeof(want),
		 "create dir %s 2097152 = 0\n"
		 "attach 7:99 = 0\n"
		 "attach 7:99 = %d\n"
		 "add 7:99 " FAKE_SNAPSHOT_ID " = 0\n"
		 "take " FAKE_SNAPSHOT_ID " = 0\n"
		 "info 7:99 = 0\n", storage, -EALREADY);
	assert_string_equal(fake_log(), want);
}

static void snapshot_create_json_has_id_and_devices(void **state)
{
	char want[512];

	(void)state;
	RUN_ENV(VARS("FAKE_MODULE_ATTACHED=no"), "snapshot", "create", "--json",
		"--storage", storage, "--limit", "64M", "@", "7:100");
	snprintf(want, sizeof(want),
		 "{\n"
		 "   \"id\": \"" FAKE_SNAPSHOT_ID "\",\n"
		 "   \"devices\": [\n"
		 "      {\n"
		 "         \"device\": \"%s\",\n"
		 "         \"image\": \"/dev/" FAKE_IMAGE "\"\n"
		 "      },\n"
		 "      {\n"
		 "         \"device\": \"7:100\",\n"
		 "         \"image\": \"/dev/" FAKE_IMAGE2 "\"\n"
		 "      }\n"
		 "   ]\n"
		 "}\n", disk);
	assert_success(want);
	assert_non_null(strstr(fake_log(), "create dir "));
	assert_non_null(strstr(logbuf, " 131072 = 0\n"));
}

static void snapshot_create_failed_take_undoes_everything(void **state)
{
	char want[512], fail[32];
	struct stat st;

	(void)state;
	snprintf(fail, sizeof(fail), "FAKE_MODULE_FAIL=take:%d", EIO);
	RUN_ENV(VARS("FAKE_MODULE_ATTACHED=no", fail),
		"snapshot", "create", "--storage", newfile, "@");
	assert_int_equal(res.status, 1);
	assert_string_equal(res.out, "");
	assert_string_equal(res.err, "blksnap: " FAKE_SNAPSHOT_ID ": cannot take "
			    "the snapshot: Input/output error; see 'dmesg' for "
			    "the module's messages\n");
	snprintf(want, sizeof(want),
		 "create file %s 2097152 = 0\n"
		 "attach 7:99 = 0\n"
		 "attach 7:99 = %d\n"
		 "add 7:99 " FAKE_SNAPSHOT_ID " = 0\n"
		 "take " FAKE_SNAPSHOT_ID " = %d\n"
		 "destroy " FAKE_SNAPSHOT_ID " = 0\n"
		 "detach 7:99 = 0\n", newfile, -EALREADY, -EIO);
	assert_string_equal(fake_log(), want);
	/* The storage file the command made is gone again. */
	assert_int_equal(stat(newfile, &st), -1);
	assert_int_equal(errno, ENOENT);
}

static void snapshot_create_failure_leaves_earlier_filters_attached(void **state)
{
	char fail[32];

	(void)state;
	snprintf(fail, sizeof(fail), "FAKE_MODULE_FAIL=add:%d", EBUSY);
	RUN_ENV(VARS(fail), "snapshot", "create", "--storage", storage, "@");
	assert_int_equal(res.status, 1);
	assert_non_null(strstr(res.err, ": already in a snapshot; destroy that "
			       "snapshot first"));
	assert_non_null(strstr(fake_log(), "destroy " FAKE_SNAPSHOT_ID " = 0\n"));
	assert_null(strstr(logbuf, "detach"));
}

static void snapshot_create_of_one_device_twice_adds_it_once(void **state)
{
	char want[512];

	(void)state;
	RUN_ENV(VARS(mountinfo_var), "snapshot", "create", "--storage", storage,
		"@", "7:99", mnt);
	if (res.status)
		fail_msg("exit %d: %s", res.status, res.err);
	snprintf(want, sizeof(want),
		 "create dir %s 2097152 = 0\n"
		 "attach 7:99 = %d\n"
		 "attach 7:99 = %d\n"
		 "add 7:99 " FAKE_SNAPSHOT_ID " = 0\n"
		 "take " FAKE_SNAPSHOT_ID " = 0\n"
		 "info 7:99 = 0\n", storage, -EALREADY, -EALREADY);
	assert_string_equal(fake_log(), want);
}

static void snapshot_create_of_a_mount_point_snapshots_its_device(void **state)
{
	char want[512];

	(void)state;
	RUN_ENV(VARS(mountinfo_var), "snapshot", "create", "--json",
		"--storage", storage, mnt);
	/* The device as sysfs names it: the table's source is no /dev path. */
	snprintf(want, sizeof(want),
		 "{\n"
		 "   \"id\": \"" FAKE_SNAPSHOT_ID "\",\n"
		 "   \"devices\": [\n"
		 "      {\n"
		 "         \"device\": \"/dev/loop99\",\n"
		 "         \"image\": \"/dev/" FAKE_IMAGE "\"\n"
		 "      }\n"
		 "   ]\n"
		 "}\n");
	assert_success(want);
	assert_non_null(strstr(fake_log(), "add 7:99 "));
}

static void snapshot_create_limit_percent_is_of_the_devices_size(void **state)
{
	char want[128];

	(void)state;
	RUN_ENV(VARS(mountinfo_var), "snapshot", "create", "--storage", storage,
		"--limit", "20%", "@");
	if (res.status)
		fail_msg("exit %d: %s", res.status, res.err);
	/* 20% of 2 MiB, down to a multiple of 512: 819 sectors. */
	snprintf(want, sizeof(want), "create dir %s 819 = 0\n", storage);
	assert_non_null(strstr(fake_log(), want));
}

static void snapshot_create_without_storage_says_where_it_goes(void **state)
{
	char want[128], *end;

	(void)state;
	/* The machine's own /var/tmp, /var/lib/blksnap or /tmp: all off 7:99. */
	RUN_ENV(VARS(mountinfo_var), "snapshot", "create", "@");
	if (res.status)
		fail_msg("exit %d: %s", res.status, res.err);
	assert_true(!strncmp(res.err, "blksnap: difference storage in /", 32));
	end = strchr(res.err + 31, ' ');
	assert_non_null(end);
	snprintf(want, sizeof(want), "create dir %.*s 2097152 = 0\n",
		 (int)(end - res.err - 31), res.err + 31);
	assert_non_null(strstr(fake_log(), want));
}

static void snapshot_create_keeps_storage_in_its_own_ext4_as_a_directory(void **state)
{
	char want[512], path[128];

	(void)state;
	/* A path still to be made there: its directory, nothing made. */
	snprintf(path, sizeof(path), "%s/not-made", mnt);
	RUN_ENV(VARS(mountinfo_var), "snapshot", "create", "--storage", path, "@");
	if (res.status)
		fail_msg("exit %d: %s", res.status, res.err);
	snprintf(want, sizeof(want), "blksnap: difference storage in %s (ext4 "
		 "on /dev/loop99, the snapshotted filesystem; ", mnt);
	assert_true(!strncmp(res.err, want, strlen(want)));
	assert_non_null(strstr(res.err, "; up to "));
	snprintf(want, sizeof(want), "create dir %s ", mnt);
	assert_true(!strncmp(fake_log(), want, strlen(want)));
	assert_int_equal(access(path, F_OK), -1);
}

static void snapshot_create_refuses_a_named_file_in_its_own_filesystem(void **state)
{
	char want[512], path[128];

	(void)state;
	snprintf(path, sizeof(path), "%s/diff.img", mnt);
	make_file(path, "");
	RUN_ENV(VARS(mountinfo_var), "snapshot", "create", "--storage", path, "@");
	unlink(path);
	snprintf(want, sizeof(want), "blksnap: %s: a named file on the "
		 "snapshotted filesystem cannot be pinned; give a directory on "
		 "it, e.g. %s\n", path, mnt);
	assert_int_equal(res.status, 1);
	assert_string_equal(res.out, "");
	assert_string_equal(res.err, want);
	assert_string_equal(fake_log(), "");
}

static void snapshot_create_says_why_its_own_filesystem_cannot_hold_storage(void **state)
{
	char fail[64], want[512];

	(void)state;
	snprintf(fail, sizeof(fail), "FAKE_MODULE_FAIL=add:%d", ENOSPC);
	RUN_ENV(VARS(mountinfo_var, fail), "snapshot", "create", "--storage",
		mnt, "--limit", "1M", "@");
	snprintf(want, sizeof(want), "blksnap: %s: not enough free space to "
		 "preallocate the difference storage on the snapshotted "
		 "filesystem; give a smaller --limit or --storage on another "
		 "disk\n", mnt);
	assert_int_equal(res.status, 1);
	assert_non_null(strstr(res.err, want));
	assert_non_null(strstr(fake_log(), "destroy " FAKE_SNAPSHOT_ID " = 0\n"));
}

static void snapshot_create_refuses_storage_on_another_snapshot(void **state)
{
	char want[512];

	(void)state;
	RUN_ENV(VARS(mountinfo_var, "FAKE_MODULE_SNAPSHOTS=1"),
		"snapshot", "create", "--storage", mnt, "7:101");
	snprintf(want, sizeof(want), "blksnap: %s: is on /dev/loop99, a device "
		 "of snapshot " FAKE_SNAPSHOT_ID "; put --storage on another "
		 "disk, or destroy that snapshot first\n", mnt);
	assert_int_equal(res.status, 1);
	assert_string_equal(res.err, want);
	assert_string_equal(fake_log(), "");
}

static void attach_of_a_tmpfs_path_is_refused_before_the_module(void **state)
{
	char want[512];

	(void)state;
	RUN_ENV(VARS(mountinfo_var), "attach", tmpfs);
	snprintf(want, sizeof(want), "blksnap: %s: a virtual filesystem (tmpfs) "
		 "with no block device of its own; give a path on a disk "
		 "filesystem\n", tmpfs);
	assert_int_equal(res.status, 1);
	assert_string_equal(res.err, want);
	assert_string_equal(fake_log(), "");
}

static void snapshot_info_json_shows_images_and_errors(void **state)
{
	char want[1024];

	(void)state;
	RUN_ENV(VARS("FAKE_MODULE_SNAPSHOTS=1", mountinfo_var),
		"snapshot", "info", "--json", FAKE_SNAPSHOT_ID);
	/* 7:99 is mounted on mnt in the fixture table, 7:100 nowhere. */
	snprintf(want, sizeof(want),
		 "{\n"
		 "   \"id\": \"" FAKE_SNAPSHOT_ID "\",\n"
		 "   \"taken\": %lld,\n"
		 "   \"age\": 3725,\n"
		 "   \"storage-used\": 1572864,\n"
		 "   \"storage-limit\": 268435456,\n"
		 "   \"devices\": [\n"
		 "      {\n"
		 "         \"device\": \"/dev/loop99\",\n"
		 "         \"image\": \"/dev/" FAKE_IMAGE "\",\n"
		 "         \"error\": null,\n"
		 "         \"mountpoint\": \"%s\",\n"
		 "         \"state\": \"active\",\n"
		 "         \"free-at-take\": 50331648\n"
		 "      },\n"
		 "      {\n"
		 "         \"device\": \"7:100\",\n"
		 "         \"image\": \"/dev/" FAKE_IMAGE2 "\",\n"
		 "         \"error\": \"EIO\",\n"
		 "         \"mountpoint\": null,\n"
		 "         \"state\": \"corrupted\",\n"
		 "         \"free-at-take\": 0\n"
		 "      }\n"
		 "   ]\n"
		 "}\n", taken_at(), mnt);
	assert_success_json_age(want);
}

static void snapshot_info_of_unknown_id_says_no_such_snapshot(void **state)
{
	(void)state;
	RUN_ENV(VARS("FAKE_MODULE_SNAPSHOTS=1"),
		"snapshot", "info", "00000000-0000-4000-8000-000000000000");
	assert_int_equal(res.status, 1);
	assert_string_equal(res.err, "blksnap: 00000000-0000-4000-8000-000000000000: "
			    "no such snapshot; 'blksnap snapshot list' shows "
			    "the snapshots\n");
}

static void snapshot_list_has_a_row_per_device(void **state)
{
	(void)state;
	/* An empty mount table: whatever this machine mounts on loop99. */
	RUN_ENV(VARS("FAKE_MODULE_SNAPSHOTS=2", "BLKSNAP_MOUNTINFO=/dev/null"),
		"snapshot", "list");
	assert_success(
		"ID                                   DEVICE      IMAGE              MOUNTPOINT STATE                           AGE USED LIMIT FREE\n"
		FAKE_SNAPSHOT_ID " /dev/loop99 /dev/" FAKE_IMAGE "  -          active                        1h02m 1.5M  256M  48M\n"
		FAKE_SNAPSHOT_ID " 7:100       /dev/" FAKE_IMAGE2 " -          corrupted: Input/output error 1h02m 1.5M  256M    0\n"
		FAKE_SNAPSHOT_ID1 " -           -                  -          -                                 -    -     -    -\n");
}

/*
 * A device of the snapshot went away (a removed disk): SNAPSHOTINFO
 * answers ENODEV for it, and the snapshot must still be listed, so that
 * it can be found and destroyed.
 */
static void snapshot_list_shows_a_gone_device(void **state)
{
	char fail[32];
	const char *p;
	int n = 0;

	(void)state;
	snprintf(fail, sizeof(fail), "FAKE_MODULE_FAIL=info:%d", ENODEV);
	RUN_ENV(VARS("FAKE_MODULE_SNAPSHOTS=1", "BLKSNAP_MOUNTINFO=/dev/null", fail),
		"snapshot", "list", "--json");
	assert_int_equal(res.status, 0);
	assert_string_equal(res.err, "");
	assert_non_null(strstr(res.out, FAKE_SNAPSHOT_ID));
	for (p = res.out; (p = strstr(p, "\"state\": \"gone\"")); p++)
		n++;
	assert_int_equal(n, 2);
	assert_non_null(strstr(res.out, "\"error\": \"ENODEV\""));
	RUN_ENV(VARS("FAKE_MODULE_SNAPSHOTS=1", "BLKSNAP_MOUNTINFO=/dev/null", fail),
		"snapshot", "list");
	assert_int_equal(res.status, 0);
	assert_non_null(strstr(res.out, "device gone"));
}

static void snapshot_list_json_of_none_is_empty_array(void **state)
{
	(void)state;
	RUN_ENV(VARS("FAKE_MODULE_SNAPSHOTS=0"), "snapshot", "list", "--json");
	assert_success("{\n   \"snapshots\": []\n}\n");
}

static void snapshot_destroy_while_image_open_says_in_use(void **state)
{
	char fail[32];

	(void)state;
	snprintf(fail, sizeof(fail), "FAKE_MODULE_FAIL=destroy:%d", EBUSY);
	RUN_ENV(VARS("FAKE_MODULE_SNAPSHOTS=1", fail),
		"snapshot", "destroy", FAKE_SNAPSHOT_ID);
	assert_int_equal(res.status, 1);
	assert_string_equal(res.out, "");
	assert_string_equal(res.err, "blksnap: " FAKE_SNAPSHOT_ID ": an image of "
			    "the snapshot is in use; unmount it or stop the "
			    "program reading it, then destroy again\n");
}

static void snapshot_destroy_succeeds_silently(void **state)
{
	(void)state;
	RUN_ENV(VARS("FAKE_MODULE_SNAPSHOTS=1"),
		"snapshot", "destroy", FAKE_SNAPSHOT_ID);
	assert_success("");
	assert_string_equal(fake_log(), "destroy " FAKE_SNAPSHOT_ID " = 0\n");
}

static void snapshot_watch_reports_events_until_destroyed(void **state)
{
	(void)state;
	RUN_ENV(VARS("FAKE_MODULE_SNAPSHOTS=1",
		     "FAKE_MODULE_EVENTS=low_free_space,low_free_space,destroyed"),
		"snapshot", "watch", FAKE_SNAPSHOT_ID);
	assert_success(FAKE_SNAPSHOT_ID ": difference storage running low; the "
		       "module asks for 1048576 more bytes\n"
		       FAKE_SNAPSHOT_ID ": difference storage running low; the "
		       "module asks for 1048576 more bytes\n"
		       FAKE_SNAPSHOT_ID ": destroyed\n");
}

static void snapshot_watch_exits_1_when_corrupted(void **state)
{
	(void)state;
	RUN_ENV(VARS("FAKE_MODULE_SNAPSHOTS=1",
		     "FAKE_MODULE_EVENTS=low_free_space,corrupted"),
		"snapshot", "watch", FAKE_SNAPSHOT_ID);
	assert_int_equal(res.status, 1);
	assert_non_null(strstr(res.out, "running low"));
	assert_string_equal(res.err, "blksnap: " FAKE_SNAPSHOT_ID ": corrupted "
			    "by an error on 7:99 (Input/output error); destroy "
			    "the snapshot and create a new one\n");
}

static void snapshot_watch_of_unknown_id_fails(void **state)
{
	(void)state;
	RUN_ENV(VARS("FAKE_MODULE_SNAPSHOTS=0"),
		"snapshot", "watch", FAKE_SNAPSHOT_ID);
	assert_int_equal(res.status, 1);
	assert_non_null(strstr(res.err, ": no such snapshot; "));
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
		cmocka_unit_test(snapshot_create_adds_takes_and_prints_images),
		cmocka_unit_test(snapshot_create_json_has_id_and_devices),
		cmocka_unit_test(snapshot_create_failed_take_undoes_everything),
		cmocka_unit_test(snapshot_create_failure_leaves_earlier_filters_attached),
		cmocka_unit_test(snapshot_create_of_one_device_twice_adds_it_once),
		cmocka_unit_test(snapshot_create_of_a_mount_point_snapshots_its_device),
		cmocka_unit_test(snapshot_create_limit_percent_is_of_the_devices_size),
		cmocka_unit_test(snapshot_create_without_storage_says_where_it_goes),
		cmocka_unit_test(snapshot_create_keeps_storage_in_its_own_ext4_as_a_directory),
		cmocka_unit_test(snapshot_create_refuses_a_named_file_in_its_own_filesystem),
		cmocka_unit_test(snapshot_create_says_why_its_own_filesystem_cannot_hold_storage),
		cmocka_unit_test(snapshot_create_refuses_storage_on_another_snapshot),
		cmocka_unit_test(attach_of_a_tmpfs_path_is_refused_before_the_module),
		cmocka_unit_test(snapshot_info_json_shows_images_and_errors),
		cmocka_unit_test(snapshot_info_of_unknown_id_says_no_such_snapshot),
		cmocka_unit_test(snapshot_list_has_a_row_per_device),
		cmocka_unit_test(snapshot_list_shows_a_gone_device),
		cmocka_unit_test(snapshot_list_json_of_none_is_empty_array),
		cmocka_unit_test(snapshot_destroy_while_image_open_says_in_use),
		cmocka_unit_test(snapshot_destroy_succeeds_silently),
		cmocka_unit_test(snapshot_watch_reports_events_until_destroyed),
		cmocka_unit_test(snapshot_watch_exits_1_when_corrupted),
		cmocka_unit_test(snapshot_watch_of_unknown_id_fails),
	};

	int failed = cmocka_run_group_tests_name("cli_commands", tests, setup,
						 teardown);

	return failed ? failed : skipped ? SKIP_EXIT : 0;
}
