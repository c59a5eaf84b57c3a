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
	       " %s [options] DEVICE\n"
	       "\nAttach the blksnap filter to DEVICE, a disk or a partition, and\n"
	       "start tracking which of its blocks change.  The device may be\n"
	       "mounted and in use.\n"
	       "\nOptions:\n", cmd);
	cli_usage_footer();
}

int cmd_attach(int argc, char **argv)
{
	return cli_device_command(argc, argv, usage, blksnap_attach, CLI_OP_ATTACH);
}
