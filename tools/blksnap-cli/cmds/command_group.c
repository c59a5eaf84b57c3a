// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A command made of subcommands (cbt, snapshot): --help lists them, the
 * rest goes to the one named.
 */
#include <getopt.h>
#include <stdio.h>
#include "cli.h"

static void usage(const char *cmd, const struct cli_command *cmds,
		  const char *args, const char *about)
{
	const struct cli_command *c;

	printf("Usage:\n %s SUBCOMMAND [options] %s\n\n%s\n\nSubcommands:\n",
	       cmd, args, about);
	for (c = cmds; c->name; c++)
		printf(" %-22s %s\n", c->name, c->summary);
	printf("\nRun '%s SUBCOMMAND --help' for a subcommand's options.\n"
	       "\nOptions:\n", cmd);
	cli_usage_footer();
}

int cli_command_group(int argc, char **argv, const struct cli_command *cmds,
		      const char *args, const char *about)
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
			usage(cmd, cmds, args, about);
			return CLI_EXIT_SUCCESS;
		default:
			return cli_try_help(cmd);
		}
	}
	if (optind == argc)
		return cli_usage_error(cmd, "no subcommand given");

	ret = cli_dispatch(cmds, cmd, argc - optind, argv + optind);
	if (ret < 0)
		return cli_usage_error(cmd, "unknown subcommand '%s'", argv[optind]);
	return ret;
}
