// SPDX-License-Identifier: GPL-2.0-or-later
#include <fcntl.h>
#include "cache_behind.h"

void cache_behind_init(struct cache_behind *cb, int fd)
{
	cb->fd = fd;
	cb->dirty = 0;
}

void cache_behind_written(struct cache_behind *cb, uint64_t len)
{
	cb->dirty += len;
	if (cb->dirty < CACHE_BEHIND_STEP)
		return;
	cb->dirty = 0;
	/* Clean by now: what the last step started to write back. */
	posix_fadvise(cb->fd, 0, 0, POSIX_FADV_DONTNEED);
	/* This step's writes go to disk now, not at the fsync. */
	sync_file_range(cb->fd, 0, 0, SYNC_FILE_RANGE_WRITE);
}

void cache_drop(int fd, uint64_t offset, uint64_t len)
{
	/*
	 * The kernel drops only whole folios inside the range, and a large
	 * one read ahead across the last range's end stays: take the bytes
	 * before it too (its next range's call takes the one across its end).
	 */
	uint64_t from = offset > CACHE_DROP_BEFORE ? offset - CACHE_DROP_BEFORE : 0;

	posix_fadvise(fd, from, offset + len - from, POSIX_FADV_DONTNEED);
}
