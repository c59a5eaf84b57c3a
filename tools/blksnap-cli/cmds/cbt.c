// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * blksnap cbt SUBCOMMAND: the change-block tracking family.
 */
#include "cli.h"

static const struct cli_command cbt_commands[] = {
	{ "info",       cmd_cbt_info,       "show a device's tracking state" },
	{ "map",        cmd_cbt_map,        "list the byte ranges that changed" },
	{ "mark-dirty", cmd_cbt_mark_dirty, "mark byte ranges as changed" },
	{ "switch",     cmd_cbt_switch,     "freeze the change map, start the next" },
	{ NULL, NULL, NULL },
};

int cmd_cbt(int argc, char **argv)
{
	return cli_command_group(argc, argv, cbt_commands, "TARGET ...",
		"Inspect and adjust the change-block tracking of an attached device.");
}
