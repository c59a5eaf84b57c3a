// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The record of a backup run's snapshot (DEST.blksnap/snapshot): what a
 * run wrote reads back the same once the run is gone, never while it
 * lives; a missing record is -ENOENT; garbage is refused with a reason
 * (and still handed over, locked, for removal); a torn last line is
 * ignored; only a filter the run attached, on a device whose state it
 * did not advance, is one to detach; DEST.blksnap goes with the record
 * only if nothing else is in it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <cmocka.h>
#include "backup/snapshot_record.h"
#include "common/generation.h"
#include "scratch_tree.h"

static char top[] = "/tmp/test_snapshot_record.XXXXXX";
static char dest[256], dir[300], record[350];
static char why[SNAPSHOT_RECORD_WHY_LEN];

static const char snap[] = "6f1c2f0e-5b7d-4c1e-9a7b-2d0c4c8e1f3a";

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(top))
		return -1;
	snprintf(dest, sizeof(dest), "%s/home.img", top);
	snprintf(dir, sizeof(dir), "%s.blksnap", dest);
	snprintf(record, sizeof(record), "%s/snapshot", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return scratch_tree_remove(top);
}

/* Each test starts with no DEST.blksnap at all. */
static int fresh(void **state)
{
	(void)state;
	unlink(record);
	rmdir(dir);
	return 0;
}

