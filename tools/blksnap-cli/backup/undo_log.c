// SPDX-License-Identifier: GPL-2.0-or-later
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>
#include "common/io_full.h"
#include "take_time.h"
#include "undo_log.h"

static const char header_magic[8] = "BLKSNUND";
#define RECORD_MAGIC	0x52555342U	/* "BSUR" read as a little-endian u32 */
#define KIND_DATA	1
#define KIND_END	2
#define KIND_LOST	3

static void put32(unsigned char *p, uint32_t v)
{
	v = htole32(v);
	memcpy(p, &v, 4);
}

static void put64(unsigned char *p, uint64_t v)
{
	v = htole64(v);
	memcpy(p, &v, 8);
}

static uint32_t get32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return le32toh(v);
}

static uint64_t get64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return le64toh(v);
}

static void encode_header(const struct undo_header *h,
			  unsigned char b[UNDO_HEADER_SIZE])
{
	memset(b, 0, UNDO_HEADER_SIZE);
	memcpy(b, header_magic, sizeof(header_magic));
	put32(b + 8, UNDO_VERSION);
	put32(b + 12, h->chunk_size);
	put64(b + 16, h->take_time);
	put64(b + 24, h->prev_time);
	put64(b + 32, h->old_size);
	put64(b + 40, h->new_size);
	take_time_format(h->take_time, (char *)b + 48);
	if (h->prev_time)
		take_time_format(h->prev_time, (char *)b + 80);
	put64(b + 120, XXH3_64bits(b, 120));
}

static int decode_header(const unsigned char b[UNDO_HEADER_SIZE],
			 struct undo_header *h, char *why, size_t whysize)
{
	uint32_t version;

	if (memcmp(b, header_magic, sizeof(header_magic))) {
		snprintf(why, whysize, "not an undo file (no magic)");
		return -EBADMSG;
	}
	if (get64(b + 120) != XXH3_64bits(b, 120)) {
		snprintf(why, whysize, "header damaged (checksum)");
		return -EBADMSG;
	}
	version = get32(b + 8);
	if (version != UNDO_VERSION) {
		snprintf(why, whysize, "format %u, this blksnap reads %d",
			 version, UNDO_VERSION);
		return -EBADMSG;
	}
	h->chunk_size = get32(b + 12);
	h->take_time = (int64_t)get64(b + 16);
	h->prev_time = (int64_t)get64(b + 24);
	h->old_size = get64(b + 32);
	h->new_size = get64(b + 40);
	if (!h->chunk_size || h->chunk_size > UNDO_RECORD_MAX || h->take_time <= 0 ||
	    h->prev_time < 0 || (h->prev_time && h->prev_time >= h->take_time)) {
		snprintf(why, whysize, "header out of range");
		return -EBADMSG;
	}
	return 0;
}

static void encode_head(unsigned char b[UNDO_RECORD_HEAD], int64_t seed,
			uint32_t kind, uint64_t offset, uint64_t len,
			uint64_t data_hash)
{
	put32(b, RECORD_MAGIC);
	put32(b + 4, kind);
	put64(b + 8, offset);
	put64(b + 16, len);
	put64(b + 24, data_hash);
	put64(b + 32, XXH3_64bits_withSeed(b, 32, (XXH64_hash_t)seed));
}

int undo_create(const char *path, const struct undo_header *h,
		struct undo_writer *w)
{
	unsigned char b[UNDO_HEADER_SIZE];
	int err;

	memset(w, 0, sizeof(*w));
	w->fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (w->fd < 0)
		return -errno;
	/* The image's old data: readable by its owner only, umask or not. */
	err = fchmod(w->fd, 0600) ? -errno : 0;
	encode_header(h, b);
	if (!err)
		err = io_pwrite_full(w->fd, b, sizeof(b), 0);
	if (!err && fsync(w->fd))
		err = -errno;
	if (err) {
		close(w->fd);
		unlink(path);
		w->fd = -1;
		return err;
	}
	w->seed = h->take_time;
	w->chunk_size = h->chunk_size;
	w->limit = UINT64_MAX;
	w->end = UNDO_HEADER_SIZE;
	return 0;
}

