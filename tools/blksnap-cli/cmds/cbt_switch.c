// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * blksnap cbt switch: freeze the write map into the map that "cbt map" reads
 * and advance the change number, as taking a snapshot does.
 */
#include <stdio.h>
#include <blksnap/blksnap.h>
#include "cli.h"

static void usage(const char *cmd)
{
	printf("Usage:\n"
	       " %s [options] TARGET\n"
	       "\nFreeze the blocks written so far into the map that\n"
	       "'blksnap cbt map' reads, and advance the change number: the\n"
	       "next map shows what is written from now on.  Taking a snapshot\n"
	       "does the same; use this to track changes without snapshots.\n"
	       CLI_TARGET_HELP
	       "\nOptions:\n", cmd);
	cli_usage_footer();
}

int cmd_cbt_switch(int argc, char **argv)
{
	return cli_device_command(argc, argv, usage, blksnap_cbt_switch, CLI_OP_CBT_SWITCH);
}
