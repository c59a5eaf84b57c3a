// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * blksnap: change-block tracking and snapshots of block devices.
 *
 * Top level: global options, then hand argv over to the command.
 */
#include <getopt.h>
#include <stdio.h>
#include "cli.h"
#include "common/config.h"

const struct cli_command cli_commands[] = {
	{ "attach",   cmd_attach,   "attach the filter to a device and track changes" },
	{ "backup",   cmd_backup,   "copy devices to images, incrementally after the first" },
	{ "detach",   cmd_detach,   "detach the filter from a device" },
	{ "cbt",      cmd_cbt,      "inspect and adjust change-block tracking" },
	{ "snapshot", cmd_snapshot, "create, list, watch and destroy snapshots" },
	{ "version",  cmd_version,  "show tool, library and module versions" },
	{ "help",     cmd_help,     "show help for a command" },
	{ NULL, NULL, NULL },
};

void cli_main_usage(void)
{
	const struct cli_command *c;

	fputs("Usage:\n"
	      " " CLI_NAME " [options]\n"
	      " " CLI_NAME " COMMAND [SUBCOMMAND] [options] [ARGS]\n"
	      "\nChange-block tracking and snapshots of block devices.\n"
	      "\nCommands:\n", stdout);
	for (c = cli_commands; c->name; c++)
		printf(" %-22s %s\n", c->name, c->summary);
	fputs("\nOptions:\n"
	      " -c, --config FILE      read FILE instead of /etc/blksnap.conf\n"
	      " -V, --version          display the tool's version\n"
	      " -h, --help             display this help\n"
	      "\nExit status:\n"
	      " 0  success\n"
	      " 1  failure (the message says what is wrong and what to do);\n"
	      "    'snapshot watch': the snapshot was corrupted or ran out of space\n"
	      " 2  usage error\n"
	      " 3  'cbt map --since': the device's change history does not\n"
	      "    reach back to GENERATION:NUMBER; take a full backup\n"
	      "\nEnvironment:\n"
	      " BLKSNAP_CONFIG         configuration file instead of /etc/blksnap.conf\n"
	      " BLKSNAP_CONTROL        control node to use instead of /dev/blksnap-control\n"
	      " BLKSNAP_SYSFS          sysfs to read instead of /sys\n"
	      " BLKSNAP_MOUNTINFO      mount table to read instead of /proc/self/mountinfo\n"
	      "\nRun '" CLI_NAME " help COMMAND' for a command's options.\n"
	      "See blksnap(8).\n", stdout);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config",  required_argument, NULL, 'c' },
		{ "help",    no_argument,       NULL, 'h' },
		{ "version", no_argument,       NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c, ret;

	argv[0] = CLI_NAME;
	/* '+': options after the command name belong to the command. */
	while ((c = getopt_long(argc, argv, "+c:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config_set_path(optarg);
			break;
		case 'h':
			cli_main_usage();
			return CLI_EXIT_SUCCESS;
		case 'V':
			printf(CLI_NAME " %s\n", BLKSNAP_TOOL_VERSION);
			return CLI_EXIT_SUCCESS;
		default:
			return cli_try_help(CLI_NAME);
		}
	}
	if (optind == argc)
		return cli_usage_error(CLI_NAME, "no command given");

	ret = cli_dispatch(cli_commands, CLI_NAME, argc - optind, argv + optind);
	if (ret < 0)
		return cli_usage_error(CLI_NAME, "unknown command '%s'", argv[optind]);
	return ret;
}
