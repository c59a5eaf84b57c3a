// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * DEVICE arguments: a block device path, or MAJOR:MINOR for a device whose
 * node is gone.  Mount points will resolve here too, through libmount.
 */
#include <blksnap/blksnap.h>
#include "cli.h"
#include "devnum.h"

int cli_device(const char *arg, dev_t *dev)
{
	int err;

	if (!devnum_parse(arg, dev))
		return CLI_EXIT_SUCCESS;
	err = blksnap_dev_from_path(arg, dev);

	return err ? cli_fail(arg, CLI_OP_RESOLVE_DEVICE, err) : CLI_EXIT_SUCCESS;
}
