// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * blksnap snapshot info: one snapshot's devices, images and state.
 */
#include <getopt.h>
#include <stdio.h>
#include <blksnap/blksnap.h>
#include "cli.h"
#include "snapshot/snapshot_show.h"

static void usage(const char *cmd)
{
	printf("Usage:\n"
	       " %s [options] ID\n"
	       "\nShow snapshot ID's devices, their images and whether the snapshot\n"
	       "of each is still sound (ERROR '-') or corrupted (the error).\n"
	       "\nOptions:\n"
	       " -J, --json             use JSON output format\n", cmd);
	cli_usage_footer();
}

int cmd_snapshot_info(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct snapshot_view v;
	struct blksnap_ctx *ctx;
	struct blksnap_uuid id;
	bool json = false;
	int c, ret;

	while ((c = getopt_long(argc, argv, "Jh", longopts, NULL)) != -1) {
		switch (c) {
		case 'J':
			json = true;
			break;
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
	ret = snapshot_view_load(ctx, &id, &v, false, NULL);
	blksnap_close(ctx);
	if (!ret)
		ret = snapshot_print(&v, 1, SHOW_ONE, json);
	snapshot_view_free(&v);
	return ret;
}
