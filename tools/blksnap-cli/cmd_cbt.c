// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * blksnap cbt SUBCOMMAND: the change-block tracking family.
 */
#include <getopt.h>
#include <stdio.h>
#include "cli.h"

static const struct cli_command cbt_commands[] = {
	{ "info",       cmd_cbt_info,       "show a device's tracking state" },
	{ "map",        cmd_cbt_map,        "list the byte ranges that changed" },
	{ "mark-dirty", cmd_cbt_mark_dirty, "mark byte ranges as changed" },
	{ "switch",     cmd_cbt_switch,     "freeze the change map, start the next" },
	{ NULL, NULL, NULL },
};

static void usage(const char *cmd)
{
	const struct cli_command *c;

	printf("Usage:\n"
	       " %s SUBCOMMAND [options] DEVICE ...\n"
	       "\nInspect and adjust the change-block tracking of an attached device.\n"
	       "\nSubcommands:\n", cmd);
	for (c = cbt_commands; c->name; c++)
		printf(" %-22s %s\n", c->name, c->summary);
	printf("\nRun '%s SUBCOMMAND --help' for a subcommand's options.\n"
	       "\nOptions:\n", cmd);
	cli_usage_footer();
}

int cmd_cbt(int argc, char **argv)
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

	ret = cli_dispatch(cbt_commands, cmd, argc - optind, argv + optind);
	if (ret < 0)
		return cli_usage_error(cmd, "unknown subcommand '%s'", argv[optind]);
	return ret;
}
