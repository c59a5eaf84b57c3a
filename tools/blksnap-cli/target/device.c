// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Devices as users name them: TARGET arguments (see target.h) resolved on
 * this machine, and /dev/NAME from sysfs in output.
 */
#include <blksnap/blksnap.h>
#include "cli.h"
#include "host.h"
#include "target.h"

int cli_device(const char *arg, dev_t *dev)
{
	struct target_resolver r;
	struct target t;
	int err;

	target_resolver_init(&r, host_real());
	err = target_resolve(&r, arg, &t);
	if (err)
		cli_fail_text(r.error);
	target_resolver_free(&r);
	if (err)
		return CLI_EXIT_FAILURE;
	*dev = t.dev;
	return CLI_EXIT_SUCCESS;
}

void cli_device_name(dev_t dev, char *buf, size_t size)
{
	host_dev_path(host_real(), dev, buf, size);
}
