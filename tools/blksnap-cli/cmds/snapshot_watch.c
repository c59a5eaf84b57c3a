// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * blksnap snapshot watch: report a snapshot's events as they come, until
 * it is destroyed (exit 0) or lost (exit 1).  For a service or a backup
 * job to run beside the copy.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <blksnap/blksnap.h>
#include "cli.h"
#include "snapshot/event.h"

/* One wait; a destroyed snapshot is noticed within this time. */
#define WAIT_MS		1000

static void usage(const char *cmd)
{
	printf("Usage:\n"
	       " %s [options] ID\n"
	       "\nReport the events of snapshot ID, one line each, until it is\n"
	       "destroyed.  Low free space in the difference storage is reported\n"
	       "on standard output (the module grows the storage itself, up to\n"
	       "--limit).  If the snapshot becomes corrupted or its storage full,\n"
	       "one line goes to standard error and the command exits 1; it exits\n"
	       "0 once the snapshot is destroyed.\n"
	       "\nOptions:\n", cmd);
	cli_usage_footer();
}

/* Whether snapshot @id exists: 0 and *@found, or an exit code. */
static int find_snapshot(struct blksnap_ctx *ctx, const struct blksnap_uuid *id,
			 bool *found)
{
	struct blksnap_uuid *ids;
	size_t count, i;
	int err;

	err = blksnap_snapshot_collect(ctx, &ids, &count);
	if (err)
		return cli_fail(cli_control_path(), CLI_OP_SNAPSHOT_LIST, err);
	*found = false;
	for (i = 0; i < count && !*found; i++)
		*found = !memcmp(ids[i].b, id->b, sizeof(id->b));
	free(ids);
	return CLI_EXIT_SUCCESS;
}

static unsigned long elapsed_ms(const struct timespec *since)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - since->tv_sec) * 1000 +
	       (now.tv_nsec - since->tv_nsec) / 1000000;
}

static int watch(struct blksnap_ctx *ctx, const struct blksnap_uuid *id,
		 const char *name)
{
	/* 4 KiB: not on the stack of a loop that may run for days. */
	static struct blksnap_snapshot_event ev;
	struct timespec start;
	unsigned long waited;
	char line[512];
	bool found;
	int err, ret;

	ret = find_snapshot(ctx, id, &found);
	if (ret)
		return ret;
	if (!found)
		return cli_fail(name, CLI_OP_SNAPSHOT_WATCH, -ENOENT);

	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &start);
		err = blksnap_snapshot_wait_event(ctx, id, WAIT_MS, &ev);
		if (!err) {
			if (event_format(line, sizeof(line), name, &ev) ==
			    EVENT_FATAL)
				return cli_fail_text(line);
			printf("%s\n", line);
			/* A pipe to a logger must see each event when it comes. */
			if (fflush(stdout))
				return cli_fail("stdout", CLI_OP_PRINT, -errno);
			continue;
		}
		if (err != -ENOENT)
			return cli_fail(name, CLI_OP_SNAPSHOT_WATCH, err);

		/* Timeout, or destroyed: only the list tells. */
		ret = find_snapshot(ctx, id, &found);
		if (ret)
			return ret;
		if (!found) {
			printf("%s: destroyed\n", name);
			return fflush(stdout) ?
			       cli_fail("stdout", CLI_OP_PRINT, -errno) :
			       CLI_EXIT_SUCCESS;
		}
		/* An early answer would make this loop spin: wait it out. */
		waited = elapsed_ms(&start);
		if (waited < WAIT_MS)
			usleep((WAIT_MS - waited) * 1000);
	}
}

int cmd_snapshot_watch(int argc, char **argv)
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
	ret = watch(ctx, &id, argv[optind]);
	blksnap_close(ctx);
	return ret;
}
