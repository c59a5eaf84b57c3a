// SPDX-License-Identifier: GPL-2.0-or-later
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "hooks.h"

#define KILL_GRACE_MS	2000
#define POLL_MS		20

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Wait for @pid until @deadline (ms); 0 with *status, or -ETIMEDOUT. */
static int wait_until(pid_t pid, long long deadline, int *status)
{
	for (;;) {
		pid_t r = waitpid(pid, status, WNOHANG);

		if (r == pid)
			return 0;
		if (r < 0 && errno != EINTR)
			return -errno;
		if (now_ms() >= deadline)
			return -ETIMEDOUT;
		sleep_ms(POLL_MS);
	}
}

/*
 * Run @argv (a hook) as the phase @phase says; 0, or -1 with @why.
 * @name is how messages call it.
 */
static int run_one(const struct hooks *h, const char *phase, bool taken,
		   char *const argv[], const char *name, char *why,
		   size_t whysize)
{
	long long deadline = now_ms() + h->timeout * 1000LL;
	int status, err, fd;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		snprintf(why, whysize, "%s: cannot start: %s", name, strerror(errno));
		return -1;
	}
	if (!pid) {
		setpgid(0, 0);
		fd = open("/dev/null", O_RDONLY);
		if (fd >= 0 && fd != STDIN_FILENO) {
			dup2(fd, STDIN_FILENO);
			close(fd);
		}
		setenv("BLKSNAP_HOOK", phase, 1);
		setenv("BLKSNAP_TARGETS", h->targets ? h->targets : "", 1);
		setenv("BLKSNAP_SNAPSHOT", h->snapshot ? h->snapshot : "", 1);
		if (!strcmp(phase, "post"))
			setenv("BLKSNAP_TAKEN", taken ? "1" : "0", 1);
		execv(argv[0], argv);
		fprintf(stderr, "blksnap: %s: cannot run: %s\n", name, strerror(errno));
		_exit(127);
	}
	setpgid(pid, pid);	/* either side may win the race; both agree */
	err = wait_until(pid, deadline, &status);
	if (err == -ETIMEDOUT) {
		kill(-pid, SIGTERM);
		if (wait_until(pid, now_ms() + KILL_GRACE_MS, &status)) {
			kill(-pid, SIGKILL);
			waitpid(pid, &status, 0);
		}
		snprintf(why, whysize, "%s: timed out after %u s (killed)", name,
			 h->timeout);
		return -1;
	}
	if (err) {
		snprintf(why, whysize, "%s: cannot wait for it: %s", name,
			 strerror(-err));
		return -1;
	}
	if (WIFEXITED(status) && !WEXITSTATUS(status))
		return 0;
	if (WIFEXITED(status))
		snprintf(why, whysize, "%s: exit status %d", name, WEXITSTATUS(status));
	else
		snprintf(why, whysize, "%s: killed by signal %d", name,
			 WTERMSIG(status));
	return -1;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The hooks of the directory, in name order, in a new array. */
static int list_dir(const char *dir, char ***out, size_t *count)
{
	char **v = NULL, **tmp, path[PATH_MAX];
	size_t n = 0, cap = 0;
	struct dirent *e;
	struct stat st;
	DIR *d;

	*out = NULL;
	*count = 0;
	if (!dir)
		return 0;
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' ||
		    (size_t)snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >=
		    sizeof(path) ||
		    stat(path, &st) || !S_ISREG(st.st_mode) || access(path, X_OK))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 8;
			tmp = realloc(v, cap * sizeof(*v));
			if (!tmp)
				goto nomem;
			v = tmp;
		}
		v[n] = strdup(path);
		if (!v[n])
			goto nomem;
		n++;
	}
	closedir(d);
	qsort(v, n, sizeof(*v), by_name);
	*out = v;
	*count = n;
	return 0;
nomem:
	while (n)
		free(v[--n]);
	free(v);
	closedir(d);
	return -ENOMEM;
}

static void free_list(char **v, size_t n)
{
	while (n)
		free(v[--n]);
	free(v);
}

static int run_cmd(const struct hooks *h, const char *phase, bool taken,
		   const char *cmd, const char *opt, char *why, size_t whysize)
{
	char *const argv[] = { "/bin/sh", "-c", (char *)cmd, NULL };
	char name[PATH_MAX];

	snprintf(name, sizeof(name), "%s '%s'", opt, cmd);
	return run_one(h, phase, taken, argv, name, why, whysize);
}

int hooks_pre(struct hooks *h, char *why, size_t whysize)
{
	char **v;
	size_t n, i;
	int err;

	why[0] = '\0';
	err = list_dir(h->dir, &v, &n);
	if (err) {
		snprintf(why, whysize, "%s: cannot read: %s", h->dir, strerror(-err));
		return err;
	}
	h->pre_ran = true;
	for (i = 0; !err && i < n; i++) {
		char *const argv[] = { v[i], "pre", NULL };

		err = run_one(h, "pre", false, argv, v[i], why, whysize);
	}
	free_list(v, n);
	if (!err && h->pre)
		err = run_cmd(h, "pre", false, h->pre, "--pre", why, whysize);
	return err;
}

int hooks_post(struct hooks *h, bool taken, char *why, size_t whysize)
{
	char **v = NULL, first[HOOKS_WHY_LEN] = "";
	size_t n = 0, i;
	int ret = 0;

	why[0] = '\0';
	if (!h->pre_ran)
		return 0;
	h->pre_ran = false;
	if (h->post && run_cmd(h, "post", taken, h->post, "--post", first,
			       sizeof(first)))
		ret = -1;
	/* Listed again: the post hooks run even if the directory changed. */
	if (list_dir(h->dir, &v, &n) && !ret) {
		snprintf(first, sizeof(first), "%s: cannot read", h->dir);
		ret = -1;
	}
	for (i = n; i-- > 0;) {
		char *const argv[] = { v[i], "post", NULL };
		char one[HOOKS_WHY_LEN];

		if (run_one(h, "post", taken, argv, v[i], one, sizeof(one)) && !ret) {
			snprintf(first, sizeof(first), "%s", one);
			ret = -1;
		}
	}
	free_list(v, n);
	snprintf(why, whysize, "%s", first);
	return ret;
}
