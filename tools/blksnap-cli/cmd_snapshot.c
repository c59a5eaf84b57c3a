// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * blksnap snapshot SUBCOMMAND: point-in-time images of devices.
 */
#include <getopt.h>
#include <stdio.h>
#include "cli.h"

static const struct cli_command snapshot_commands[] = {
	{ "create",  cmd_snapshot_create,  "snapshot devices at one point in time" },
	{ "list",    cmd_snapshot_list,    "list the snapshots and their images" },
	{ "info",    cmd_snapshot_info,    "show one snapshot's images and state" },
	{ "watch",   cmd_snapshot_watch,   "report a snapshot's events until it ends" },
	{ "destroy", cmd_snapshot_destroy, "release a snapshot and its images" },
	{ NULL, NULL, NULL },
};

static void usage(const char *cmd)
{
	const struct cli_command *c;

	printf("Usage:\n"
	       " %s SUBCOMMAND [options] ...\n"
	       "\nCreate, inspect and destroy snapshots: images of devices\n"
	       "as they were at one point in time, for backup software to copy.\n"
	       "\nSubcommands:\n", cmd);
	for (c = snapshot_commands; c->name; c++)
		printf(" %-22s %s\n", c->name, c->summary);
	printf("\nRun '%s SUBCOMMAND --help' for a subcommand's options.\n"
	       "\nOptions:\n", cmd);
	cli_usage_footer();
}

int cmd_snapshot(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = argv[0];
	int c, ret;

	while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(cmd);
			return CLI_EXIT_SUCCESS;
		default:
			return cli_try_help(cmd);
		}
	}
	if (optind == argc)
		return cli_usage_error(cmd, "no subcommand given");

	ret = cli_dispatch(snapshot_commands, cmd, argc - optind, argv + optind);
	if (ret < 0)
		return cli_usage_error(cmd, "unknown subcommand '%s'", argv[optind]);
	return ret;
}
