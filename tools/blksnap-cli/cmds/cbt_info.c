// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * blksnap cbt info: what a backup records to ask "what changed since" next
 * time: the generation and the change number.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <json-c/json.h>
#include <blksnap/blksnap.h>
#include "cli.h"
#include "common/generation.h"
#include "common/output.h"

static void usage(const char *cmd)
{
	printf("Usage:\n"
	       " %s [options] TARGET\n"
	       "\nShow the change-block tracking state of TARGET's attached device:\n"
	       "capacity and tracking block size in bytes, number of blocks, the\n"
	       "generation and the change number.  A later 'blksnap cbt map\n"
	       "--since GENERATION:CHANGES' lists what changed after this point.\n"
	       CLI_TARGET_HELP
	       "\nOptions:\n"
	       " -J, --json             use JSON output format\n", cmd);
	cli_usage_footer();
}

static const struct output_column columns[] = {
	{ "DEVICE",     SCOLS_JSON_STRING, false },
	{ "CAPACITY",   SCOLS_JSON_NUMBER, true },
	{ "BLOCK-SIZE", SCOLS_JSON_NUMBER, true },
	{ "BLOCKS",     SCOLS_JSON_NUMBER, true },
	{ "GENERATION", SCOLS_JSON_STRING, false },
	{ "CHANGES",    SCOLS_JSON_NUMBER, true },
};

/* {"cbt": [{"device": ..., "capacity": ..., ...}]}, the table's shape. */
static int print_json(const char *path, const struct blksnap_cbtinfo *info)
{
	struct json_object *root = json_object_new_object();
	struct json_object *arr = json_object_new_array();
	struct json_object *o = json_object_new_object();
	char gen[GENERATION_STR_LEN];
	int ret;

	generation_format(&info->generation_id, gen);
	if (!root || !arr || !o || json_object_array_add(arr, o)) {
		json_object_put(o);
		goto err_nomem;
	}
	if (json_object_object_add(root, "cbt", arr)) {
		json_object_put(arr);
		arr = NULL;
		goto err_nomem_root;
	}
	arr = NULL;
	if (json_object_object_add(o, "device", json_object_new_string(path)) ||
	    json_object_object_add(o, "capacity",
				   json_object_new_uint64(info->device_capacity)) ||
	    json_object_object_add(o, "block-size",
				   json_object_new_uint64(info->block_size)) ||
	    json_object_object_add(o, "blocks",
				   json_object_new_uint64(info->block_count)) ||
	    json_object_object_add(o, "generation", json_object_new_string(gen)) ||
	    json_object_object_add(o, "changes",
				   json_object_new_uint64(info->changes_number)))
		goto err_nomem_root;
	ret = output_json(root);
	json_object_put(root);
	return ret;

err_nomem:
	json_object_put(arr);
err_nomem_root:
	json_object_put(root);
	return cli_fail("stdout", CLI_OP_PRINT, -ENOMEM);
}

static int print_info(const char *path, const struct blksnap_cbtinfo *info,
		      bool json)
{
	char gen[GENERATION_STR_LEN];
	struct libscols_table *tb;
	struct libscols_line *ln;

	if (json)
		return print_json(path, info);
	generation_format(&info->generation_id, gen);
	tb = output_table("cbt", columns, ARRAY_SIZE(columns), false);
	if (!tb || !(ln = output_row(tb)))
		goto err_nomem;
	if (scols_line_set_data(ln, 0, path) ||
	    output_cellf(ln, 1, "%llu",
			 (unsigned long long)info->device_capacity) ||
	    output_cellf(ln, 2, "%u", info->block_size) ||
	    output_cellf(ln, 3, "%u", info->block_count) ||
	    scols_line_set_data(ln, 4, gen) ||
	    output_cellf(ln, 5, "%u", info->changes_number))
		goto err_nomem;
	return output_print(tb);

err_nomem:
	scols_unref_table(tb);
	return cli_fail("stdout", CLI_OP_PRINT, -ENOMEM);
}

int cmd_cbt_info(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct blksnap_cbtinfo info;
	struct blksnap_ctx *ctx;
	const char *path;
	bool json = false;
	dev_t dev;
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
				       "no target given" : "too many arguments");
	path = argv[optind];

	ret = cli_device(path, &dev);
	if (ret)
		return ret;
	ret = cli_open_control(&ctx);
	if (ret)
		return ret;
	ret = blksnap_cbt_info(ctx, dev, &info);
	blksnap_close(ctx);
	if (ret)
		return cli_fail(path, CLI_OP_CBT_INFO, ret);
	return print_info(path, &info, json);
}
