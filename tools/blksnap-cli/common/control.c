// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The control node, whose path tests (and unusual systems) override with
 * BLKSNAP_CONTROL.
 */
#include <stdlib.h>
#include <blksnap/blksnap.h>
#include "cli.h"

const char *cli_control_path(void)
{
	const char *path = getenv("BLKSNAP_CONTROL");

	return path && *path ? path : "/dev/" BLKSNAP_CTL;
}

int cli_open_control(struct blksnap_ctx **ctx)
{
	const char *path = cli_control_path();
	int err = blksnap_open_path(path, ctx);

	return err ? cli_fail(path, CLI_OP_OPEN_CONTROL, err) : CLI_EXIT_SUCCESS;
}
