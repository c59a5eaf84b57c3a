// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "backup_copy.h"
#include "common/io_full.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Sleep until @c->done bytes are due at the rate limit. */
static void throttle(struct backup_copy *c)
{
	double ahead = (double)c->done / c->rate_limit - (now() - c->start);
	struct timespec ts;

	if (ahead <= 0)
		return;
	ts.tv_sec = (time_t)ahead;
	ts.tv_nsec = (long)((ahead - ts.tv_sec) * 1e9);
	nanosleep(&ts, NULL);
}

int backup_copy_init(struct backup_copy *c, int src, int dst, bool dst_zeroed)
{
	memset(c, 0, sizeof(*c));
	c->src = src;
	c->dst = dst;
	c->dst_zeroed = dst_zeroed;
	c->start = now();
	cache_behind_init(&c->cb, dst);
	/* Aligned, so that an O_DIRECT source or destination would work too. */
	if (posix_memalign(&c->buf, BACKUP_ZERO_BLOCK, BACKUP_COPY_CHUNK))
		return -ENOMEM;
	return 0;
}

void backup_copy_free(struct backup_copy *c)
{
	free(c->buf);
	c->buf = NULL;
}

static bool all_zero(const unsigned char *p, size_t len)
{
	/* Each byte equal to the one before it, and the first zero. */
	return !p[0] && !memcmp(p, p + 1, len - 1);
}

static int put_dst(struct backup_copy *c, const void *buf, size_t len,
		   uint64_t offset)
{
	int err;

	if (c->put)
		return c->put(c->put_arg, offset, buf, len);
	err = io_pwrite_full(c->dst, buf, len, offset);
	if (!err)
		cache_behind_written(&c->cb, len);
	return err;
}

/* Make @len bytes at @offset of dst read as zeros. */
static int zero_dst(struct backup_copy *c, const void *zeros, size_t len,
		    uint64_t offset)
{
	if (c->dst_zeroed)
		return 0;
	if (c->zero)
		return c->zero(c->put_arg, offset, len);
	if (!c->punch_unsupported) {
		if (!fallocate(c->dst, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			       offset, len))
			return 0;
		if (errno != EOPNOTSUPP && errno != EINVAL)
			return -errno;
		c->punch_unsupported = true;
	}
	/* @zeros is the zero run itself, read from the source. */
	c->written += len;
	cache_behind_written(&c->cb, len);
	return io_pwrite_full(c->dst, zeros, len, offset);
}

/* Write @len bytes of @buf as runs of data and runs of zeros. */
static int put_chunk(struct backup_copy *c, const unsigned char *buf,
		     size_t len, uint64_t offset)
{
	size_t pos = 0;

	while (pos < len) {
		size_t step, end = pos;
		bool zero;
		int err;

		step = len - pos < BACKUP_ZERO_BLOCK ? len - pos : BACKUP_ZERO_BLOCK;
		zero = all_zero(buf + pos, step);
		/* Extend the run while blocks are of the same kind. */
		while (end < len) {
			step = len - end < BACKUP_ZERO_BLOCK ? len - end : BACKUP_ZERO_BLOCK;
			if (all_zero(buf + end, step) != zero)
				break;
			end += step;
		}
		if (zero) {
			err = zero_dst(c, buf + pos, end - pos, offset + pos);
		} else {
			err = put_dst(c, buf + pos, end - pos, offset + pos);
			c->written += end - pos;
		}
		if (err)
			return err;
		pos = end;
	}
	return 0;
}

int backup_copy_read(struct backup_copy *c, uint64_t offset, void *buf,
		     size_t len)
{
	int err;

	if (c->stop && c->stop())
		return -EINTR;
	c->failed_on_dst = false;
	err = io_pread_full(c->src, buf, len, offset);
	/* Each byte of the snapshot is read once: keep none of it cached. */
	if (!err)
		cache_drop(c->src, offset, len);
	return err;
}

int backup_copy_put(struct backup_copy *c, uint64_t offset, const void *buf,
		    size_t len)
{
	int err;

	c->failed_on_dst = true;
	err = put_chunk(c, buf, len, offset);
	if (err)
		return err;
	c->failed_on_dst = false;
	c->done += len;
	if (c->progress)
		c->progress(c->progress_arg, c->done);
	if (c->rate_limit)
		throttle(c);
	return 0;
}

int backup_copy_range(struct backup_copy *c, uint64_t offset, uint64_t len)
{
	while (len) {
		size_t n = len < BACKUP_COPY_CHUNK ? len : BACKUP_COPY_CHUNK;
		int err;

		err = backup_copy_read(c, offset, c->buf, n);
		if (!err)
			err = backup_copy_put(c, offset, c->buf, n);
		if (err)
			return err;
		offset += n;
		len -= n;
	}
	return 0;
}