static void write_record(const char *text, size_t len)
{
	int fd;

	mkdir(dir, 0700);
	fd = open(record, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
}

static void record_of_a_dead_run_reads_back(void **state)
{
	struct blksnap_uuid id;
	struct snapshot_record rec;
	struct stat st;
	mode_t old = umask(0);
	int fd, fd2;

	(void)state;
	assert_int_equal(generation_parse(snap, &id), 0);
	assert_int_equal(snapshot_record_create(dest, &id, &fd), 0);
	umask(old);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(stat(record, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(snapshot_record_add(fd, makedev(254, 17), false), 0);
	assert_int_equal(snapshot_record_add(fd, makedev(8, 1), false), 0);
	assert_int_equal(snapshot_record_add(fd, makedev(254, 17), true), 0);
	assert_int_equal(snapshot_record_add(fd, makedev(259, 3), true), 0);
	close(fd);	/* the run is killed: its lock goes, its record stays */

	assert_int_equal(snapshot_record_claim(dest, &rec, &fd, why, sizeof(why)), 0);
	assert_true(fd >= 0);
	assert_true(generation_equal(&rec.id, &id));
	assert_int_equal(rec.n, 3);
	assert_true(rec.devs[0].dev == makedev(254, 17));
	assert_true(rec.devs[0].attached && rec.devs[0].advanced);
	assert_true(rec.devs[1].dev == makedev(8, 1));
	assert_true(rec.devs[1].attached && !rec.devs[1].advanced);
	assert_true(rec.devs[2].dev == makedev(259, 3));
	assert_true(!rec.devs[2].attached && rec.devs[2].advanced);
	/* A second claimer waits on the first, as on a live run. */
	assert_int_equal(snapshot_record_claim(dest, &rec, &fd2, why, sizeof(why)),
			 -EBUSY);
	snapshot_record_free(&rec);
	assert_int_equal(snapshot_record_remove(dest, fd), 0);
	assert_int_equal(access(record, F_OK), -1);
	assert_int_equal(errno, ENOENT);
	/* The directory it alone was in goes with it. */
	assert_int_equal(access(dir, F_OK), -1);
}

static void directory_with_points_stays(void **state)
{
	struct blksnap_uuid id;
	char lock[sizeof(dir) + 8];
	int fd;

	(void)state;
	assert_int_equal(generation_parse(snap, &id), 0);
	assert_int_equal(snapshot_record_create(dest, &id, &fd), 0);
	snprintf(lock, sizeof(lock), "%s/lock", dir);
	close(open(lock, O_WRONLY | O_CREAT, 0600));
	assert_int_equal(snapshot_record_remove(dest, fd), 0);
	assert_int_equal(access(record, F_OK), -1);
	assert_int_equal(access(lock, F_OK), 0);
	unlink(lock);
}

static void only_filters_attached_and_not_advanced_are_detached(void **state)
{
	struct snapshot_record_dev devs[] = {
		{ makedev(8, 1), false, false },
		{ makedev(8, 2), true, false },
		{ makedev(8, 3), false, true },
		{ makedev(8, 4), true, true },
	};
	struct snapshot_record rec = { .devs = devs, .n = 4 };

	(void)state;
	assert_false(snapshot_record_detach(&rec, 0));
	assert_true(snapshot_record_detach(&rec, 1));
	assert_false(snapshot_record_detach(&rec, 2));
	assert_false(snapshot_record_detach(&rec, 3));
}

static void record_of_a_live_run_is_busy(void **state)
{
	struct blksnap_uuid id;
	struct snapshot_record rec;
	int fd, fd2;

	(void)state;
	assert_int_equal(generation_parse(snap, &id), 0);
	assert_int_equal(snapshot_record_create(dest, &id, &fd), 0);
	assert_int_equal(snapshot_record_claim(dest, &rec, &fd2, why, sizeof(why)),
			 -EBUSY);
	assert_int_equal(fd2, -1);
	/* Nor may a second run record over it. */
	assert_int_equal(snapshot_record_create(dest, &id, &fd2), -EEXIST);
	assert_int_equal(snapshot_record_remove(dest, fd), 0);
	assert_int_equal(snapshot_record_claim(dest, &rec, &fd2, why, sizeof(why)),
			 -ENOENT);
}

static void missing_record_is_enoent(void **state)
{
	struct snapshot_record rec;
	int fd;

	(void)state;
	/* No DEST.blksnap at all, then one without a record. */
	assert_int_equal(snapshot_record_claim(dest, &rec, &fd, why, sizeof(why)),
			 -ENOENT);
	assert_int_equal(mkdir(dir, 0700), 0);
	assert_int_equal(snapshot_record_claim(dest, &rec, &fd, why, sizeof(why)),
			 -ENOENT);
	assert_int_equal(fd, -1);
}

static void garbage_is_refused_with_a_reason(void **state)
{
	static const char *const bad[] = {
		"",
		"hello world\n",
		"\x7f" "ELF\x02\x01\x01\n",
		"blksnap-snapshot-record 1\n",
		"blksnap-snapshot-record 2\nsnapshot 6f1c2f0e-5b7d-4c1e-9a7b-2d0c4c8e1f3a\n",
		"blksnap-snapshot-record 1\nsnapshot not-a-uuid\n",
		"blksnap-snapshot-record 1\nsnapshot\n",
		"blksnap-snapshot-record 1\nattached 8:1\n",
		"blksnap-snapshot-record 1\nsnapshot 6f1c2f0e-5b7d-4c1e-9a7b-2d0c4c8e1f3a\n"
			"attached 8\n",
		"blksnap-snapshot-record 1\nsnapshot 6f1c2f0e-5b7d-4c1e-9a7b-2d0c4c8e1f3a\n"
			"detached 8:1\n",
		"blksnap-snapshot-record 1\nsnapshot 6f1c2f0e-5b7d-4c1e-9a7b-2d0c4c8e1f3a\n"
			"snapshot 0b8e9a7e-2a4f-4f0e-8a57-5d1f3a2c9e11\n",
	};
	static char big[(64 << 10) + 2];
	struct snapshot_record rec;
	size_t i;
	int fd;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_record(bad[i], strlen(bad[i]));
		why[0] = '\0';
		assert_int_equal(snapshot_record_claim(dest, &rec, &fd, why,
						       sizeof(why)), -EBADMSG);
		if (!why[0])
			fail_msg("record %zu refused without a reason", i);
		/* Handed over locked all the same: the caller removes it. */
		assert_true(fd >= 0);
		assert_int_equal(snapshot_record_remove(dest, fd), 0);
		assert_int_equal(access(record, F_OK), -1);
	}
	/* A NUL byte in a line, and a record larger than any real one. */
	write_record("blksnap-snapshot-record 1\nsnap\0shot x\n", 38);
	assert_int_equal(snapshot_record_claim(dest, &rec, &fd, why, sizeof(why)),
			 -EBADMSG);
	assert_int_equal(snapshot_record_remove(dest, fd), 0);
	memset(big, 'a', sizeof(big));
	big[sizeof(big) - 1] = '\n';
	write_record(big, sizeof(big));
	assert_int_equal(snapshot_record_claim(dest, &rec, &fd, why, sizeof(why)),
			 -EBADMSG);
	assert_non_null(strstr(why, "larger"));
	assert_int_equal(snapshot_record_remove(dest, fd), 0);
}

static void torn_last_line_is_ignored(void **state)
{
	static const char cut_device[] =
		"blksnap-snapshot-record 1\nsnapshot 6f1c2f0e-5b7d-4c1e-9a7b-2d0c4c8e1f3a\n"
		"attached 8:1";
	static const char cut_snapshot[] =
		"blksnap-snapshot-record 1\nsnapshot 6f1c2f0e-5b7d-4c1e-9a7b-2d0c4c8e1f3a";
	struct snapshot_record rec;
	int fd;

	(void)state;
	write_record(cut_device, strlen(cut_device));
	assert_int_equal(snapshot_record_claim(dest, &rec, &fd, why, sizeof(why)), 0);
	assert_int_equal(rec.n, 0);
	snapshot_record_free(&rec);
	assert_int_equal(snapshot_record_remove(dest, fd), 0);
	/* A snapshot line never ended names no snapshot to destroy. */
	write_record(cut_snapshot, strlen(cut_snapshot));
	assert_int_equal(snapshot_record_claim(dest, &rec, &fd, why, sizeof(why)),
			 -EBADMSG);
	assert_int_equal(snapshot_record_remove(dest, fd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(record_of_a_dead_run_reads_back, fresh),
		cmocka_unit_test_setup(directory_with_points_stays, fresh),
		cmocka_unit_test(only_filters_attached_and_not_advanced_are_detached),
		cmocka_unit_test_setup(record_of_a_live_run_is_busy, fresh),
		cmocka_unit_test_setup(missing_record_is_enoent, fresh),
		cmocka_unit_test_setup(garbage_is_refused_with_a_reason, fresh),
		cmocka_unit_test_setup(torn_last_line_is_ignored, fresh),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
