// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * blksnap cbt map: the byte ranges of a device that changed, the input of an
 * incremental backup.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <json-c/json.h>
#include <blksnap/blksnap.h>
#include "cli.h"
#include "common/generation.h"
#include "common/output.h"
#include "common/ranges.h"
#include "common/since.h"

static void usage(const char *cmd)
{
	printf("Usage:\n"
	       " %s [options] TARGET\n"
	       "\nList the byte ranges of TARGET's attached device that changed,\n"
	       "adjacent changed blocks merged, as OFFSET and LENGTH in bytes.\n"
	       "Without --since, every block written since the device was attached.\n"
	       CLI_TARGET_HELP
	       "\nOptions:\n"
	       " -s, --since GENERATION:NUMBER\n"
	       "                        only blocks changed after change NUMBER of\n"
	       "                        GENERATION, as shown by 'blksnap cbt info';\n"
	       "                        exits 3 if the device's history no longer\n"
	       "                        reaches back that far\n"
	       " -J, --json             use JSON output format\n", cmd);
	cli_usage_footer();
}

static const struct output_column columns[] = {
	{ "OFFSET", SCOLS_JSON_NUMBER, true },
	{ "LENGTH", SCOLS_JSON_NUMBER, true },
};

/* {"ranges": [{"offset": ..., "length": ...}, ...]}, the table's shape. */
static int print_json(const uint8_t *map, const struct blksnap_cbtinfo *info,
		      uint8_t above)
{
	struct json_object *root = json_object_new_object();
	struct json_object *arr = json_object_new_array();
	struct cbt_range_iter it;
	struct byte_range r;
	int ret;

	if (!root || !arr || json_object_object_add(root, "ranges", arr)) {
		json_object_put(arr);
		goto err_nomem;
	}
	cbt_range_iter_init(&it, map, info->block_count, info->block_size,
			    info->device_capacity, above);
	while (cbt_range_next(&it, &r)) {
		struct json_object *o = json_object_new_object();

		if (!o || json_object_array_add(arr, o)) {
			json_object_put(o);
			goto err_nomem;
		}
		if (json_object_object_add(o, "offset", json_object_new_uint64(r.offset)) ||
		    json_object_object_add(o, "length", json_object_new_uint64(r.length)))
			goto err_nomem;
	}
	ret = output_json(root);
	json_object_put(root);
	return ret;

err_nomem:
	json_object_put(root);
	return cli_fail("stdout", CLI_OP_PRINT, -ENOMEM);
}

static int print_ranges(const uint8_t *map, const struct blksnap_cbtinfo *info,
			uint8_t above, bool json)
{
	struct cbt_range_iter it;
	struct libscols_table *tb;
	struct byte_range r;

	if (json)
		return print_json(map, info, above);
	tb = output_table("ranges", columns, ARRAY_SIZE(columns), false);
	if (!tb)
		goto err_nomem;
	cbt_range_iter_init(&it, map, info->block_count, info->block_size,
			    info->device_capacity, above);
	while (cbt_range_next(&it, &r)) {
		struct libscols_line *ln = output_row(tb);

		if (!ln ||
		    output_cellf(ln, 0, "%llu", (unsigned long long)r.offset) ||
		    output_cellf(ln, 1, "%llu", (unsigned long long)r.length))
			goto err_nomem;
	}
	return output_print(tb);

err_nomem:
	scols_unref_table(tb);
	return cli_fail("stdout", CLI_OP_PRINT, -ENOMEM);
}

/* Refuse a --since point this generation of the map cannot answer for. */
static int check_since(const char *path, const struct since *since,
		       const struct blksnap_cbtinfo *info)
{
	char gen[GENERATION_STR_LEN], why[160];

	switch (since_check(since, info)) {
	case SINCE_CONTINUES:
		return CLI_EXIT_SUCCESS;
	case SINCE_OTHER_GENERATION:
		generation_format(&info->generation_id, gen);
		snprintf(why, sizeof(why), "change tracking restarted since then "
			 "(generation is now %s)", gen);
		return cli_history_lost(path, why);
	case SINCE_AHEAD:
		snprintf(why, sizeof(why), "change number %u was never reached "
			 "(the device is at %u)", since->number,
			 info->changes_number);
		return cli_history_lost(path, why);
	}
	return CLI_EXIT_FAILURE;
}

static int read_map(struct blksnap_ctx *ctx, const char *path, dev_t dev,
		    const struct since *since, bool json)
{
	struct blksnap_cbtinfo info, after;
	uint8_t *map;
	int ret;

	ret = blksnap_cbt_info(ctx, dev, &info);
	if (ret)
		return cli_fail(path, CLI_OP_CBT_INFO, ret);
	if (since) {
		ret = check_since(path, since, &info);
		if (ret)
			return ret;
	}

	map = malloc(info.block_count ? info.block_count : 1);
	if (!map)
		return cli_fail(path, CLI_OP_CBT_MAP, -ENOMEM);
	ret = blksnap_cbt_read_map(ctx, dev, map, info.block_count);
	if (ret) {
		ret = cli_fail(path, CLI_OP_CBT_MAP, ret);
		goto out_free;
	}
	/* A reset or resize while reading leaves a map of another history. */
	ret = blksnap_cbt_info(ctx, dev, &after);
	if (ret) {
		ret = cli_fail(path, CLI_OP_CBT_INFO, ret);
		goto out_free;
	}
	if (!generation_equal(&info.generation_id, &after.generation_id) ||
	    info.block_count != after.block_count) {
		ret = cli_fail(path, CLI_OP_CBT_MAP, -ESTALE);
		goto out_free;
	}
	ret = print_ranges(map, &info, since ? since->number : 0, json);
out_free:
	free(map);
	return ret;
}

int cmd_cbt_map(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "since", required_argument, NULL, 's' },
		{ "json",  no_argument,       NULL, 'J' },
		{ "help",  no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct since since, *sincep = NULL;
	struct blksnap_ctx *ctx;
	const char *path;
	bool json = false;
	dev_t dev;
	int c, ret;

	while ((c = getopt_long(argc, argv, "s:Jh", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (since_parse(optarg, &since))
				return cli_usage_error(argv[0],
					"--since '%s': not GENERATION:NUMBER "
					"(a UUID and 0..255, as 'blksnap cbt info' shows)",
					optarg);
			sincep = &since;
			break;
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
				       "no target given" : "too many arguments");
	path = argv[optind];

	ret = cli_device(path, &dev);
	if (ret)
		return ret;
	ret = cli_open_control(&ctx);
	if (ret)
		return ret;
	ret = read_map(ctx, path, dev, sincep, json);
	blksnap_close(ctx);
	return ret;
}
