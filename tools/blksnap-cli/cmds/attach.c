// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * blksnap attach: put the filter on a device; tracking starts at once.
 */
#include <stdio.h>
#include <blksnap/blksnap.h>
#include "cli.h"

static void usage(const char *cmd)
{
	printf("Usage:\n"
	       " %s [options] TARGET\n"
	       "\nAttach the blksnap filter to the device of TARGET, a disk or a\n"
	       "partition, and start tracking which of its blocks change.  The\n"
	       "device may be mounted and in use.\n"
	       CLI_TARGET_HELP
	       "\nOptions:\n", cmd);
	cli_usage_footer();
}

int cmd_attach(int argc, char **argv)
{
	return cli_device_command(argc, argv, usage, blksnap_attach, CLI_OP_ATTACH);
}
