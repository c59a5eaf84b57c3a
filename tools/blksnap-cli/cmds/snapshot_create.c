// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * blksnap snapshot create: one point in time across devices, made by
 * snapshot_make.c, then the images printed.  All or nothing: a failure
 * undoes what this command did, and only that.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <blksnap/blksnap.h>
#include "cli.h"
#include "common/signals.h"
#include "snapshot/snapshot_make.h"
#include "snapshot/snapshot_show.h"

static void usage(const char *cmd)
{
	printf("Usage:\n"
	       " %s [options] TARGET...\n"
	       "\nSnapshot the device of every TARGET at the same point in time and\n"
	       "print the snapshot's id and each device's image, a block device to\n"
	       "read the backup from.  A TARGET is a mount point, a path in a mounted\n"
	       "filesystem, a block device, MAJOR:MINOR, or UUID=, LABEL=, PARTUUID=\n"
	       "or PARTLABEL=; TARGETs on one device make one.  Attaches the filter\n"
	       "to a device that has none.  On failure, undoes everything it did.\n"
	       "\nOptions:\n"
	       " -s, --storage PATH     where copy-on-write data goes: a directory (an\n"
	       "                        anonymous file there, gone at destroy), a block\n"
	       "                        device (used whole: its data is lost), or a\n"
	       "                        regular file (created if missing, left in place\n"
	       "                        after destroy); never on a device of this or\n"
	       "                        another snapshot, but for a directory in the\n"
	       "                        snapshotted ext4 or xfs itself (preallocated\n"
	       "                        there a step at a time).  Default: of /var/tmp,\n"
	       "                        /var/lib/blksnap and /tmp, the one with most\n"
	       "                        free space on a local disk filesystem off the\n"
	       "                        snapshot's devices; else the snapshotted ext4\n"
	       "                        or xfs; tmpfs only if blksnap.conf names it\n"
	       " -l, --limit SIZE|N%%    largest size the storage may grow to: bytes, a\n"
	       "                        number with K, M, G or T, or a percentage of the\n"
	       "                        devices' total size; default 1G, or the whole\n"
	       "                        size of a block device storage; on the\n"
	       "                        snapshotted filesystem the smaller of 1G and\n"
	       "                        half its free space\n"
	       "     --exact            images show the free space of ext4 and xfs\n"
	       "                        filesystems as it is (copied on write);\n"
	       "                        default: blocks free at the take read as zeros\n"
	       "                        and are never copied (the files are exact)\n"
	       " -J, --json             use JSON output format\n", cmd);
	cli_usage_footer();
}

static int print_created(const struct snapshot_make *c, bool json)
{
	struct snapshot_view v = { .count = c->n };
	size_t i;
	int ret;

	memcpy(v.id, c->id_str, sizeof(v.id));
	v.images = calloc(c->n, sizeof(*v.images));
	if (!v.images)
		return cli_fail("stdout", CLI_OP_PRINT, -ENOMEM);
	for (i = 0; i < c->n; i++) {
		snprintf(v.images[i].device, sizeof(v.images[i].device), "%s",
			 c->m[i].t.device);
		if (c->m[i].info.image[0])
			snprintf(v.images[i].image, sizeof(v.images[i].image),
				 "/dev/%s", (const char *)c->m[i].info.image);
	}
	ret = snapshot_print(&v, 1, SHOW_CREATED, json);
	snapshot_view_free(&v);
	return ret;
}

/*
 * Termination signals are noted while the snapshot is made or undone, and
 * take effect after: the snapshot is undone first, never left behind.  A
 * take waiting for writes issued before it, which may never end when the
 * devices are stacked on one another, returns EINTR and is undone.
 */
static int run(struct snapshot_make *c, bool json)
{
	struct signals_saved saved;
	int ret;

	signals_hold(&saved);
	ret = snapshot_make_take(c);
	if (!ret && signals_pending())
		ret = cli_fail(c->id_str, CLI_OP_SNAPSHOT_CREATE, -EINTR);
	if (!ret)
		ret = print_created(c, json);
	if (ret)
		snapshot_make_undo(c);
	signals_release(&saved);
	return ret;
}

int cmd_snapshot_create(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "storage", required_argument, NULL, 's' },
		{ "limit",   required_argument, NULL, 'l' },
		{ "exact",   no_argument,       NULL, 'E' },
		{ "json",    no_argument,       NULL, 'J' },
		{ "help",    no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct snapshot_make c;
	bool json = false;
	int ch, ret;

	snapshot_make_init(&c, argv[0]);
	while ((ch = getopt_long(argc, argv, "s:l:Jh", longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			c.storage = optarg;
			break;
		case 'l':
			ret = snapshot_make_limit(&c, optarg);
			if (ret)
				goto out;
			break;
		case 'E':
			c.exact = true;
			break;
		case 'J':
			json = true;
			break;
		case 'h':
			usage(c.cmd);
			ret = CLI_EXIT_SUCCESS;
			goto out;
		default:
			ret = cli_try_help(c.cmd);
			goto out;
		}
	}
	if (optind == argc)
		ret = cli_usage_error(c.cmd, "no target given");
	else if (c.storage && !*c.storage)
		ret = cli_usage_error(c.cmd, "--storage: empty path");
	else
		ret = snapshot_make_prepare(&c, argv + optind, argc - optind);
	if (!ret)
		ret = run(&c, json);
out:
	snapshot_make_free(&c);
	return ret;
}
