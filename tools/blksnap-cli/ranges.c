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
