// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * blksnap backup verify DEST: read what the restore points of a backup
 * image are made of and check it against the checksums kept with it
 * (restore_point.h: rp_verify), from the backup medium alone.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
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
	       "\nRead the backup image DEST and the undo files of its restore points\n"
	       "and check them against their checksums: every chunk of DEST against\n"
	       "DEST.blksnap/sums, every saved range against its own.  Each damaged\n"
	       "place is printed (ranges of DEST in bytes), then which points can\n"
	       "still be restored whole.  Only the backup medium is read.  A run\n"
	       "that was interrupted is rolled back first, as 'backup list' does.\n"
	       "\nOptions:\n"
	       " -a, --at TIME          check only what restoring the point taken at\n"
	       "                        TIME reads (as 'backup list' shows it)\n"
	       " -J, --json             print {\"dest\", \"ok\", \"bytes-read\",\n"
	       "                        \"restore-points\": [{\"time\", \"ok\"}, ...],\n"
	       "                        \"damaged\": [{\"file\", \"offset\", \"length\"\n"
	       "                        (DEST's ranges), \"why\"}, ...]}\n"
	       "\nExit status: 0 nothing damaged, 1 damage found (or DEST could not\n"
	       "be read), 2 usage.\n", cmd);
	cli_usage_footer();
}

struct report {
	bool json;
	struct json_object *damaged;	/* with --json */
	int err;			/* out of memory while collecting */
};

static int add(struct json_object *o, const char *key, struct json_object *v)
{
	return v ? json_object_object_add(o, key, v) : -1;
}

/* A damaged place: a line now, or an object for the JSON at the end. */
static void on_damage(void *arg, const struct rp_damage *d)
{
	struct report *r = arg;
	struct json_object *o;
	char size[32];

	if (!r->json) {
		if (d->in_image) {
			size_format(d->length, size, sizeof(size));
			printf("%s: bytes %llu-%llu (%s) damaged: %s\n", d->file,
			       (unsigned long long)d->offset,
			       (unsigned long long)(d->offset + d->length - 1),
			       size, d->why);
		} else {
			printf("%s: damaged: %s\n", d->file, d->why);
		}
		return;
	}
	o = json_object_new_object();
	if (!o || json_object_array_add(r->damaged, o) ||
	    add(o, "file", json_object_new_string(d->file)) ||
	    (d->in_image &&
	     (add(o, "offset", json_object_new_int64(d->offset)) ||
	      add(o, "length", json_object_new_int64(d->length)))) ||
	    add(o, "why", json_object_new_string(d->why)))
		r->err = -ENOMEM;
}

static void print_text(const char *dest, const struct rp_verify_result *res)
{
	char t[TAKE_TIME_LEN], size[32];
	size_t i, good = 0;

	for (i = 0; i < res->npoints; i++)
		good += res->points[i].ok;
	size_format(res->bytes_read, size, sizeof(size));
	printf("%s: %zu of %zu restore points whole (%s read)\n", dest, good,
	       res->npoints, size);
	for (i = 0; i < res->npoints; i++)
		if (!res->points[i].ok && !take_time_format(res->points[i].time, t))
			printf("%s: the point of %s cannot be restored whole\n",
			       dest, t);
}

static int print_json(const char *dest, const struct rp_verify_result *res,
		      struct report *r, bool ok)
{
	struct json_object *root = json_object_new_object();
	struct json_object *arr = json_object_new_array();
	char t[TAKE_TIME_LEN];
	int err = !root || !arr || r->err, ret;
	size_t i;

	for (i = 0; !err && i < res->npoints; i++) {
		struct json_object *o = json_object_new_object();

		take_time_format(res->points[i].time, t);
		err = !o || json_object_array_add(arr, o) ||
		      add(o, "time", json_object_new_string(t)) ||
		      add(o, "ok", json_object_new_boolean(res->points[i].ok));
	}
	if (!err)
		err = add(root, "dest", json_object_new_string(dest)) ||
		      add(root, "ok", json_object_new_boolean(ok)) ||
		      add(root, "bytes-read", json_object_new_int64(res->bytes_read));
	if (!err) {
		err = json_object_object_add(root, "restore-points", arr);
		if (!err)
			arr = NULL;	/* @root holds it now */
	}
	if (!err) {
		err = json_object_object_add(root, "damaged", r->damaged);
		if (!err)
			r->damaged = NULL;
	}
	ret = err ? cli_fail("stdout", CLI_OP_PRINT, -ENOMEM) : output_json(root);
	json_object_put(arr);
	json_object_put(root);
	return ret;
}

int cmd_backup_verify(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "at",   required_argument, NULL, 'a' },
		{ "json", no_argument,       NULL, 'J' },
		{ "help", no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct rp_verify_result res;
	struct report r = { 0 };
	char why[RP_MSG_LEN], msg[PATH_MAX + 256];
	const char *dest;
	int64_t at = 0;
	int c, ret, err;

	while ((c = getopt_long(argc, argv, "a:Jh", longopts, NULL)) != -1) {
		switch (c) {
		case 'a':
			if (take_time_parse(optarg, &at))
				return cli_usage_error(argv[0], "--at '%s': not a "
						       "time such as "
						       "2026-12-02T02:30:00Z", optarg);
			break;
		case 'J':
			r.json = true;
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
	if (r.json) {
		r.damaged = json_object_new_array();
		if (!r.damaged)
			return cli_fail("stdout", CLI_OP_PRINT, -ENOMEM);
	}
	fflush(stdout);
	err = rp_verify(dest, at, on_damage, &r, &res, why, sizeof(why));
	if (err && err != -EBADMSG) {
		json_object_put(r.damaged);
		return backup_points_fail(dest, "verify it", err, why);
	}
	if (r.json) {
		ret = print_json(dest, &res, &r, !err);
	} else {
		print_text(dest, &res);
		ret = CLI_EXIT_SUCCESS;
	}
	json_object_put(r.damaged);
	free(res.points);
	if (ret)
		return ret;
	if (!err)
		return CLI_EXIT_SUCCESS;
	snprintf(msg, sizeof(msg), "%s: damaged on the backup medium; the next "
		 "'blksnap backup --full' to it rewrites its damaged chunks from "
		 "the source, while points not whole stay so (restore a whole "
		 "one with 'blksnap backup restore --at')", dest);
	return cli_fail_text(msg);
}
