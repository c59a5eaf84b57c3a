// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * blksnap cbt switch: freeze the write map into the map that "cbt map" reads
 * and advance the change number, as taking a snapshot does.
 */
#include <getopt.h>
#include <stdio.h>
#include <blksnap/blksnap.h>
#include "cli.h"

static void usage(const char *cmd)
{
	printf("Usage:\n"
	       " %s [options] DEVICE\n"
	       "\nFreeze the blocks written so far into the map that\n"
	       "'blksnap cbt map' reads, and advance the change number: the\n"
	       "next map shows what is written from now on.  Taking a snapshot\n"
	       "does the same; use this to track changes without snapshots.\n"
	       "\nOptions:\n", cmd);
	cli_usage_footer();
}

int cmd_cbt_switch(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct blksnap_ctx *ctx;
	const char *path;
	dev_t dev;
	int c, ret;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(argv[0]);
			return CLI_EXIT_SUCCESS;
		default:
			return cli_try_help(argv[0]);
		}
	}
	if (argc - optind != 1)
		return cli_usage_error(argv[0], optind == argc ?
				       "no device given" : "too many arguments");
	path = argv[optind];

	ret = cli_device(path, &dev);
	if (ret)
		return ret;
	ret = cli_open_control(&ctx);
	if (ret)
		return ret;
	ret = blksnap_cbt_switch(ctx, dev);
	blksnap_close(ctx);
	return ret ? cli_fail(path, CLI_OP_CBT_SWITCH, ret) : CLI_EXIT_SUCCESS;
}
