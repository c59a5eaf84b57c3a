/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What a DEST that exists already holds before a backup writes over it:
 * a filesystem, a RAID or LVM member, swap, or a partition table, found
 * by libblkid's probe of their signatures.  A backup overwrites such a
 * DEST only if a blksnap backup wrote it, or with --force: a mistyped
 * --to must not cost another disk (cmds/backup.c decides what blksnap
 * wrote).
 */
#ifndef BLKSNAP_CLI_DEST_SIGNATURE_H
#define BLKSNAP_CLI_DEST_SIGNATURE_H

#include <stddef.h>

/*
 * 1 with @what saying what @path holds ("ext4 (UUID ...)", "a gpt
 * partition table", "several signatures"); 0 if it holds none libblkid
 * knows; -errno if it cannot be read.
 */
int dest_signature(const char *path, char *what, size_t size);

#endif /* BLKSNAP_CLI_DEST_SIGNATURE_H */
