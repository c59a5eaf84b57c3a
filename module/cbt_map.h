/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The change-block tracking map of one device: one byte per tracking block
 * holding the change number of its last write.
 *
 * Two maps: writes mark the write map with the current change number; a
 * switch (snapshot take) copies it into the read map, which userspace
 * reads, and advances the number.  A block written after the switch that
 * reported changes_number N carries N + 1 or more.  The generation id
 * changes whenever that history is broken (new map, resize, wrap-around).
 *
 * Marking runs in the I/O path without locks: cbt_map_mark() must be called
 * under rcu_read_lock(), which is what lets cbt_map_switch() wait for every
 * writer that read the old number before copying the map.  Everything else
 * is serialized by the owner (struct tracker's ctl path).
 */
#ifndef __BLKSNAP_CBT_MAP_H
#define __BLKSNAP_CBT_MAP_H

#include <linux/types.h>
#include <linux/uuid.h>
#include <linux/blk_types.h>

struct cbt_map {
	sector_t device_capacity;
	/* log2 of the tracking block size in sectors */
	unsigned int block_shift;
	unsigned long block_count;
	uuid_t generation_id;
	/* Number writes mark with; read locklessly by cbt_map_mark(). */
	u8 write_number;
	/* changes_number of the read map */
	u8 read_number;
	u8 *write_map;
	u8 *read_map;
};

/* Picks the block size for @capacity from the module parameters. */
int cbt_map_block_shift(sector_t capacity, unsigned int *shift);
struct cbt_map *cbt_map_create(sector_t capacity);
void cbt_map_destroy(struct cbt_map *map);

/* I/O path, under rcu_read_lock(); false if the range is beyond the map. */
bool cbt_map_mark(struct cbt_map *map, sector_t sector, sector_t count);
/* Marks in both maps, so the range shows as changed now and next time. */
int cbt_map_mark_both(struct cbt_map *map, sector_t sector, sector_t count);
/* Freezes the write map into the read map; may sleep (RCU grace period). */
void cbt_map_switch(struct cbt_map *map);

#endif /* __BLKSNAP_CBT_MAP_H */
