// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ID arguments: snapshot ids are UUIDs, in the same text form as CBT
 * generations (generation.c).
 */
#include <blksnap/blksnap.h>
#include "cli.h"
#include "generation.h"

int cli_snapshot_id(const char *cmd, const char *arg, struct blksnap_uuid *id)
{
	if (!generation_parse(arg, id))
		return CLI_EXIT_SUCCESS;
	return cli_usage_error(cmd, "'%s': not a snapshot id (a UUID, as "
			       "'blksnap snapshot list' shows)", arg);
}
