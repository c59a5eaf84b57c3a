/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Whole reads and writes at an offset, and fsync of a directory: what the
 * crash-safe files of a backup medium (undo files, checksum files) are
 * written with.  Each returns 0 or -errno; a read that meets the end of
 * the file early is -EIO, a file cut short is not data.
 */
#ifndef BLKSNAP_CLI_IO_FULL_H
#define BLKSNAP_CLI_IO_FULL_H

#include <stddef.h>
#include <stdint.h>

int io_pread_full(int fd, void *buf, size_t len, uint64_t offset);
int io_pwrite_full(int fd, const void *buf, size_t len, uint64_t offset);

/* fsync() directory @dir, so that names made or removed in it stay. */
int io_fsync_dir(const char *dir);

#endif /* BLKSNAP_CLI_IO_FULL_H */
