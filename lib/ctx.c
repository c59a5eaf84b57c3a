// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The handle: one open file descriptor of the control node.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include "blksnap-private.h"

#define BLKSNAP_CONTROL_PATH	"/dev/" BLKSNAP_CTL

int blksnap_open_path(const char *path, struct blksnap_ctx **ctx)
{
	struct blksnap_ctx *c;
	int err;

	if (!ctx)
		return -EINVAL;
	*ctx = NULL;
	if (!path)
		return -EINVAL;

	c = malloc(sizeof(*c));
	if (!c)
		return -ENOMEM;

	c->fd = open(path, O_RDWR | O_CLOEXEC);
	if (c->fd < 0) {
		err = -errno;
		free(c);
		return err;
	}

	*ctx = c;
	return 0;
}

int blksnap_open(struct blksnap_ctx **ctx)
{
	return blksnap_open_path(BLKSNAP_CONTROL_PATH, ctx);
}

void blksnap_close(struct blksnap_ctx *ctx)
{
	if (!ctx)
		return;
	close(ctx->fd);
	free(ctx);
}
