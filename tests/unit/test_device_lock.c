// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * One backup of a device at a time: a second run of the same device is
 * refused without waiting and told the first run's pid and DEST, or
 * waits for it; another device is free; the directory is made private.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include "backup/device_lock.h"
#include "scratch_tree.h"

static char top[] = "/tmp/test_device_lock.XXXXXX";
static char dir[sizeof(top) + 16];

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(top))
		return -1;
	snprintf(dir, sizeof(dir), "%s/run", top);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return scratch_tree_remove(top);
}

static void second_run_of_a_device_is_told_who_has_it(void **state)
{
	struct device_lock_holder h;
	struct stat st;
	int a, b, c;

	(void)state;
	assert_int_equal(device_lock(dir, makedev(8, 17), false, "/backup/a.img",
				     &a, &h), 0);
	assert_true(a >= 0);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(device_lock(dir, makedev(8, 17), false, "/backup/b.img",
				     &b, &h), -EBUSY);
	assert_int_equal(b, -1);
	assert_int_equal(h.pid, getpid());
	assert_string_equal(h.dest, "/backup/a.img");
	/* Another device is another lock. */
	assert_int_equal(device_lock(dir, makedev(8, 18), false, "/backup/c.img",
				     &c, &h), 0);
	close(c);
	close(a);
	assert_int_equal(device_lock(dir, makedev(8, 17), false, "/backup/b.img",
				     &b, &h), 0);
	close(b);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A run that waits gets the lock when the other run ends, not before. */
static void waiting_run_gets_the_device_when_the_other_ends(void **state)
{
	struct device_lock_holder h;
	int p[2], fd, status;
	double t0;
	char c;
	pid_t pid;

	(void)state;
	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		if (device_lock(dir, makedev(8, 33), false, "/backup/x.img", &fd, &h))
			_exit(1);
		(void)!write(p[1], "y", 1);
		usleep(300000);
		_exit(0);
	}
	assert_int_equal(read(p[0], &c, 1), 1);
	t0 = now();
	assert_int_equal(device_lock(dir, makedev(8, 33), true, "/backup/y.img",
				     &fd, &h), 0);
	assert_true(now() - t0 > 0.1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && !WEXITSTATUS(status));
	close(fd);
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(second_run_of_a_device_is_told_who_has_it),
		cmocka_unit_test(waiting_run_gets_the_device_when_the_other_ends),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
