/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Running the built blksnap binary from a test and capturing what it did.
 */
#ifndef BLKSNAP_TEST_RUN_CLI_H
#define BLKSNAP_TEST_RUN_CLI_H

#include <stdbool.h>

struct cli_result {
	int status;		/* exit code; 128 + signal if killed */
	char out[16384];	/* stdout, NUL-terminated, truncated if longer */
	char err[16384];	/* stderr, likewise */
};

struct cli_env {
	const char *control;	/* BLKSNAP_CONTROL, or NULL to unset it */
	const char *preload;	/* LD_PRELOAD, or NULL to unset it */
	bool as_nobody;		/* drop root to uid/gid 65534 first */
	const char *const *vars;	/* more "NAME=VALUE", NULL-terminated */
};

/*
 * Run blksnap with the NULL-terminated @args (without argv[0]).  Returns
 * false if the binary could not be started as asked (e.g. not reachable
 * as nobody), for the test to skip.
 */
bool run_cli(const struct cli_env *env, const char *const *args,
	     struct cli_result *res);

#endif /* BLKSNAP_TEST_RUN_CLI_H */
