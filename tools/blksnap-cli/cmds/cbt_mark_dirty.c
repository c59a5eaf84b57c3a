// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * blksnap cbt mark-dirty: make ranges count as changed, so that the next
 * incremental backup copies them again (e.g. after a failed read).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <blksnap/blksnap.h>
#include "cli.h"
#include "common/parse_size.h"

static void usage(const char *cmd)
{
	printf("Usage:\n"
	       " %s [options] TARGET OFFSET:LENGTH...\n"
	       "\nMark byte ranges of TARGET's attached device as changed.  OFFSET\n"
	       "and LENGTH are bytes, or numbers with a K, M, G or T suffix (KiB,\n"
	       "MiB, GiB, TiB), and must be multiples of 512.\n"
	       CLI_TARGET_HELP
	       "\nOptions:\n", cmd);
	cli_usage_footer();
}

int cmd_cbt_mark_dirty(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct blksnap_sectors *ranges;
	struct blksnap_ctx *ctx;
	const char *path;
	int c, i, n, ret;
	dev_t dev;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(argv[0]);
			return CLI_EXIT_SUCCESS;
		default:
			return cli_try_help(argv[0]);
		}
	}
	if (optind == argc)
		return cli_usage_error(argv[0], "no target given");
	if (argc - optind < 2)
		return cli_usage_error(argv[0], "no OFFSET:LENGTH given");
	path = argv[optind++];

	n = argc - optind;
	ranges = calloc(n, sizeof(*ranges));
	if (!ranges)
		return cli_fail(CLI_NAME, CLI_OP_CBT_MARK_DIRTY, -ENOMEM);
	for (i = 0; i < n; i++) {
		enum parse_err err = parse_extent(argv[optind + i], &ranges[i]);

		if (err) {
			ret = cli_usage_error(argv[0], "'%s': %s", argv[optind + i],
					      parse_strerror(err));
			goto out_free;
		}
	}

	ret = cli_device(path, &dev);
	if (ret)
		goto out_free;
	ret = cli_open_control(&ctx);
	if (ret)
		goto out_free;
	ret = blksnap_cbt_mark_dirty(ctx, dev, ranges, n);
	blksnap_close(ctx);
	if (ret)
		ret = cli_fail(path, CLI_OP_CBT_MARK_DIRTY, ret);
out_free:
	free(ranges);
	return ret;
}
