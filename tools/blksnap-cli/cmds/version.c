// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * blksnap version: the three versions a bug report needs.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <blksnap/blksnap.h>
#include "cli.h"
#include "common/output.h"

static void usage(const char *cmd)
{
	printf("Usage:\n"
	       " %s [options]\n"
	       "\nShow the versions of this tool, of libblksnap and of the loaded\n"
	       "blksnap module.  Needs the module loaded and root.\n"
	       "\nOptions:\n"
	       " -J, --json             use JSON output format\n", cmd);
	cli_usage_footer();
}

static const struct output_column columns[] = {
	{ "TOOL",    SCOLS_JSON_STRING, false },
	{ "LIBRARY", SCOLS_JSON_STRING, false },
	{ "MODULE",  SCOLS_JSON_STRING, false },
};

static int print_versions(const struct blksnap_version *mod, bool json)
{
	struct libscols_table *tb;
	struct libscols_line *ln;
	int err;

	tb = output_table("version", columns, ARRAY_SIZE(columns), json);
	if (!tb || !(ln = output_row(tb)))
		goto err_nomem;
	if (scols_line_set_data(ln, 0, BLKSNAP_TOOL_VERSION) ||
	    scols_line_set_data(ln, 1, blksnap_library_version()))
		goto err_nomem;
	/* The build number is zero for release builds; show it otherwise. */
	if (mod->build)
		err = output_cellf(ln, 2, "%u.%u.%u.%u", mod->major, mod->minor,
				   mod->revision, mod->build);
	else
		err = output_cellf(ln, 2, "%u.%u.%u", mod->major, mod->minor,
				   mod->revision);
	if (err)
		goto err_nomem;
	return output_print(tb);

err_nomem:
	scols_unref_table(tb);
	return cli_fail("stdout", CLI_OP_PRINT, -ENOMEM);
}

int cmd_version(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct blksnap_version mod;
	struct blksnap_ctx *ctx;
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
	ret = blksnap_version(ctx, &mod);
	blksnap_close(ctx);
	if (ret)
		return cli_fail(cli_control_path(), CLI_OP_MODULE_VERSION, ret);
	return print_versions(&mod, json);
}
