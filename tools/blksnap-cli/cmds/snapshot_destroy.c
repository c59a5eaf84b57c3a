// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * blksnap snapshot destroy: release a snapshot, its images and its
 * storage.  The devices stay attached, so change tracking goes on.
 */
#include <getopt.h>
#include <stdio.h>
#include <blksnap/blksnap.h>
#include "cli.h"

static void usage(const char *cmd)
{
	printf("Usage:\n"
	       " %s [options] ID\n"
	       "\nDestroy snapshot ID: its images disappear and its difference\n"
	       "storage is released (a regular file storage is left in place).\n"
	       "The devices stay attached and their change tracking goes on.\n"
	       "Fails while an image is mounted or open.\n"
	       "\nOptions:\n", cmd);
	cli_usage_footer();
}

int cmd_snapshot_destroy(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct blksnap_ctx *ctx;
	struct blksnap_uuid id;
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
				       "no snapshot id given" : "too many arguments");
	ret = cli_snapshot_id(argv[0], argv[optind], &id);
	if (ret)
		return ret;

	ret = cli_open_control(&ctx);
	if (ret)
		return ret;
	ret = blksnap_snapshot_destroy(ctx, &id);
	blksnap_close(ctx);
	return ret ? cli_fail(argv[optind], CLI_OP_SNAPSHOT_DESTROY, ret) :
		     CLI_EXIT_SUCCESS;
}
