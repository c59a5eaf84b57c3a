// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * blksnap snapshot list: every snapshot, its devices, images and state.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <blksnap/blksnap.h>
#include "cli.h"
#include "snapshot/snapshot_show.h"

static void usage(const char *cmd)
{
	printf("Usage:\n"
	       " %s [options]\n"
	       "\nList the snapshots: a row per device with the snapshot's id, the\n"
	       "device, its image and the error that corrupted it ('-' if none).\n"
	       "\nOptions:\n"
	       " -J, --json             use JSON output format\n", cmd);
	cli_usage_footer();
}

/* Load each of @ids into @views, skipping those destroyed meanwhile. */
static int load_all(struct blksnap_ctx *ctx, const struct blksnap_uuid *ids,
		    size_t count, struct snapshot_view *views, size_t *n)
{
	bool gone;
	size_t i;
	int ret;

	for (i = 0; i < count; i++) {
		ret = snapshot_view_load(ctx, &ids[i], &views[*n], true, &gone);
		if (ret || gone) {
			snapshot_view_free(&views[*n]);
			if (ret)
				return ret;
			continue;
		}
		(*n)++;
	}
	return CLI_EXIT_SUCCESS;
}

int cmd_snapshot_list(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct snapshot_view *views = NULL;
	struct blksnap_uuid *ids = NULL;
	struct blksnap_ctx *ctx;
	size_t count, i, n = 0;
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
	if (optind < argc)
		return cli_usage_error(argv[0], "unexpected argument '%s'",
				       argv[optind]);

	ret = cli_open_control(&ctx);
	if (ret)
		return ret;
	ret = blksnap_snapshot_collect(ctx, &ids, &count);
	if (ret) {
		ret = cli_fail(cli_control_path(), CLI_OP_SNAPSHOT_LIST, ret);
		goto out_close;
	}
	views = calloc(count ? count : 1, sizeof(*views));
	if (!views) {
		ret = cli_fail(cli_control_path(), CLI_OP_SNAPSHOT_LIST, -ENOMEM);
		goto out_close;
	}
	ret = load_all(ctx, ids, count, views, &n);
	if (!ret)
		ret = snapshot_print(views, n, SHOW_LIST, json);
	for (i = 0; i < n; i++)
		snapshot_view_free(&views[i]);
out_close:
	blksnap_close(ctx);
	free(views);
	free(ids);
	return ret;
}
