/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Runtime error messages: "<object>: <what is wrong>; <what to do>", chosen
 * from the failing operation and its errno.  Pure logic, no I/O, so the
 * wording is unit-testable.
 */
#ifndef BLKSNAP_CLI_ERRMSG_H
#define BLKSNAP_CLI_ERRMSG_H

#include <stddef.h>
#include "cli.h"

/* Format the message for -errno @err, without the "blksnap: " prefix. */
void errmsg_format(char *buf, size_t size, const char *object,
		   enum cli_op op, int err);

#endif /* BLKSNAP_CLI_ERRMSG_H */
