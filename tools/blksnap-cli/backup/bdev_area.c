// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The blksnap area's header and layout (bdev_area.h): encoding, the
 * checks a header must pass, and where a new undo log goes.  No I/O.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <xxhash.h>
#include "bdev_area.h"
#include "block_sums.h"

static const char magic[8] = "BLKSNARE";

#define LOGS_AT		128
#define LOG_BYTES	32
#define SUM_AT		(BDEV_AREA_HEADER - 8)

static void put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = v >> (8 * i);
}

static void put64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = v >> (8 * i);
}

static uint32_t get32(const unsigned char *p)
{
	uint32_t v = 0;

	for (int i = 3; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static uint64_t get64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static uint64_t round_up(uint64_t v, uint64_t to)
{
	return (v + to - 1) / to * to;
}

uint64_t bdev_area_header_at(uint64_t dev_size, unsigned int copy)
{
	return dev_size / BDEV_AREA_HEADER * BDEV_AREA_HEADER -
	       (2 - copy) * (uint64_t)BDEV_AREA_HEADER;
}

/* A checksum slot for an image of up to @room bytes. */
static uint64_t slot_bytes(uint64_t room, uint32_t chunk_size)
{
	return round_up(block_sums_bytes(block_sums_count(room, chunk_size)),
			BDEV_AREA_HEADER);
}

uint64_t bdev_area_min_dev_size(uint64_t image_size, uint32_t chunk_size)
{
	uint64_t start = round_up(image_size, BDEV_AREA_ALIGN);

	return start + 2 * slot_bytes(start, chunk_size) + BDEV_AREA_MIN_LOG +
	       2 * BDEV_AREA_HEADER;
}

int bdev_area_layout(uint64_t dev_size, uint64_t image_size,
		     uint32_t chunk_size, struct bdev_area *a)
{
	memset(a, 0, sizeof(*a));
	if (!chunk_size)
		return -EINVAL;
	if (dev_size < bdev_area_min_dev_size(image_size, chunk_size))
		return -ENOSPC;
	a->chunk_size = chunk_size;
	a->dev_size = dev_size;
	a->area_start = round_up(image_size, BDEV_AREA_ALIGN);
	a->sums_room = slot_bytes(a->area_start, chunk_size);
	a->sums_off[0] = a->area_start;
	a->sums_off[1] = a->area_start + a->sums_room;
	a->sums_cur = BDEV_AREA_NO_SUMS;
	a->log_start = a->sums_off[1] + a->sums_room;
	a->log_end = bdev_area_header_at(dev_size, 0);
	return 0;
}

void bdev_area_encode(const struct bdev_area *a, unsigned char b[BDEV_AREA_HEADER])
{
	uint32_t i;

	memset(b, 0, BDEV_AREA_HEADER);
	memcpy(b, magic, sizeof(magic));
	put32(b + 8, BDEV_AREA_VERSION);
	put32(b + 12, a->chunk_size);
	memcpy(b + 16, a->uuid, sizeof(a->uuid));
	put64(b + 32, a->seq);
	put64(b + 40, a->dev_size);
	put64(b + 48, a->area_start);
	put64(b + 56, a->sums_off[0]);
	put64(b + 64, a->sums_off[1]);
	put64(b + 72, a->sums_room);
	put32(b + 80, a->sums_cur);
	put32(b + 84, a->nlogs);
	put64(b + 88, a->sums_len);
	put64(b + 96, a->log_start);
	put64(b + 104, a->log_end);
	for (i = 0; i < a->nlogs && i < BDEV_AREA_LOGS_MAX; i++) {
		unsigned char *p = b + LOGS_AT + LOG_BYTES * i;

		put64(p, (uint64_t)a->log[i].time);
		put64(p + 8, a->log[i].offset);
		put64(p + 16, a->log[i].length);
	}
	put64(b + SUM_AT, XXH3_64bits(b, SUM_AT));
}

static int bad(char *why, size_t whysize, const char *what)
{
	snprintf(why, whysize, "%s", what);
	return -EBADMSG;
}

/* The layout a good header must have: what bdev_area_layout() makes. */
static bool layout_sane(const struct bdev_area *a)
{
	struct bdev_area l;

	return !bdev_area_layout(a->dev_size, a->area_start, a->chunk_size, &l) &&
	       l.area_start == a->area_start && l.sums_room == a->sums_room &&
	       l.sums_off[0] == a->sums_off[0] && l.sums_off[1] == a->sums_off[1] &&
	       l.log_start == a->log_start && l.log_end == a->log_end;
}

int bdev_area_decode(const unsigned char b[BDEV_AREA_HEADER], uint64_t dev_size,
		     struct bdev_area *a, char *why, size_t whysize)
{
	uint32_t i;

	memset(a, 0, sizeof(*a));
	if (memcmp(b, magic, sizeof(magic)))
		return -ENOENT;
	if (get64(b + SUM_AT) != XXH3_64bits(b, SUM_AT))
		return bad(why, whysize, "header torn or damaged (checksum)");
	if (get32(b + 8) != BDEV_AREA_VERSION) {
		snprintf(why, whysize, "area format %u, this blksnap reads %d",
			 get32(b + 8), BDEV_AREA_VERSION);
		return -EBADMSG;
	}
	a->chunk_size = get32(b + 12);
	memcpy(a->uuid, b + 16, sizeof(a->uuid));
	a->seq = get64(b + 32);
	a->dev_size = get64(b + 40);
	a->area_start = get64(b + 48);
	a->sums_off[0] = get64(b + 56);
	a->sums_off[1] = get64(b + 64);
	a->sums_room = get64(b + 72);
	a->sums_cur = get32(b + 80);
	a->nlogs = get32(b + 84);
	a->sums_len = get64(b + 88);
	a->log_start = get64(b + 96);
	a->log_end = get64(b + 104);
	if (a->dev_size != dev_size) {
		snprintf(why, whysize, "made on a device of %llu bytes, this one "
			 "has %llu (resized?)", (unsigned long long)a->dev_size,
			 (unsigned long long)dev_size);
		return -EBADMSG;
	}
	if (!layout_sane(a) || a->sums_cur > BDEV_AREA_NO_SUMS ||
	    a->sums_len > a->sums_room || a->nlogs > BDEV_AREA_LOGS_MAX)
		return bad(why, whysize, "header out of range");
	for (i = 0; i < a->nlogs; i++) {
		const unsigned char *p = b + LOGS_AT + LOG_BYTES * i;
		struct bdev_area_log *l = &a->log[i];

		l->time = (int64_t)get64(p);
		l->offset = get64(p + 8);
		l->length = get64(p + 16);
		if (l->time <= 0 || (i && l->time <= a->log[i - 1].time) ||
		    l->offset < a->log_start || l->offset >= a->log_end ||
		    l->length > a->log_end - l->offset)
			return bad(why, whysize, "undo log list out of range");
	}
	return 0;
}

int bdev_area_pick(const unsigned char b0[BDEV_AREA_HEADER],
		   const unsigned char b1[BDEV_AREA_HEADER], uint64_t dev_size,
		   struct bdev_area *a, char *why, size_t whysize)
{
	struct bdev_area c[2];
	char w[2][160];
	int e[2];

	e[0] = bdev_area_decode(b0, dev_size, &c[0], w[0], sizeof(w[0]));
	e[1] = bdev_area_decode(b1, dev_size, &c[1], w[1], sizeof(w[1]));
	if (!e[0] && (e[1] || c[0].seq > c[1].seq)) {
		*a = c[0];
		return 0;
	}
	if (!e[1]) {
		*a = c[1];
		return 0;
	}
	if (e[0] == -ENOENT && e[1] == -ENOENT)
		return -ENOENT;
	snprintf(why, whysize, "both header copies are bad: %s", w[e[0] == -ENOENT]);
	return -EBADMSG;
}

uint64_t bdev_area_room_from(const struct bdev_area *a, uint64_t start)
{
	uint64_t next = a->log_end;
	uint32_t i;

	for (i = 0; i < a->nlogs; i++)
		if (a->log[i].offset >= start && a->log[i].offset < next)
			next = a->log[i].offset;
	return next - start;
}

void bdev_area_place(const struct bdev_area *a, uint64_t bound,
		     uint64_t *start, uint64_t *limit)
{
	const struct bdev_area_log *newest;
	uint64_t end;

	*start = a->log_start;
	if (a->nlogs) {
		newest = &a->log[a->nlogs - 1];
		end = round_up(newest->offset + newest->length, BDEV_AREA_HEADER);
		/* The rest of the region, if the log fits; else the ring wraps. */
		if (end < a->log_end && a->log_end - end >= bound)
			*start = end;
	}
	*limit = bdev_area_room_from(a, *start);
}

void bdev_area_remove(struct bdev_area *a, uint32_t i)
{
	if (i >= a->nlogs)
		return;
	memmove(&a->log[i], &a->log[i + 1], (a->nlogs - i - 1) * sizeof(a->log[0]));
	a->nlogs--;
}
