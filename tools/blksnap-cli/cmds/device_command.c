// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The shape shared by commands that take one TARGET, no options but
 * --help, and make one library call on it (attach, detach, cbt switch).
 */
#include <getopt.h>
#include <stdio.h>
#include <blksnap/blksnap.h>
#include "cli.h"

int cli_device_command(int argc, char **argv, void (*usage)(const char *cmd),
		       int (*call)(struct blksnap_ctx *ctx, dev_t dev),
		       enum cli_op op)
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
				       "no target given" : "too many arguments");
	path = argv[optind];

	ret = cli_device(path, &dev);
	if (ret)
		return ret;
	ret = cli_open_control(&ctx);
	if (ret)
		return ret;
	ret = call(ctx, dev);
	blksnap_close(ctx);
	return ret ? cli_fail(path, op, ret) : CLI_EXIT_SUCCESS;
}
