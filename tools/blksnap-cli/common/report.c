// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The only places that write errors and usage hints to stderr.
 */
#include <stdarg.h>
#include <stdio.h>
#include "cli.h"
#include "errmsg.h"

int cli_try_help(const char *cmd)
{
	fprintf(stderr, "Try '%s --help' for more information.\n", cmd);
	return CLI_EXIT_USAGE;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fputs(CLI_NAME ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return cli_try_help(cmd);
}

int cli_fail(const char *object, enum cli_op op, int err)
{
	char msg[1024];

	errmsg_format(msg, sizeof(msg), object, op, err);
	fprintf(stderr, CLI_NAME ": %s\n", msg);
	return CLI_EXIT_FAILURE;
}

int cli_fail_text(const char *msg)
{
	fprintf(stderr, CLI_NAME ": %s\n", msg);
	return CLI_EXIT_FAILURE;
}

void cli_usage_footer(void)
{
	fputs(" -h, --help             display this help\n"
	      "\nSee blksnap(8).\n", stdout);
}

int cli_history_lost(const char *object, const char *why)
{
	fprintf(stderr, CLI_NAME ": %s: %s; take a full backup\n", object, why);
	return CLI_EXIT_HISTORY_LOST;
}
