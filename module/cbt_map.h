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
 * under rcu_read_lock().  A switch is two halves around one RCU grace
 * period, which the caller waits for (once for every map a take switches):
 * by the end every writer that read the old number has stored it, and the
 * write map is copied whole.  Everything else is serialized by the owner
 * (struct tracker's lock).
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
	/* Between the halves of a switch: the read map is the last one. */
	bool switching;
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
/*
 * A switch: begin advances the number writes mark with; after an RCU grace
 * period, end copies the write map into the read map.  End returns false
 * (and does nothing) on a map no switch began on, such as a map that
 * replaced the one it began on.
 */
void cbt_map_switch_begin(struct cbt_map *map);
bool cbt_map_switch_end(struct cbt_map *map);

#endif /* __BLKSNAP_CBT_MAP_H */
