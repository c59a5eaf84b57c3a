// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/wait.h>
#include <unistd.h>
#include "run_cli.h"

/* The child's way of saying "could not start as asked": skip, not fail. */
#define CANNOT_START	125

static void slurp(FILE *f, char *buf, size_t size)
{
	size_t n;

	rewind(f);
	n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	fclose(f);
}

static void child(const struct cli_env *env, const char *const *args,
		  FILE *out, FILE *err)
{
	const char *argv[32] = { "blksnap" };
	size_t i;

	for (i = 0; args[i] && i + 2 < sizeof(argv) / sizeof(argv[0]); i++)
		argv[i + 1] = args[i];
	if (env->control)
		setenv("BLKSNAP_CONTROL", env->control, 1);
	else
		unsetenv("BLKSNAP_CONTROL");
	if (env->preload)
		setenv("LD_PRELOAD", env->preload, 1);
	else
		unsetenv("LD_PRELOAD");
	for (i = 0; env->vars && env->vars[i]; i++)
		if (putenv((char *)env->vars[i]))
			_exit(CANNOT_START);
	if (env->as_nobody && geteuid() == 0 &&
	    (setgroups(0, NULL) || setgid(65534) || setuid(65534)))
		_exit(CANNOT_START);
	if (dup2(fileno(out), 1) < 0 || dup2(fileno(err), 2) < 0)
		_exit(CANNOT_START);
	execv(BLKSNAP_BIN, (char *const *)argv);
	_exit(CANNOT_START);
}

bool run_cli(const struct cli_env *env, const char *const *args,
	     struct cli_result *res)
{
	FILE *out = tmpfile(), *err = tmpfile();
	int wstatus;
	pid_t pid;

	if (!out || !err)
		abort();
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		abort();
	if (!pid)
		child(env, args, out, err);

	if (waitpid(pid, &wstatus, 0) != pid)
		abort();
	res->status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) :
		      128 + WTERMSIG(wstatus);
	slurp(out, res->out, sizeof(res->out));
	slurp(err, res->err, sizeof(res->err));
	return res->status != CANNOT_START;
}
