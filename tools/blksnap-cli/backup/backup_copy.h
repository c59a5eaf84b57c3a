/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Copying byte ranges of a snapshot image to a backup destination.  Runs
 * of zeros are not written: on a destination known to be all zeros (a
 * fresh sparse file) they are skipped, so the file stays sparse;
 * elsewhere they become holes (FALLOC_FL_PUNCH_HOLE, which zeroes on a
 * block device too) or, where that is not supported, written zeros.  So a
 * range that changed to zeros still reaches the destination.
 *
 * Works on file descriptors only, or through hooks that take the writes
 * instead of the destination descriptor (restore points: restore_point.h
 * saves the old contents before each); unit tests use temporary files.
 */
#ifndef BLKSNAP_CLI_BACKUP_COPY_H
#define BLKSNAP_CLI_BACKUP_COPY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "common/cache_behind.h"

#define BACKUP_COPY_CHUNK	(1U << 20)	/* bytes read at once */
#define BACKUP_ZERO_BLOCK	4096U		/* granularity of zero runs */

struct backup_copy {
	int src;
	int dst;
	bool dst_zeroed;	/* @dst reads as zeros where not yet written */
	/* Polled between chunks; true stops the copy with -EINTR. */
	bool (*stop)(void);
	/* Called after each chunk with the bytes handled so far. */
	void (*progress)(void *arg, uint64_t done);
	void *progress_arg;
	/*
	 * When set, data and zero runs go to these instead of @dst (which
	 * is then unused): 0 or -errno.
	 */
	int (*put)(void *arg, uint64_t offset, const void *data, size_t len);
	int (*zero)(void *arg, uint64_t offset, uint64_t len);
	void *put_arg;
	/* Bytes per second at most, 0 for no limit (--bwlimit). */
	uint64_t rate_limit;

	uint64_t done;		/* bytes of the ranges handled */
	uint64_t written;	/* bytes written (not zeros skipped/punched) */
	bool failed_on_dst;	/* the last error came from @dst */
	bool punch_unsupported;	/* @dst refused a hole once: write zeros */
	void *buf;
	double start;		/* monotonic seconds at init, for the limit */
	struct cache_behind cb;	/* @dst's writes; the reads of @src are dropped */
};

/* Set up @c; 0 or -ENOMEM.  Free with backup_copy_free(). */
int backup_copy_init(struct backup_copy *c, int src, int dst, bool dst_zeroed);
void backup_copy_free(struct backup_copy *c);

/*
 * Copy @len bytes at @offset from src to the same offset of dst.  0, or
 * -EINTR when stopped, or -errno (failed_on_dst says which side); -EIO
 * if src ends early.
 */
int backup_copy_range(struct backup_copy *c, uint64_t offset, uint64_t len);

/*
 * The two halves of backup_copy_range(), for a caller that looks at the
 * data between them (restore points: unchanged chunks are not written).
 * backup_copy_read() polls the stop request first (-EINTR);
 * backup_copy_put() writes @buf's data and zero runs as the copy would
 * and counts @len bytes done.
 */
int backup_copy_read(struct backup_copy *c, uint64_t offset, void *buf,
		     size_t len);
int backup_copy_put(struct backup_copy *c, uint64_t offset, const void *buf,
		    size_t len);

#endif /* BLKSNAP_CLI_BACKUP_COPY_H */
