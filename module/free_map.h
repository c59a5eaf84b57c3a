/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which chunks of a device of the snapshot were free space of its
 * filesystem at the take.  No file had anything there, so the image reads
 * them as zeros and writes to them need no copy; on the device that holds
 * the difference storage, a growth of the storage may take them over
 * without losing anything the image must show.
 *
 * The kernel cannot ask the filesystem at the take (nothing in the take
 * may run its code), so userspace reads the free space with
 * FS_IOC_GETFSMAP after the device joined the snapshot and hands the
 * ranges over (BLKFILTER_CTL_BLKSNAP_SNAPSHOTFREE).  Every write the
 * device sees from the join to the take marks its chunks written: a block
 * free when userspace looked but written before the take may hold data
 * the image needs.  The take's freeze writes back every allocation the
 * filesystem made meanwhile, so what is left is free at the take.
 *
 * Two bitmaps of one bit per chunk (at most chunk_maximum_count bits
 * each, allocated at the join).  Chunks are those the device's diff area
 * will use; a map whose chunk size no longer matches at the take is not
 * used.
 */
#ifndef __BLKSNAP_FREE_MAP_H
#define __BLKSNAP_FREE_MAP_H

#include <linux/types.h>

struct free_map {
	sector_t capacity;
	unsigned int chunk_shift;
	unsigned long nr_chunks;
	/* Set by free_map_add(), under the caller's lock. */
	unsigned long *free;
	/* free_map_add() was called: userspace told the free space. */
	bool told;
	/* Set with atomic bit operations from the I/O path. */
	unsigned long *written;
};

/* Process context; NULL without memory. */
struct free_map *free_map_create(sector_t capacity, unsigned int chunk_shift);
void free_map_destroy(struct free_map *map);

/*
 * Userspace says [@sector, @sector + @count) is free space now: marks the
 * chunks wholly inside.  -ERANGE beyond the device.  Serialized by the
 * caller; never concurrent with free_map_settle().
 */
int free_map_add(struct free_map *map, sector_t sector, sector_t count);

/* The device wrote there; any context, lockless. */
void free_map_written(struct free_map *map, sector_t sector, sector_t count);

/*
 * At the take, with the device's writes held and drained: a chunk is free
 * at the take only if nothing wrote to it since the join.
 */
void free_map_settle(struct free_map *map);

/*
 * At a take of the device (writes held, before its change map switches):
 * the chunks whose image turns from zeros to their contents or back
 * since the last take, which no write may have marked.  @now: this take's
 * settled map, or NULL (the image shows the device as it is); @before:
 * the last take's, or NULL.  A freed file's blocks read zeros now but
 * their data in the last image; an allocated, never written block the
 * other way round.  @mark(@arg, sector, count) is called for each run of
 * such chunks, so that an incremental backup copies them; with no
 * @before, for every chunk free now (the last image showed them as they
 * were).  Uses @now's written bitmap as scratch.  No allocation of its
 * own; @mark may (a change map renewed).
 */
void free_map_flips(struct free_map *now, const struct free_map *before,
		    void (*mark)(void *arg, sector_t sector, sector_t count),
		    void *arg);

#endif /* __BLKSNAP_FREE_MAP_H */
