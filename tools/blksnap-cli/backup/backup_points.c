// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include "backup_points.h"
#include "cli.h"
#include "restore_point.h"

int backup_points_recover(const char *dest, bool read_only_ok)
{
	char msg[RP_MSG_LEN];
	int err = rp_recover(dest, msg, sizeof(msg));

	if (err > 0) {
		fprintf(stderr, CLI_NAME ": %s: %s\n", dest, msg);
		return CLI_EXIT_SUCCESS;
	}
	/* EBUSY: a run or another reader has it; the reading says which. */
	if (!err || (read_only_ok && (err == -EROFS || err == -EACCES ||
				      err == -EPERM || err == -EBUSY)))
		return CLI_EXIT_SUCCESS;
	if (!read_only_ok)
		return backup_points_fail(dest, "repair its restore points", err, msg);
	/* A reader goes on: what it reads says what is wrong, point by point. */
	fprintf(stderr, CLI_NAME ": %s: not repaired: %s\n", dest,
		msg[0] ? msg : strerror(-err));
	return CLI_EXIT_SUCCESS;
}

int backup_points_fail(const char *dest, const char *what, int err,
		       const char *why)
{
	char text[2 * PATH_MAX + 2 * RP_MSG_LEN];
	const char *fix;

	switch (err) {
	case -ENOENT:
		/* No point of that time, or no points at all. */
		fix = why[0] ? "'blksnap backup list' shows the points kept" :
		      "a backup's restore points are kept in DEST" RP_DIR_SUFFIX
		      "/ beside its image DEST, or in a device DEST's blksnap area";
		if (!why[0])
			why = "no restore points there";
		break;
	case -EBADMSG:
		fix = "restore another point ('blksnap backup list' says which "
		      "are complete)";
		break;
	case -EBUSY:
		fix = "a backup run is writing it; try again when it is done "
		      "(a device: or unmount it)";
		break;
	default:
		fix = "check the backup medium";
		break;
	}
	snprintf(text, sizeof(text), "%s: cannot %s: %s; %s", dest, what,
		 why[0] ? why : strerror(-err), fix);
	return cli_fail_text(text);
}
