// SPDX-License-Identifier: GPL-2.0
/*
 * The free space of the filesystem on a device of a snapshot, as it was
 * at the take, in chunks (see free_map.h).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include <linux/bitmap.h>
#include <linux/bitops.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include "free_map.h"

struct free_map *free_map_create(sector_t capacity, unsigned int chunk_shift)
{
	struct free_map *map = kzalloc(sizeof(*map), GFP_KERNEL);

	if (!map)
		return NULL;
	map->capacity = capacity;
	map->chunk_shift = chunk_shift;
	map->nr_chunks = DIV_ROUND_UP_SECTOR_T(capacity, 1ULL << chunk_shift);
	/* Up to 2 MiB each (chunk_maximum_count bits): not contiguous. */
	map->free = kvcalloc(BITS_TO_LONGS(map->nr_chunks), sizeof(long),
			     GFP_KERNEL);
	map->written = kvcalloc(BITS_TO_LONGS(map->nr_chunks), sizeof(long),
				GFP_KERNEL);
	if (!map->free || !map->written) {
		free_map_destroy(map);
		return NULL;
	}
	return map;
}

void free_map_destroy(struct free_map *map)
{
	if (!map)
		return;
	kvfree(map->free);
	kvfree(map->written);
	kfree(map);
}

int free_map_add(struct free_map *map, sector_t sector, sector_t count)
{
	sector_t chunk = 1ULL << map->chunk_shift;
	sector_t first = round_up(sector, chunk) >> map->chunk_shift;
	sector_t end;

	if (sector + count < sector || sector + count > map->capacity)
		return -ERANGE;
	map->told = true;
	/* A partial last chunk of the device never counts: it is not whole. */
	end = round_down(sector + count, chunk) >> map->chunk_shift;
	if (end > first)
		bitmap_set(map->free, first, end - first);
	return 0;
}

void free_map_written(struct free_map *map, sector_t sector, sector_t count)
{
	unsigned long nr = sector >> map->chunk_shift;
	unsigned long last = (sector + count - 1) >> map->chunk_shift;

	for (; nr <= last && nr < map->nr_chunks; nr++) {
		if (!test_bit(nr, map->written))
			set_bit(nr, map->written);
	}
}

void free_map_settle(struct free_map *map)
{
	bitmap_andnot(map->free, map->free, map->written, map->nr_chunks);
}

/* @mark for each run of set bits of @bits, in @map's chunks. */
static void mark_runs(const struct free_map *map, const unsigned long *bits,
		      void (*mark)(void *arg, sector_t sector, sector_t count),
		      void *arg)
{
	unsigned long start = 0, end;
	sector_t first, last;

	for (;;) {
		start = find_next_bit(bits, map->nr_chunks, start);
		if (start >= map->nr_chunks)
			return;
		end = find_next_zero_bit(bits, map->nr_chunks, start);
		first = (sector_t)start << map->chunk_shift;
		last = min_t(sector_t, (sector_t)end << map->chunk_shift,
			     map->capacity);
		mark(arg, first, last - first);
		start = end;
	}
}

void free_map_flips(struct free_map *now, const struct free_map *before,
		    void (*mark)(void *arg, sector_t sector, sector_t count),
		    void *arg)
{
	if (before && (!now || before->chunk_shift != now->chunk_shift ||
		       before->nr_chunks != now->nr_chunks)) {
		mark_runs(before, before->free, mark, arg);
		before = NULL;
	}
	if (!now)
		return;
	if (!before) {
		mark_runs(now, now->free, mark, arg);
		return;
	}
	bitmap_xor(now->written, now->free, before->free, now->nr_chunks);
	mark_runs(now, now->written, mark, arg);
}
