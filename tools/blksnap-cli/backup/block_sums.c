// SPDX-License-Identifier: GPL-2.0-or-later
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>
#include "block_sums.h"
#include "common/io_full.h"
#include "take_time.h"

static const char magic[8] = "BLKSNSUM";
#define ALGORITHM_XXH3_64	1

uint64_t block_sum(const void *data, size_t len)
{
	return XXH3_64bits(data, len);
}

uint64_t block_sums_count(uint64_t size, uint32_t chunk_size)
{
	return size / chunk_size + !!(size % chunk_size);
}

uint64_t block_sums_chunk_len(const struct block_sums *s, uint64_t i)
{
	uint64_t start = i * s->chunk_size;

	return s->image_size - start < s->chunk_size ? s->image_size - start
						     : s->chunk_size;
}

int block_sums_init(struct block_sums *s, uint32_t chunk_size,
		    uint64_t size, int64_t take_time)
{
	memset(s, 0, sizeof(*s));
	s->chunk_size = chunk_size;
	s->take_time = take_time;
	s->image_size = size;
	s->count = block_sums_count(size, chunk_size);
	s->sum = calloc(s->count ? s->count : 1, sizeof(*s->sum));
	return s->sum ? 0 : -ENOMEM;
}

void block_sums_free(struct block_sums *s)
{
	free(s->sum);
	s->sum = NULL;
}

static void put64(unsigned char *p, uint64_t v)
{
	v = htole64(v);
	memcpy(p, &v, 8);
}

static uint64_t get64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return le64toh(v);
}

static uint32_t get32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return le32toh(v);
}

static void encode_header(const struct block_sums *s,
			  unsigned char b[BLOCK_SUMS_HEADER])
{
	uint32_t v;

	memset(b, 0, BLOCK_SUMS_HEADER);
	memcpy(b, magic, sizeof(magic));
	v = htole32(BLOCK_SUMS_VERSION);
	memcpy(b + 8, &v, 4);
	v = htole32(s->chunk_size);
	memcpy(b + 12, &v, 4);
	put64(b + 16, s->take_time);
	put64(b + 24, s->image_size);
	put64(b + 32, s->count);
	v = htole32(ALGORITHM_XXH3_64);
	memcpy(b + 40, &v, 4);
	take_time_format(s->take_time, (char *)b + 48);
	put64(b + 120, XXH3_64bits(b, 120));
}

/* The hashes as stored, and the trailer after them; a new buffer. */
static unsigned char *encode_body(const struct block_sums *s, size_t *len)
{
	unsigned char *p;
	uint64_t i;

	*len = (s->count + 1) * 8;
	p = malloc(*len);
	if (!p)
		return NULL;
	for (i = 0; i < s->count; i++)
		put64(p + 8 * i, s->sum[i]);
	put64(p + 8 * s->count, XXH3_64bits_withSeed(p, 8 * s->count,
						     (XXH64_hash_t)s->take_time));
	return p;
}

static int bad(char *why, size_t whysize, const char *what)
{
	snprintf(why, whysize, "%s", what);
	return -EBADMSG;
}

int block_sums_read_at(int fd, uint64_t base, uint64_t size,
		       struct block_sums *s, char *why, size_t whysize)
{
	unsigned char h[BLOCK_SUMS_HEADER], *body = NULL;
	uint64_t i, count;
	size_t len;
	int err;

