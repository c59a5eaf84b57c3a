// SPDX-License-Identifier: GPL-2.0-or-later
#include "ranges.h"

void cbt_range_iter_init(struct cbt_range_iter *it, const uint8_t *map,
			 size_t count, uint32_t block_size, uint64_t capacity,
			 uint8_t above)
{
	it->map = map;
	it->count = count;
	it->pos = 0;
	it->block_size = block_size;
	it->capacity = capacity;
	it->above = above;
}

bool cbt_range_next(struct cbt_range_iter *it, struct byte_range *r)
{
	uint64_t start, end;
	size_t first;

	while (it->pos < it->count && it->map[it->pos] <= it->above)
		it->pos++;
	if (it->pos == it->count)
		return false;

	first = it->pos;
	while (it->pos < it->count && it->map[it->pos] > it->above)
		it->pos++;

	start = (uint64_t)first * it->block_size;
	end = (uint64_t)it->pos * it->block_size;
	/* The last tracking block usually extends past the device's end. */
	if (end > it->capacity)
		end = it->capacity;
	if (start >= end)
		return false;

	r->offset = start;
	r->length = end - start;
	return true;
}

void range_batcher_init(struct range_batcher *b, const struct byte_range *v,
			size_t n, uint64_t max)
{
	b->v = v;
	b->n = n;
	b->i = 0;
	b->done = 0;
	b->max = max ? max : 1;
}

size_t range_batch_next(struct range_batcher *b, struct byte_range *out,
			size_t cap)
{
	uint64_t room = b->max;
	size_t k = 0;

	while (k < cap && room && b->i < b->n) {
		const struct byte_range *r = &b->v[b->i];
		uint64_t left = r->length - b->done;
		uint64_t len = left < room ? left : room;

		if (len) {
			out[k].offset = r->offset + b->done;
			out[k].length = len;
			k++;
			room -= len;
			b->done += len;
		}
		if (b->done == r->length) {
			b->i++;
			b->done = 0;
		}
	}
	return k;
}
