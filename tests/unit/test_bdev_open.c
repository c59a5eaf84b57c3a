// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A device held for a moment (udev's probe after a write) is waited for;
 * one held for good is refused with EBUSY once the wait is over; other
 * errors are not waited for.  Regular files stand in for the device: the
 * flock is the same.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include "common/bdev_open.h"

static char path[] = "/tmp/test_bdev_open.XXXXXX";

static int setup(void **state)
{
	int fd = mkstemp(path);

	(void)state;
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return unlink(path);
}

static long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* A child holds a shared lock for @ms (0: until killed); its pid. */
static pid_t hold_shared(unsigned int ms)
{
	int pipefd[2];
	pid_t pid;
	char c;

	assert_int_equal(pipe(pipefd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		int fd = open(path, O_RDONLY);

		if (fd < 0 || flock(fd, LOCK_SH))
			_exit(1);
		if (write(pipefd[1], "x", 1) != 1)
			_exit(1);
		if (ms)
			usleep(ms * 1000);
		else
			pause();
		_exit(0);
	}
	close(pipefd[1]);
	assert_int_equal(read(pipefd[0], &c, 1), 1);
	close(pipefd[0]);
	return pid;
}

static void a_moment_of_udev_is_waited_for(void **state)
{
	pid_t holder = hold_shared(300);
	long start = now_ms();
	int status, fd;

	(void)state;
	fd = bdev_open_waiting(path, O_RDWR | O_CLOEXEC, LOCK_EX, 5000);
	assert_true(fd >= 0);
	assert_true(now_ms() - start >= 200);
	close(fd);
	assert_int_equal(waitpid(holder, &status, 0), holder);
}

static void a_holder_that_stays_is_refused(void **state)
{
	pid_t holder = hold_shared(0);
	long start = now_ms();
	int status;

	(void)state;
	assert_int_equal(bdev_open_waiting(path, O_RDWR | O_CLOEXEC, LOCK_EX,
					   400), -EBUSY);
	assert_true(now_ms() - start >= 400);
	/* A shared lock beside a shared one is no conflict. */
	status = bdev_open_waiting(path, O_RDONLY | O_CLOEXEC, LOCK_SH, 0);
	assert_true(status >= 0);
	close(status);
	kill(holder, SIGKILL);
	assert_int_equal(waitpid(holder, &status, 0), holder);
}

static void other_errors_are_not_waited_for(void **state)
{
	long start = now_ms();

	(void)state;
	assert_int_equal(bdev_open_waiting("/nonexistent/blksnap-dest",
					   O_RDWR | O_CLOEXEC, LOCK_EX, 5000),
			 -ENOENT);
	assert_true(now_ms() - start < 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_moment_of_udev_is_waited_for),
		cmocka_unit_test(a_holder_that_stays_is_refused),
		cmocka_unit_test(other_errors_are_not_waited_for),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