	memset(s, 0, sizeof(*s));
	if (size < BLOCK_SUMS_HEADER) {
		err = bad(why, whysize, "header truncated");
		goto out;
	}
	err = io_pread_full(fd, h, sizeof(h), base);
	if (err)
		goto out;
	if (memcmp(h, magic, sizeof(magic))) {
		err = bad(why, whysize, "not a checksum file (no magic)");
		goto out;
	}
	if (get64(h + 120) != XXH3_64bits(h, 120)) {
		err = bad(why, whysize, "header damaged (checksum)");
		goto out;
	}
	if (get32(h + 8) != BLOCK_SUMS_VERSION || get32(h + 40) != ALGORITHM_XXH3_64) {
		snprintf(why, whysize, "format %u hash %u, this blksnap reads %d "
			 "with XXH3-64", get32(h + 8), get32(h + 40),
			 BLOCK_SUMS_VERSION);
		err = -EBADMSG;
		goto out;
	}
	s->chunk_size = get32(h + 12);
	s->take_time = (int64_t)get64(h + 16);
	s->image_size = get64(h + 24);
	count = get64(h + 32);
	if (!s->chunk_size || s->take_time <= 0 ||
	    count != block_sums_count(s->image_size, s->chunk_size) ||
	    count > (UINT64_MAX - BLOCK_SUMS_HEADER) / 8 - 1) {
		err = bad(why, whysize, "header out of range");
		goto out;
	}
	if (size != BLOCK_SUMS_HEADER + (count + 1) * 8) {
		snprintf(why, whysize, "%llu bytes, %llu expected (truncated?)",
			 (unsigned long long)size,
			 (unsigned long long)(BLOCK_SUMS_HEADER + (count + 1) * 8));
		err = -EBADMSG;
		goto out;
	}
	len = (count + 1) * 8;
	body = malloc(len);
	s->sum = calloc(count ? count : 1, sizeof(*s->sum));
	if (!body || !s->sum) {
		err = -ENOMEM;
		goto out;
	}
	err = io_pread_full(fd, body, len, base + BLOCK_SUMS_HEADER);
	if (err)
		goto out;
	if (get64(body + 8 * count) !=
	    XXH3_64bits_withSeed(body, 8 * count, (XXH64_hash_t)s->take_time)) {
		err = bad(why, whysize, "hashes damaged (checksum)");
		goto out;
	}
	for (i = 0; i < count; i++)
		s->sum[i] = get64(body + 8 * i);
	s->count = count;
out:
	if (err)
		block_sums_free(s);
	free(body);
	return err;
}

int block_sums_read(const char *path, struct block_sums *s,
		    char *why, size_t whysize)
{
	struct stat st;
	int fd, err;

	memset(s, 0, sizeof(*s));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = fstat(fd, &st) ? -errno :
	      block_sums_read_at(fd, 0, st.st_size, s, why, whysize);
	close(fd);
	return err;
}

uint64_t block_sums_bytes(uint64_t count)
{
	return BLOCK_SUMS_HEADER + (count + 1) * 8;
}

int block_sums_write_at(int fd, uint64_t base, const struct block_sums *s)
{
	unsigned char h[BLOCK_SUMS_HEADER], *body;
	size_t len;
	int err;

	body = encode_body(s, &len);
	if (!body)
		return -ENOMEM;
	encode_header(s, h);
	err = io_pwrite_full(fd, h, sizeof(h), base);
	if (!err)
		err = io_pwrite_full(fd, body, len, base + sizeof(h));
	if (!err && fsync(fd))
		err = -errno;
	free(body);
	return err;
}


int block_sums_write(const char *path, const struct block_sums *s)
{
	unsigned char h[BLOCK_SUMS_HEADER], *body;
	char *tmp = NULL, *dir = NULL;
	size_t len;
	int fd, err;

	body = encode_body(s, &len);
	if (!body || asprintf(&tmp, "%s.tmp", path) < 0 || !(dir = strdup(path))) {
		err = -ENOMEM;
		goto out;
	}
	encode_header(s, h);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	err = fchmod(fd, 0600) ? -errno : 0;
	if (!err)
		err = io_pwrite_full(fd, h, sizeof(h), 0);
	if (!err)
		err = io_pwrite_full(fd, body, len, sizeof(h));
	/* The hashes must be on disk before the name points at them. */
	if (!err && fsync(fd))
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err) {
		unlink(tmp);
		goto out;
	}
	err = io_fsync_dir(dirname(dir));
out:
	free(dir);
	free(tmp);
	free(body);
	return err;
}
