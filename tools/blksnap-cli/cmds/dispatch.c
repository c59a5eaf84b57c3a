// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Finding and starting a (sub)command.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

int cli_dispatch(const struct cli_command *cmds, const char *prefix,
		 int argc, char **argv)
{
	const struct cli_command *c;
	char *fullname;
	int ret;

	for (c = cmds; c->name; c++) {
		if (strcmp(c->name, argv[0]))
			continue;
		/* Own buffer per level: @prefix may be the caller's one. */
		if (asprintf(&fullname, "%s %s", prefix, c->name) < 0)
			return cli_fail(CLI_NAME, CLI_OP_PRINT, -ENOMEM);
		argv[0] = fullname;
		/* Zero makes glibc's getopt start over on the command's argv. */
		optind = 0;
		ret = c->run(argc, argv);
		free(fullname);
		return ret;
	}
	return -1;
}
