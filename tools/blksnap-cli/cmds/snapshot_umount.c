// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * blksnap snapshot umount: undo 'snapshot mount'.  Only a directory where
 * a snapshot image is mounted is unmounted, never anything else.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <libmount.h>
#include <blksnap/blksnap.h>
#include "cli.h"
#include "snapshot/snapshot_image.h"
#include "target/host.h"

static void usage(const char *cmd)
{
	printf("Usage:\n"
	       " %s DIR\n"
	       "\nUnmount the snapshot image that 'blksnap snapshot mount' mounted on\n"
	       "DIR.  Refuses a DIR where no snapshot image is mounted.\n"
	       "\nOptions:\n", cmd);
	cli_usage_footer();
}

/* The image name mounted on @dir, "" if @dir is no mount point. */
static int mounted_image(const char *dir, char *name, size_t size)
{
	struct libmnt_table *tb = mnt_new_table();
	struct libmnt_fs *fs;
	int err = 0;

	name[0] = '\0';
	if (!tb)
		return -ENOMEM;
	err = mnt_table_parse_mtab(tb, NULL);
	if (!err) {
		fs = mnt_table_find_mountpoint(tb, dir, MNT_ITER_BACKWARD);
		/* find_mountpoint walks up; only DIR itself counts. */
		if (fs && mnt_fs_streq_target(fs, dir))
			err = host_dev_name(host_real(), mnt_fs_get_devno(fs),
					    name, size);
	}
	mnt_unref_table(tb);
	return err;
}

int cmd_snapshot_umount(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct libmnt_context *cxt;
	struct blksnap_ctx *ctx;
	char name[PATH_MAX], dir[PATH_MAX], msg[3 * PATH_MAX];
	int c, ret, rc;

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
				       "no directory given" : "too many arguments");
	if (!realpath(argv[optind], dir))
		return cli_fail(argv[optind], CLI_OP_RESOLVE_DEVICE, -errno);
	ret = mounted_image(dir, name, sizeof(name));
	if (ret || !name[0]) {
		snprintf(msg, sizeof(msg), "%s: no snapshot image is mounted here; "
			 "'findmnt' shows what is", dir);
		return cli_fail_text(msg);
	}
	ret = cli_open_control(&ctx);
	if (ret)
		return ret;
	rc = snapshot_image_is_one(ctx, name);
	blksnap_close(ctx);
	if (rc <= 0) {
		snprintf(msg, sizeof(msg), "%s: /dev/%s is mounted here, not a "
			 "snapshot image; use umount(8) for it", dir, name);
		return cli_fail_text(msg);
	}
	cxt = mnt_new_context();
	if (!cxt)
		return cli_fail(dir, CLI_OP_PRINT, -ENOMEM);
	rc = mnt_context_set_target(cxt, dir);
	if (!rc)
		rc = mnt_context_umount(cxt);
	if (rc || mnt_context_get_status(cxt) != 1) {
		/*
		 * libmount's reasons are a line; this size keeps the message
		 * (DIR twice and it) within msg, so it is never cut short.
		 */
		char buf[512] = "";

		mnt_context_get_excode(cxt, rc, buf, sizeof(buf));
		snprintf(msg, sizeof(msg), "%s: cannot unmount: %s; close what "
			 "uses it ('fuser -m %s')", dir, buf[0] ? buf : "failed", dir);
		ret = cli_fail_text(msg);
	}
	mnt_free_context(cxt);
	return ret;
}
