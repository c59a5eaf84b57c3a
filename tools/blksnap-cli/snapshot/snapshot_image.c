// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "common/generation.h"
#include "snapshot_image.h"

int snapshot_image_of(struct blksnap_ctx *ctx, const struct blksnap_uuid *id,
		      const char *target, dev_t dev, char *path, size_t size)
{
	struct blksnap_snapshot_device *devs;
	char id_s[GENERATION_STR_LEN], msg[PATH_MAX + 160];
	size_t i, count;
	int err;

	generation_format(id, id_s);
	err = blksnap_snapshot_devices(ctx, id, &devs, &count);
	if (err)
		return cli_fail(id_s, CLI_OP_SNAPSHOT_DEVICES, err);
	for (i = 0; i < count; i++)
		if (devs[i].dev == dev)
			break;
	if (i == count) {
		free(devs);
		snprintf(msg, sizeof(msg), "%s: not in snapshot %s; 'blksnap "
			 "snapshot info %s' lists its devices", target, id_s, id_s);
		return cli_fail_text(msg);
	}
	snprintf(path, size, "/dev/%s", devs[i].image);
	free(devs);
	return CLI_EXIT_SUCCESS;
}

int snapshot_image_is_one(struct blksnap_ctx *ctx, const char *name)
{
	struct blksnap_uuid *ids = NULL;
	size_t i, j, n = 0, count;
	int err, found = 0;

	err = blksnap_snapshot_collect(ctx, &ids, &n);
	if (err)
		return err;
	for (i = 0; !found && i < n; i++) {
		struct blksnap_snapshot_device *devs;

		if (blksnap_snapshot_devices(ctx, &ids[i], &devs, &count))
			continue;	/* destroyed meanwhile */
		for (j = 0; j < count; j++)
			if (!strcmp(devs[j].image, name))
				found = 1;
		free(devs);
	}
	free(ids);
	return found;
}
