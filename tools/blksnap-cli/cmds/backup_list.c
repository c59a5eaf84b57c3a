// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * blksnap backup list DEST: the restore points kept beside a backup image
 * (restore_point.h), after finishing what an interrupted run left.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "backup/backup_points.h"
#include "backup/restore_point.h"
#include "backup/take_time.h"
#include "cli.h"
#include "common/output.h"
#include "common/parse_size.h"

static void usage(const char *cmd)
{
	printf("Usage:\n"
	       " %s [options] DEST\n"
	       "\nList the restore points of the backup image DEST, oldest first: the\n"
	       "take time of each (RFC 3339, UTC), the bytes it takes on the backup\n"
	       "medium, and whether it is complete (restorable).  The latest point\n"
	       "is DEST itself.  A run that was interrupted is rolled back first,\n"
	       "and one line on standard error says so; on a medium mounted\n"
	       "read-only it is listed as not complete instead.\n"
	       "\nOptions:\n"
	       " -J, --json             print {\"dest\", \"restore-points\": [{\"time\",\n"
	       "                        \"size\", \"image-size\", \"complete\", \"latest\",\n"
	       "                        \"why\" (when not complete)}, ...]}\n", cmd);
	cli_usage_footer();
}

static int print_table(const struct rp_point *v, size_t n)
{
	static const struct output_column cols[] = {
		{ "TIME", SCOLS_JSON_STRING, false },
		{ "SIZE", SCOLS_JSON_STRING, true },
		{ "IMAGE", SCOLS_JSON_STRING, true },
		{ "COMPLETE", SCOLS_JSON_STRING, false },
		{ "NOTE", SCOLS_JSON_STRING, false },
	};
	struct libscols_table *tb = output_table("restore-points", cols,
						 ARRAY_SIZE(cols), false);
	char t[TAKE_TIME_LEN], size[32], image[32];
	size_t i;
	int err = !tb;

	for (i = 0; !err && i < n; i++) {
		struct libscols_line *ln = output_row(tb);

		take_time_format(v[i].time, t);
		size_format(v[i].disk_bytes, size, sizeof(size));
		size_format(v[i].image_size, image, sizeof(image));
		err = !ln || output_cellf(ln, 0, "%s", t) ||
		      output_cellf(ln, 1, "%s", size) ||
		      output_cellf(ln, 2, "%s", image) ||
		      output_cellf(ln, 3, "%s", v[i].complete ? "yes" : "no") ||
		      output_cellf(ln, 4, "%s", v[i].complete ?
				   (v[i].latest ? "latest (DEST)" : "") : v[i].why);
	}
	if (err) {
		scols_unref_table(tb);
		return cli_fail("stdout", CLI_OP_PRINT, -ENOMEM);
	}
	return output_print(tb);
}

static int add(struct json_object *o, const char *key, struct json_object *v)
{
	return v ? json_object_object_add(o, key, v) : -1;
}

static int print_json(const char *dest, const struct rp_point *v, size_t n)
{
	struct json_object *root = json_object_new_object();
	struct json_object *arr = json_object_new_array();
	char t[TAKE_TIME_LEN];
	int err = !root || !arr, ret;
	size_t i;

	for (i = 0; !err && i < n; i++) {
		struct json_object *o = json_object_new_object();

		take_time_format(v[i].time, t);
		err = !o || json_object_array_add(arr, o) ||
		      add(o, "time", json_object_new_string(t)) ||
		      add(o, "size", json_object_new_int64(v[i].disk_bytes)) ||
		      add(o, "image-size", json_object_new_int64(v[i].image_size)) ||
		      add(o, "complete", json_object_new_boolean(v[i].complete)) ||
		      add(o, "latest", json_object_new_boolean(v[i].latest));
		if (!err && !v[i].complete)
			err = add(o, "why", json_object_new_string(v[i].why));
	}
	if (!err)
		err = add(root, "dest", json_object_new_string(dest));
	if (!err) {
		err = json_object_object_add(root, "restore-points", arr);
		if (!err)
			arr = NULL;	/* @root holds it now */
	}
	ret = err ? cli_fail("stdout", CLI_OP_PRINT, -ENOMEM) : output_json(root);
	json_object_put(arr);
	json_object_put(root);
	return ret;
}

int cmd_backup_list(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct rp_point *v = NULL;
	const char *dest;
	bool json = false;
	size_t n;
	int c, ret, err;

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
	if (optind == argc)
		return cli_usage_error(argv[0], "no DEST given");
	if (argc - optind > 1)
		return cli_usage_error(argv[0], "unexpected argument '%s'",
				       argv[optind + 1]);
	dest = argv[optind];
	ret = backup_points_recover(dest, true);
	if (ret)
		return ret;
	err = rp_list(dest, &v, &n);
	if (err)
		return backup_points_fail(dest, "list its restore points", err, "");
	ret = json ? print_json(dest, v, n) : print_table(v, n);
	free(v);
	return ret;
}
