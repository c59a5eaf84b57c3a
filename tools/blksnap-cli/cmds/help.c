// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * blksnap help [COMMAND [SUBCOMMAND]]: the same text as COMMAND --help,
 * which stays the one place each command's usage is written.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include "cli.h"

static void usage(const char *cmd)
{
	printf("Usage:\n"
	       " %s [COMMAND [SUBCOMMAND]]\n"
	       "\nShow the help of a command, or the overview without one.\n"
	       "\nOptions:\n", cmd);
	cli_usage_footer();
}

int cmd_help(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = argv[0];
	char **args;
	int c, i, n, ret;

	while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(cmd);
			return CLI_EXIT_SUCCESS;
		default:
			return cli_try_help(cmd);
		}
	}
	if (optind == argc) {
		cli_main_usage();
		return CLI_EXIT_SUCCESS;
	}

	/* COMMAND [SUBCOMMAND] --help, NULL-terminated as argv is. */
	n = argc - optind;
	args = calloc(n + 2, sizeof(*args));
	if (!args)
		return cli_fail(CLI_NAME, CLI_OP_PRINT, -ENOMEM);
	for (i = 0; i < n; i++)
		args[i] = argv[optind + i];
	args[n] = "--help";

	ret = cli_dispatch(cli_commands, CLI_NAME, n + 1, args);
	if (ret < 0)
		ret = cli_usage_error(cmd, "unknown command '%s'", args[0]);
	free(args);
	return ret;
}
