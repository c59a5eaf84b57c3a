// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * blksnap detach: take the filter off a device; its change history is lost.
 */
#include <stdio.h>
#include <blksnap/blksnap.h>
#include "cli.h"

static void usage(const char *cmd)
{
	printf("Usage:\n"
	       " %s [options] TARGET\n"
	       "\nDetach the blksnap filter from the device of TARGET.  Its change\n"
	       "tracking ends: the next incremental backup of it must be a full one.\n"
	       CLI_TARGET_HELP
	       "\nOptions:\n", cmd);
	cli_usage_footer();
}

int cmd_detach(int argc, char **argv)
{
	return cli_device_command(argc, argv, usage, blksnap_detach, CLI_OP_DETACH);
}
