// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * blksnap snapshot SUBCOMMAND: point-in-time images of devices.
 */
#include "cli.h"

static const struct cli_command snapshot_commands[] = {
	{ "create",  cmd_snapshot_create,  "snapshot devices at one point in time" },
	{ "list",    cmd_snapshot_list,    "list the snapshots and their images" },
	{ "info",    cmd_snapshot_info,    "show one snapshot's images and state" },
	{ "watch",   cmd_snapshot_watch,   "report a snapshot's events until it ends" },
	{ "mount",   cmd_snapshot_mount,   "mount a target's image as it was at the snapshot" },
	{ "umount",  cmd_snapshot_umount,  "unmount what 'snapshot mount' mounted" },
	{ "destroy", cmd_snapshot_destroy, "release a snapshot and its images" },
	{ NULL, NULL, NULL },
};

int cmd_snapshot(int argc, char **argv)
{
	return cli_command_group(argc, argv, snapshot_commands, "...",
		"Create, inspect and destroy snapshots: images of devices\n"
		"as they were at one point in time, for backup software to copy.");
}
