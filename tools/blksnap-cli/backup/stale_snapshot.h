/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the next backup run of an image DEST does about the snapshot a
 * killed run of DEST left (snapshot_record.h), before it makes its own:
 * the killed run's snapshot would block it (its devices are in it).
 */
#ifndef BLKSNAP_CLI_STALE_SNAPSHOT_H
#define BLKSNAP_CLI_STALE_SNAPSHOT_H

#include <blksnap/blksnap.h>
#include "common/generation.h"

/*
 * Destroy the snapshot @dest's record names, detach the filters the dead
 * run attached and would have detached itself, remove the record, and
 * say so in one line on stderr; @id is that snapshot's, or "" if none
 * was destroyed.  A record whose snapshot is gone (module reloaded,
 * reboot) is dropped quietly, one that is not a record with a line.
 * Refuses (an exit code, reported) while a live run holds the record,
 * or the snapshot is in use: it destroys nothing else.
 */
int stale_snapshot_clear(struct blksnap_ctx *ctx, const char *dest,
			 char id[GENERATION_STR_LEN]);

#endif /* BLKSNAP_CLI_STALE_SNAPSHOT_H */
