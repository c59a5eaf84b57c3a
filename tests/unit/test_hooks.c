// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Pre- and post-snapshot hooks: the directory's executables in name order
 * for pre and in reverse for post, around --pre and --post, with their
 * environment; a failing pre hook stops the others; every post hook runs
 * even after one fails; a hook past its timeout is killed with its
 * children; no directory, no hooks.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include "backup/hooks.h"
#include "scratch_tree.h"

static char top[] = "/tmp/test_hooks.XXXXXX";
static char dir[sizeof(top) + 16], logf[sizeof(top) + 16];
static char why[HOOKS_WHY_LEN];

static void hook(const char *name, const char *body)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "#!/bin/sh\n%s\n", body);
	fclose(f);
	assert_int_equal(chmod(path, 0755), 0);
}

static char *read_log(void)
{
	static char buf[4096];
	ssize_t n;
	int fd = open(logf, O_RDONLY);

	buf[0] = '\0';
	if (fd < 0)
		return buf;
	n = read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
	return buf;
}

static int setup_one(void **state)
{
	(void)state;
	strcpy(top, "/tmp/test_hooks.XXXXXX");
	if (!mkdtemp(top))
		return -1;
	snprintf(dir, sizeof(dir), "%s/hooks.d", top);
	snprintf(logf, sizeof(logf), "%s/log", top);
	return mkdir(dir, 0700);
}

static int teardown_one(void **state)
{
	(void)state;
	return scratch_tree_remove(top);
}

#define LOG_LINE "echo \"$(basename $0) $1 $BLKSNAP_HOOK $BLKSNAP_TARGETS " \
		 "$BLKSNAP_SNAPSHOT ${BLKSNAP_TAKEN:-}\" >> "

static void hooks_run_in_order_around_the_commands(void **state)
{
	static const char want[] =
		"10-a pre pre /home /var 6f1c2f0e \n"
		"20-b pre pre /home /var 6f1c2f0e \n"
		"pre-cmd pre\n"
		"post-cmd 1\n"
		"20-b post post /home /var 6f1c2f0e 1\n"
		"10-a post post /home /var 6f1c2f0e 1\n";
	char body[PATH_MAX + 128], pre[PATH_MAX + 64], post[PATH_MAX + 64];
	struct hooks h = { .dir = dir, .timeout = 10, .targets = "/home /var",
			   .snapshot = "6f1c2f0e" };

	(void)state;
	snprintf(body, sizeof(body), LOG_LINE "%s", logf);
	hook("20-b", body);
	hook("10-a", body);
	hook(".hidden", body);
	hook("30-off", body);
	snprintf(pre, sizeof(pre), "%s/30-off", dir);
	assert_int_equal(chmod(pre, 0644), 0);	/* not executable: not a hook */
	snprintf(pre, sizeof(pre), "echo pre-cmd $BLKSNAP_HOOK >> %s", logf);
	snprintf(post, sizeof(post), "echo post-cmd $BLKSNAP_TAKEN >> %s", logf);
	h.pre = pre;
	h.post = post;
	assert_int_equal(hooks_pre(&h, why, sizeof(why)), 0);
	assert_int_equal(hooks_post(&h, true, why, sizeof(why)), 0);
	assert_string_equal(read_log(), want);
	/* Once: a second call of post runs nothing. */
	assert_int_equal(hooks_post(&h, true, why, sizeof(why)), 0);
	assert_string_equal(read_log(), want);
}

