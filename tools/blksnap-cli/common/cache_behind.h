/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The page cache a long copy leaves: none of what it read (a device read
 * once), and of what it wrote only the last step's.  Without this, a
 * backup of a large device evicts the machine's working set for pages it
 * never reads again, and ends in one fsync of gigabytes.  Writes are
 * started to disk every CACHE_BEHIND_STEP bytes (sync_file_range), and
 * what the step before wrote back is dropped (POSIX_FADV_DONTNEED).
 * Advice only: failures change nothing but the cache, and are ignored.
 */
#ifndef BLKSNAP_CLI_CACHE_BEHIND_H
#define BLKSNAP_CLI_CACHE_BEHIND_H

#include <stdint.h>

#define CACHE_BEHIND_STEP	(16U << 20)

struct cache_behind {
	int fd;
	uint64_t dirty;		/* bytes written since the last step */
};

/* Follow writes to @fd. */
void cache_behind_init(struct cache_behind *cb, int fd);

/* @len more bytes were written to cb->fd. */
void cache_behind_written(struct cache_behind *cb, uint64_t len);

/* A page cache folio is at most this large (x86's PMD size). */
#define CACHE_DROP_BEFORE	(2U << 20)

/*
 * @len bytes at @offset of @fd were read and are not needed again, nor
 * the CACHE_DROP_BEFORE bytes before them (read before, in the order of
 * a copy).
 */
void cache_drop(int fd, uint64_t offset, uint64_t len);

#endif /* BLKSNAP_CLI_CACHE_BEHIND_H */
