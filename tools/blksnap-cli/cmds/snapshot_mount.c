// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * blksnap snapshot mount: a target's filesystem as it was at the
 * snapshot, read-only by default, through libmount (so that mount(8)
 * and findmnt see it as they see any mount).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libmount.h>
#include <blksnap/blksnap.h>
#include "cli.h"
#include "snapshot/snapshot_image.h"
#include "target/host.h"

static void usage(const char *cmd)
{
	printf("Usage:\n"
	       " %s [options] ID TARGET DIR\n"
	       "\nMount the image of TARGET's device in snapshot ID on directory DIR:\n"
	       "the filesystem as it was when the snapshot was taken.  Read-only\n"
	       "unless --rw; xfs gets 'nouuid', as its original is mounted with the\n"
	       "same UUID.  'blksnap snapshot umount DIR' undoes it.\n"
	       CLI_TARGET_HELP
	       "\nOptions:\n"
	       " -w, --rw               mount read-write (writes go to the\n"
	       "                        difference storage, never to TARGET)\n"
	       " -o, --options OPTS     more mount options, comma-separated\n", cmd);
	cli_usage_footer();
}

static int do_mount(const char *image, const char *dir, bool rw,
		    const char *extra)
{
	struct libmnt_context *cxt = mnt_new_context();
	char *type, *opts = NULL, msg[2 * PATH_MAX + 256];
	int rc, ret = CLI_EXIT_SUCCESS;

	type = host_real()->probe_type(image);
	if (!cxt || asprintf(&opts, "%s%s%s%s", rw ? "rw" : "ro",
			     type && !strcmp(type, "xfs") ? ",nouuid" : "",
			     extra ? "," : "", extra ? extra : "") < 0) {
		mnt_free_context(cxt);
		free(type);
		return cli_fail(image, CLI_OP_PRINT, -ENOMEM);
	}
	if (!type) {
		snprintf(msg, sizeof(msg), "%s: no filesystem found on the image; "
			 "read it as a block device instead", image);
		ret = cli_fail_text(msg);
		goto out;
	}
	if (mnt_context_set_source(cxt, image) ||
	    mnt_context_set_target(cxt, dir) ||
	    mnt_context_set_fstype(cxt, type) ||
	    mnt_context_set_options(cxt, opts)) {
		ret = cli_fail(image, CLI_OP_PRINT, -ENOMEM);
		goto out;
	}
	rc = mnt_context_mount(cxt);
	if (rc || mnt_context_get_status(cxt) != 1) {
		char buf[BUFSIZ] = "";

		mnt_context_get_excode(cxt, rc, buf, sizeof(buf));
		snprintf(msg, sizeof(msg), "%s: cannot mount %s (%s, %s): %s; check "
			 "DIR and 'dmesg'", dir, image, type, opts,
			 buf[0] ? buf : strerror(rc < 0 ? -rc : EINVAL));
		ret = cli_fail_text(msg);
	}
out:
	mnt_free_context(cxt);
	free(opts);
	free(type);
	return ret;
}

int cmd_snapshot_mount(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "rw",      no_argument,       NULL, 'w' },
		{ "options", required_argument, NULL, 'o' },
		{ "help",    no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct blksnap_uuid id;
	struct blksnap_ctx *ctx;
	const char *extra = NULL;
	char image[PATH_MAX];
	bool rw = false;
	dev_t dev;
	int c, ret;

	while ((c = getopt_long(argc, argv, "wo:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'w':
			rw = true;
			break;
		case 'o':
			extra = optarg;
			break;
		case 'h':
			usage(argv[0]);
			return CLI_EXIT_SUCCESS;
		default:
			return cli_try_help(argv[0]);
		}
	}
	if (argc - optind != 3)
		return cli_usage_error(argv[0], argc - optind < 3 ?
				       "needs ID, TARGET and DIR" : "too many arguments");
	ret = cli_snapshot_id(argv[0], argv[optind], &id);
	if (!ret)
		ret = cli_device(argv[optind + 1], &dev);
	if (ret)
		return ret;
	ret = cli_open_control(&ctx);
	if (ret)
		return ret;
	ret = snapshot_image_of(ctx, &id, argv[optind + 1], dev, image,
				sizeof(image));
	blksnap_close(ctx);
	if (!ret)
		ret = do_mount(image, argv[optind + 2], rw, extra);
	return ret;
}