static void failing_pre_hook_stops_the_others(void **state)
{
	char body[PATH_MAX + 128], pre[PATH_MAX + 64];
	struct hooks h = { .dir = dir, .timeout = 10 };

	(void)state;
	snprintf(body, sizeof(body), "echo $(basename $0) $1 >> %s", logf);
	hook("10-a", body);
	snprintf(body, sizeof(body), "echo $(basename $0) $1 >> %s; [ $1 = post ] || exit 3", logf);
	hook("20-b", body);
	snprintf(body, sizeof(body), "echo $(basename $0) $1 >> %s", logf);
	hook("30-c", body);
	snprintf(pre, sizeof(pre), "echo pre-cmd >> %s", logf);
	h.pre = pre;
	assert_int_equal(hooks_pre(&h, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "/hooks.d/20-b: exit status 3"));
	assert_string_equal(read_log(), "10-a pre\n20-b pre\n");
	/* The post hooks then all run, the taken flag 0. */
	assert_int_equal(hooks_post(&h, false, why, sizeof(why)), 0);
	assert_string_equal(read_log(), "10-a pre\n20-b pre\n30-c post\n20-b post\n10-a post\n");
}

static void every_post_hook_runs_after_one_fails(void **state)
{
	char body[PATH_MAX + 128];
	struct hooks h = { .dir = dir, .timeout = 10, .post = "exit 4" };

	(void)state;
	snprintf(body, sizeof(body), "echo $(basename $0) $1 >> %s; [ $1 = pre ] || exit 5", logf);
	hook("20-b", body);
	snprintf(body, sizeof(body), "echo $(basename $0) $1 >> %s", logf);
	hook("10-a", body);
	assert_int_equal(hooks_pre(&h, why, sizeof(why)), 0);
	assert_int_equal(hooks_post(&h, true, why, sizeof(why)), -1);
	/* The first failure is named; the others ran all the same. */
	assert_string_equal(why, "--post 'exit 4': exit status 4");
	assert_string_equal(read_log(), "10-a pre\n20-b pre\n20-b post\n10-a post\n");
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Killed at its timeout, with the child it started (its process group). */
static void hook_past_its_timeout_is_killed_with_its_children(void **state)
{
	char body[PATH_MAX + 128], pidfile[sizeof(top) + 16], buf[32] = "";
	struct hooks h = { .dir = dir, .timeout = 1 };
	double t0;
	FILE *f;
	long child;
	int i;

	(void)state;
	snprintf(pidfile, sizeof(pidfile), "%s/pid", top);
	snprintf(body, sizeof(body), "sleep 60 & echo $! > %s; wait", pidfile);
	hook("10-slow", body);
	t0 = now();
	assert_int_equal(hooks_pre(&h, why, sizeof(why)), -1);
	assert_true(now() - t0 < 5);
	assert_non_null(strstr(why, "10-slow: timed out after 1 s (killed)"));
	f = fopen(pidfile, "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	child = strtol(buf, NULL, 10);
	assert_true(child > 0);
	/* Reaped by init once killed: gone within a moment. */
	for (i = 0; i < 100 && !kill(child, 0); i++)
		usleep(20000);
	assert_int_equal(kill(child, 0), -1);
	assert_int_equal(errno, ESRCH);
}

static void no_directory_means_no_hooks(void **state)
{
	char missing[sizeof(top) + 16];
	struct hooks h = { .timeout = 10 };

	(void)state;
	snprintf(missing, sizeof(missing), "%s/none", top);
	h.dir = missing;
	assert_int_equal(hooks_pre(&h, why, sizeof(why)), 0);
	assert_int_equal(hooks_post(&h, true, why, sizeof(why)), 0);
	/* And post without pre runs nothing. */
	h.post = "exit 1";
	assert_int_equal(hooks_post(&h, true, why, sizeof(why)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(hooks_run_in_order_around_the_commands,
						setup_one, teardown_one),
		cmocka_unit_test_setup_teardown(failing_pre_hook_stops_the_others,
						setup_one, teardown_one),
		cmocka_unit_test_setup_teardown(every_post_hook_runs_after_one_fails,
						setup_one, teardown_one),
		cmocka_unit_test_setup_teardown(hook_past_its_timeout_is_killed_with_its_children,
						setup_one, teardown_one),
		cmocka_unit_test_setup_teardown(no_directory_means_no_hooks,
						setup_one, teardown_one),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
