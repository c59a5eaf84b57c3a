// SPDX-License-Identifier: GPL-2.0
#define pr_fmt(fmt) KBUILD_MODNAME "-cbt_map: " fmt
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/rcupdate.h>
#include <linux/string.h>
#include "params.h"
#include "cbt_map.h"

/* BLKFILTER_CTL_BLKSNAP_CBTINFO reports the block size as __u32 bytes. */
#define CBT_BLOCK_SHIFT_MAX	(31 - SECTOR_SHIFT)

int cbt_map_block_shift(sector_t capacity, unsigned int *shift)
{
	unsigned int s = blksnap_tracking_block_minimum_shift - SECTOR_SHIFT;

	while ((capacity >> s) + 1 > blksnap_tracking_block_maximum_count) {
		if (++s > CBT_BLOCK_SHIFT_MAX)
			return -EFBIG;
	}
	*shift = s;
	return 0;
}

static void reset_numbers(struct cbt_map *map)
{
	uuid_gen(&map->generation_id);
	map->write_number = 1;
	map->read_number = 0;
}

struct cbt_map *cbt_map_create(sector_t capacity)
{
	struct cbt_map *map;
	int ret;

	/*
	 * A device emptied under its filter (a loop device whose file was
	 * let go) has nothing to track; attach refuses it the same way.
	 */
	if (!capacity)
		return ERR_PTR(-ENODEV);
	map = kzalloc(sizeof(*map), GFP_KERNEL);
	if (!map)
		return ERR_PTR(-ENOMEM);
	ret = cbt_map_block_shift(capacity, &map->block_shift);
	if (ret)
		goto err_free_map;
	map->device_capacity = capacity;
	map->block_count = DIV_ROUND_UP_SECTOR_T(capacity,
						 1ULL << map->block_shift);
	/* Bounded by tracking_block_maximum_count (at most 16 MiB each). */
	ret = -ENOMEM;
	map->write_map = vzalloc(map->block_count);
	if (!map->write_map)
		goto err_free_map;
	map->read_map = vzalloc(map->block_count);
	if (!map->read_map)
		goto err_free_write;
	reset_numbers(map);
	return map;

err_free_write:
	vfree(map->write_map);
err_free_map:
	kfree(map);
	return ERR_PTR(ret);
}

void cbt_map_destroy(struct cbt_map *map)
{
	vfree(map->read_map);
	vfree(map->write_map);
	kfree(map);
}

static bool block_range(struct cbt_map *map, sector_t sector, sector_t count,
			unsigned long *first, unsigned long *last)
{
	if (!count || sector >= map->device_capacity ||
	    count > map->device_capacity - sector)
		return false;
	*first = sector >> map->block_shift;
	*last = (sector + count - 1) >> map->block_shift;
	return true;
}

bool cbt_map_mark(struct cbt_map *map, sector_t sector, sector_t count)
{
	unsigned long first, last;

	if (!block_range(map, sector, count, &first, &last))
		return false;
	memset(map->write_map + first, READ_ONCE(map->write_number),
	       last - first + 1);
	return true;
}

int cbt_map_mark_both(struct cbt_map *map, sector_t sector, sector_t count)
{
	unsigned long first, last;

	if (!block_range(map, sector, count, &first, &last))
		return -ERANGE;
	memset(map->write_map + first, map->write_number, last - first + 1);
	memset(map->read_map + first, map->read_number, last - first + 1);
	return 0;
}

void cbt_map_switch_begin(struct cbt_map *map)
{
	if (map->write_number == U8_MAX) {
		/* The numbers would wrap: start a new history instead. */
		memset(map->write_map, 0, map->block_count);
		memset(map->read_map, 0, map->block_count);
		reset_numbers(map);
		pr_info("change numbers exhausted, new generation %pUb\n",
			&map->generation_id);
	}
	/*
	 * The read map and its number stay as they were until the end: a
	 * reader in between sees the last switch whole.
	 */
	map->switching = true;
	WRITE_ONCE(map->write_number, map->write_number + 1);
}

bool cbt_map_switch_end(struct cbt_map *map)
{
	if (!map->switching)
		return false;
	map->switching = false;
	map->read_number = map->write_number - 1;
	memcpy(map->read_map, map->write_map, map->block_count);
	return true;
}
