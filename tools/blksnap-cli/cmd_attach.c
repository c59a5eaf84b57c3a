// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * blksnap attach: put the filter on a device; tracking starts at once.
 */
#include <getopt.h>
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
	ret = blksnap_attach(ctx, dev);
	blksnap_close(ctx);
	return ret ? cli_fail(path, CLI_OP_ATTACH, ret) : CLI_EXIT_SUCCESS;
}