int undo_create_at(int fd, uint64_t base, uint64_t limit,
		   const struct undo_header *h, struct undo_writer *w)
{
	unsigned char b[UNDO_HEADER_SIZE];
	int err;

	memset(w, 0, sizeof(*w));
	w->fd = -1;
	if (limit < UNDO_HEADER_SIZE)
		return -ENOSPC;
	encode_header(h, b);
	err = io_pwrite_full(fd, b, sizeof(b), base);
	if (!err && fsync(fd))
		err = -errno;
	if (err)
		return err;
	w->fd = fd;
	w->borrowed = true;
	w->base = base;
	w->limit = limit;
	w->seed = h->take_time;
	w->chunk_size = h->chunk_size;
	w->end = UNDO_HEADER_SIZE;
	return 0;
}

/* Room for @need more bytes below the limit, asking for it if need be. */
static int room_for(struct undo_writer *w, uint64_t need)
{
	while (w->limit - w->end < need) {
		int err = w->room ? w->room(w->room_arg, w, need) : -ENOSPC;

		if (err)
			return err;
	}
	return 0;
}

static int append(struct undo_writer *w, uint32_t kind, uint64_t offset,
		  const void *data, uint64_t len, uint64_t data_hash)
{
	unsigned char head[UNDO_RECORD_HEAD];
	int err;

	err = room_for(w, sizeof(head) + len);
	if (err)
		return err;
	encode_head(head, w->seed, kind, offset, len, data_hash);
	err = io_pwrite_full(w->fd, head, sizeof(head), w->base + w->end);
	if (!err && len)
		err = io_pwrite_full(w->fd, data, len,
				     w->base + w->end + sizeof(head));
	if (err)
		return err;
	w->end += sizeof(head) + (kind == KIND_DATA ? len : 0);
	return 0;
}

int undo_append(struct undo_writer *w, uint64_t offset, const void *data,
		uint64_t len)
{
	int err;

	if (!len || len > w->chunk_size)
		return -EINVAL;
	err = append(w, KIND_DATA, offset, data, len, XXH3_64bits(data, len));
	if (err)
		return err;
	w->records++;
	w->bytes += len;
	return 0;
}

int undo_append_lost(struct undo_writer *w, uint64_t offset, uint64_t len)
{
	unsigned char head[UNDO_RECORD_HEAD];
	int err;

	if (!len)
		return -EINVAL;
	err = room_for(w, sizeof(head));
	if (err)
		return err;
	encode_head(head, w->seed, KIND_LOST, offset, len, 0);
	err = io_pwrite_full(w->fd, head, sizeof(head), w->base + w->end);
	if (!err)
		w->end += sizeof(head);
	return err;
}

int undo_sync(struct undo_writer *w)
{
	return fsync(w->fd) ? -errno : 0;
}

int undo_finish(struct undo_writer *w)
{
	/* The end record's "length" is the sum; it carries no data. */
	unsigned char head[UNDO_RECORD_HEAD];
	int err;

	err = room_for(w, sizeof(head));
	if (err)
		return err;
	encode_head(head, w->seed, KIND_END, w->records, w->bytes, 0);
	err = io_pwrite_full(w->fd, head, sizeof(head), w->base + w->end);
	if (err)
		return err;
	w->end += sizeof(head);
	return undo_sync(w);
}

int undo_close(struct undo_writer *w)
{
	int err = 0;

	if (w->fd >= 0 && !w->borrowed && close(w->fd))
		err = -errno;
	w->fd = -1;
	return err;
}

/* Stop reading records: the file ends early at byte @at. */
static int stop(struct undo_scan *s, uint64_t at, const char *what)
{
	snprintf(s->why, sizeof(s->why), "%s at byte %llu after %llu records",
		 what, (unsigned long long)at, (unsigned long long)s->records);
	return 0;
}

