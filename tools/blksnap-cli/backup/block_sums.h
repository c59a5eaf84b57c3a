/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The checksum file of a backup image: an XXH3-64 hash (libxxhash) of
 * each chunk of the image as its latest restore point left it, so that
 * damage on the backup medium is found (restore checks each chunk it
 * copies).  It also names the latest point: its take time and the
 * image's size.  It is replaced whole, by rename, as the last step of a
 * run: that rename is the run's commit (restore_point.c).
 *
 * Format (version 1, little-endian):
 *
 *   header, 128 bytes
 *     0  "BLKSNSUM"            magic
 *     8  u32 version           1
 *    12  u32 chunk_size        bytes per hash (the last chunk may be short)
 *    16  s64 take_time         the latest point, seconds since the epoch
 *    24  u64 image_size        bytes
 *    32  u64 count             chunks: image_size / chunk_size rounded up
 *    40  u32 algorithm         1: XXH3-64, unseeded
 *    44  u32 0                 reserved
 *    48  char[32]              take_time in RFC 3339, NUL-padded
 *    80  40 bytes of 0         reserved
 *   120  u64 XXH3-64 of bytes 0..119
 *   count u64 hashes
 *   u64 XXH3-64 of the hashes, seeded with take_time
 *
 * A file of another length or with a hash that does not match is
 * truncated or damaged, and refused.
 */
#ifndef BLKSNAP_CLI_BLOCK_SUMS_H
#define BLKSNAP_CLI_BLOCK_SUMS_H

#include <stddef.h>
#include <stdint.h>

#define BLOCK_SUMS_VERSION	1
#define BLOCK_SUMS_HEADER	128

struct block_sums {
	uint32_t chunk_size;
	int64_t take_time;
	uint64_t image_size;
	uint64_t count;
	uint64_t *sum;		/* @count hashes */
};

/* The hash of one chunk's bytes. */
uint64_t block_sum(const void *data, size_t len);

/* Chunks of an image of @size bytes. */
uint64_t block_sums_count(uint64_t size, uint32_t chunk_size);

/* Bytes of chunk @i (the last one may be short). */
uint64_t block_sums_chunk_len(const struct block_sums *s, uint64_t i);

/* Set up @s for an image of @size, hashes all 0.  0 or -ENOMEM. */
int block_sums_init(struct block_sums *s, uint32_t chunk_size,
		    uint64_t size, int64_t take_time);

void block_sums_free(struct block_sums *s);

/*
 * Read checksum file @path into @s.  0; -ENOENT if there is none;
 * -EBADMSG if it is truncated, damaged or of another format, with @why;
 * another -errno if it cannot be read.
 */
int block_sums_read(const char *path, struct block_sums *s,
		    char *why, size_t whysize);

/*
 * block_sums_read() of the @size bytes of @fd from @base (a place on a
 * device; @size the bytes written there).
 */
int block_sums_read_at(int fd, uint64_t base, uint64_t size,
		       struct block_sums *s, char *why, size_t whysize);

/* Bytes of a checksum file of @count hashes. */
uint64_t block_sums_bytes(uint64_t count);

/*
 * Write @s at byte @base of @fd (block_sums_bytes(@s->count) bytes) and
 * fsync; the caller makes it the current one.  0 or -errno.
 */
int block_sums_write_at(int fd, uint64_t base, const struct block_sums *s);

/*
 * Replace @path with @s atomically and durably: "@path.tmp" (mode 0600)
 * written and fsynced, renamed over @path, the directory fsynced.  0 or
 * -errno; on failure @path is as it was.
 */
int block_sums_write(const char *path, const struct block_sums *s);

#endif /* BLKSNAP_CLI_BLOCK_SUMS_H */
