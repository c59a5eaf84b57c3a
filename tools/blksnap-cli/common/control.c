// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The control node, whose path tests (and unusual systems) override with
 * BLKSNAP_CONTROL.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <blksnap/blksnap.h>
#include "cli.h"
#include "module_load.h"

#define NODE_WAIT_TRIES	50	/* udev may still be making the node */
#define NODE_WAIT_US	100000

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

int cli_open_control_load(struct blksnap_ctx **ctx)
{
	const char *path = cli_control_path(), *override = getenv("BLKSNAP_CONTROL");
	char msg[512];
	unsigned int tries = 0;
	int err = blksnap_open_path(path, ctx);

	/* A node named by BLKSNAP_CONTROL is not the module's to make. */
	if (err != -ENOENT || (override && *override))
		return err ? cli_fail(path, CLI_OP_OPEN_CONTROL, err) : CLI_EXIT_SUCCESS;
	err = module_load("blksnap");
	if (err) {
		snprintf(msg, sizeof(msg), "%s: the blksnap module is not loaded, and "
			 "loading it failed: %s; %s", path, strerror(-err),
			 err == -ENOENT ? "install blksnap-dkms for this kernel "
			 "('uname -r')" : "see 'dmesg', or load it with 'modprobe blksnap'");
		return cli_fail_text(msg);
	}
	while ((err = blksnap_open_path(path, ctx)) == -ENOENT &&
	       ++tries < NODE_WAIT_TRIES)
		usleep(NODE_WAIT_US);
	if (err)
		return cli_fail(path, CLI_OP_OPEN_CONTROL, err);
	fprintf(stderr, CLI_NAME ": loaded the blksnap module (%s was missing)\n",
		path);
	return CLI_EXIT_SUCCESS;
}