int undo_scan(int fd, struct undo_scan *s, undo_record_fn fn, void *arg)
{
	const struct undo_visit v = { .data = fn, .arg = arg };

	return undo_scan_visit(fd, s, &v);
}

int undo_scan_visit(int fd, struct undo_scan *s, const struct undo_visit *v)
{
	struct stat st;

	memset(s, 0, sizeof(*s));
	if (fstat(fd, &st))
		return -errno;
	return undo_scan_region(fd, 0, st.st_size, s, v);
}

int undo_scan_region(int fd, uint64_t base, uint64_t size,
		     struct undo_scan *s, const struct undo_visit *v)
{
	undo_record_fn fn = v->data;
	void *arg = v->arg;
	unsigned char b[UNDO_HEADER_SIZE];
	unsigned char *data = NULL;
	uint64_t at = UNDO_HEADER_SIZE;
	int err;

	memset(s, 0, sizeof(*s));
	if (size < UNDO_HEADER_SIZE) {
		snprintf(s->why, sizeof(s->why), "header truncated (%llu bytes)",
			 (unsigned long long)size);
		return -EBADMSG;
	}
	err = io_pread_full(fd, b, sizeof(b), base);
	if (err)
		return err;
	err = decode_header(b, &s->h, s->why, sizeof(s->why));
	if (err)
		return err;
	for (;;) {
		unsigned char head[UNDO_RECORD_HEAD];
		uint64_t offset, len, hash;
		uint32_t kind;

		if (at == size)
			return stop(s, at, "no end record");
		if (size - at < UNDO_RECORD_HEAD) {
			err = stop(s, at, "record head truncated");
			break;
		}
		err = io_pread_full(fd, head, sizeof(head), base + at);
		if (err)
			break;
		kind = get32(head + 4);
		offset = get64(head + 8);
		len = get64(head + 16);
		hash = get64(head + 24);
		if (get32(head) != RECORD_MAGIC ||
		    get64(head + 32) != XXH3_64bits_withSeed(head, 32,
						(XXH64_hash_t)s->h.take_time) ||
		    (kind != KIND_DATA && kind != KIND_END && kind != KIND_LOST)) {
			err = stop(s, at, "record head torn or damaged");
			break;
		}
		if (kind == KIND_END) {
			if (offset != s->records || len != s->bytes)
				err = stop(s, at, "end record disagrees with the records");
			else if (at + UNDO_RECORD_HEAD != size)
				err = stop(s, at + UNDO_RECORD_HEAD,
					   "bytes after the end record");
			else
				s->complete = true;
			break;
		}
		if (kind == KIND_LOST) {
			if (!len || offset + len < offset || offset + len > s->h.old_size) {
				err = stop(s, at, "lost record out of range");
				break;
			}
			err = v->lost ? v->lost(arg, offset, len) : 0;
			if (err)
				break;
			s->lost++;
			at += UNDO_RECORD_HEAD;
			continue;
		}
		/* Old contents lie within the old image: nothing else is ours. */
		if (!len || len > s->h.chunk_size || offset + len < offset ||
		    offset + len > s->h.old_size) {
			err = stop(s, at, "record out of range");
			break;
		}
		if (size - at - UNDO_RECORD_HEAD < len) {
			err = stop(s, at, "record data truncated");
			break;
		}
		if (fn) {
			if (!data) {
				data = malloc(s->h.chunk_size);
				if (!data) {
					err = -ENOMEM;
					break;
				}
			}
			err = io_pread_full(fd, data, len, base + at + UNDO_RECORD_HEAD);
			if (err)
				break;
			if (XXH3_64bits(data, len) != hash) {
				err = stop(s, at, "record data damaged (checksum)");
				break;
			}
			err = fn(arg, offset, data, len);
			if (err)
				break;
		} else if (v->head) {
			err = v->head(arg, offset, len);
			if (err)
				break;
		}
		s->records++;
		s->bytes += len;
		at += UNDO_RECORD_HEAD + len;
	}
	free(data);
	return err;
}
