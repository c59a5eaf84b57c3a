/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The copy-on-write state of one device in a taken snapshot.
 *
 * The device is cut in chunks.  Before a chunk is first overwritten after
 * take(), its original contents are read into memory and then stored in the
 * difference storage; chunk_offset[] then says where.  A chunk goes
 *
 *   untouched -> reading -> in memory -> stored
 *
 * The first write to an untouched chunk submits the read of its old data
 * (a bio, asynchronous) and parks; writes that meet a chunk being read park
 * too.  The read's completion hands the chunk to a worker that lets the
 * parked writes go on and queues the chunk for storing.  So a write waits
 * for the read of the old data and never for the storage write, and it is
 * never submitted before that read has completed: it cannot overtake the
 * read (the reordering described in the seed mail).
 *
 * Storing runs in a worker, in clean process context: no filesystem code
 * runs in the context of an intercepted bio, whose submitter may hold a
 * journal handle or filesystem locks, or be reclaim (design invariant 9).
 *
 * Chunks in memory (reading or waiting to be stored) are bounded over all
 * snapshots by chunk_maximum_in_flight, plus one chunk per diff area: each
 * may always have one chunk in memory, so that copying on one device never
 * waits for memory that another snapshot holds (that snapshot's storing
 * may itself be waiting for this device's copies, when its storage sits
 * on something stacked over this device).  At the bound a write's bio
 * waits in a list for a worker; its submitter does not sleep.
 */
#ifndef __BLKSNAP_DIFF_AREA_H
#define __BLKSNAP_DIFF_AREA_H

#include <linux/blkdev.h>
#include <linux/kref.h>
#include <linux/xarray.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

struct diff_storage;
struct event_queue;
struct free_map;
struct storage_extent;

struct diff_area {
	struct kref kref;
	/* The origin, pinned by its filter for as long as we live. */
	struct block_device *orig;
	sector_t capacity;
	/* log2 of the chunk size in sectors */
	unsigned int chunk_shift;
	unsigned long nr_chunks;
	/*
	 * Storage sector + 1 of each stored chunk, 0 before.  Set once, under
	 * the lock of @chunks, before the chunk leaves @chunks.
	 */
	u64 *chunk_offset;
	/*
	 * Chunk number -> struct cow_chunk for the chunks being read or held
	 * in memory.  Its xa_lock also protects each chunk's state and parked
	 * writes, @store_queue and @starved.
	 */
	struct xarray chunks;
	/* Chunks read, waiting for a storing worker. */
	struct list_head store_queue;
	/*
	 * Storing workers: each takes a batch from @store_queue at a time, so
	 * that several batches are written at once.  @next_storer: the one to
	 * kick next, under the xa_lock.
	 */
	struct diff_area_storer {
		struct work_struct work;
		struct diff_area *da;
	} storers[4];
	unsigned int next_storer;
	/* Writes that found no chunk memory; a worker waits for it. */
	struct bio_list starved;
	struct work_struct starved_work;
	/* Chunks of this area in memory: its share of the bound. */
	atomic_t chunks_in_memory;
	/* Freed chunks' pages for this area's next chunks (page_pool_lock). */
	struct list_head page_pool;
	unsigned long page_pool_count;
	/* Image I/O waiting for a chunk to leave the reading state. */
	wait_queue_head_t chunk_wait;
	/* Owned by the snapshot, which outlives its diff areas. */
	struct diff_storage *storage;
	struct event_queue *events;
	/* First error: the snapshot of this device is corrupted. */
	int error;
};

int diff_area_init(void);
void diff_area_done(void);

struct diff_area *diff_area_create(struct block_device *orig,
				   struct diff_storage *storage,
				   struct event_queue *events);
/* The chunk size the area of @bdev will use: log2, in sectors. */
unsigned int diff_area_chunk_shift(struct block_device *bdev);
/*
 * At the take, with writes held, before any is copied: the chunks free at
 * the take in @map (settled) are marked as the storage's own are, never
 * copied and zeros in the image (no file had anything there), and the
 * storage may grow into them; *@marked says how many.  False, and
 * nothing marked, for a map of another chunk size.
 */
bool diff_area_mark_free(struct diff_area *da, const struct free_map *map,
			 unsigned long *marked);
/*
 * Adds to @map's free chunks those of the storage on the device, which
 * the image shows as zeros too: @map then says what the image shows as
 * zeros, for the next take's free_map_flips().  At the take, after
 * diff_area_mark_free().
 */
void diff_area_shown_zeros(struct diff_area *da, struct free_map *map);
void diff_area_get(struct diff_area *da);
void diff_area_put(struct diff_area *da);
/*
 * The snapshot is going: the area copies nothing more and fails no more
 * (its error is -ESHUTDOWN, without an event), and whatever waits for a
 * chunk stops.  Any context but interrupt; diff_area_drain() does it too.
 */
void diff_area_shutdown(struct diff_area *da);
/*
 * Waits until the caller's reference is the only one left: no parked write,
 * no chunk in flight, no image I/O uses the area any more.  The caller must
 * have made it unreachable from the I/O path first.
 */
void diff_area_drain(struct diff_area *da);

/*
 * I/O path, any context a bio is submitted from; never sleeps.  Returns
 * true if it took the bio (completed it with BLK_STS_AGAIN for REQ_NOWAIT,
 * or parked it until the old data of its chunks is read; a worker then
 * resubmits it past the filter); false if the bio may go on now.
 */
bool diff_area_cow_bio(struct diff_area *da, struct bio *bio);

/*
 * The image's view: sectors as they were at take(), and writes to them.
 * Process context; may sleep.
 */
int diff_area_image_read(struct diff_area *da, sector_t sector, void *buf,
			 unsigned int len);
int diff_area_image_write(struct diff_area *da, sector_t sector,
			  const void *buf, unsigned int len);

/*
 * The storage grew over @runs of this device (whole chunks): puts in
 * @claimed (room for @max runs) the chunks that may hold copies from now
 * on and returns how many runs that makes.  Such a chunk is stored
 * already (the image reads its copy; @changed(@arg, sector, count) is
 * called for it: destroy writes zeros there, which the image did not
 * show), or was free space at the take (the image reads zeros there since
 * the take, and destroy leaves zeros: no change).  Any other chunk may
 * hold what a file had at the take and was deleted since; it stays out,
 * untouched, and the image reads it from the device as before.  Before
 * any chunk of @runs is handed out as storage.  Process context; no I/O,
 * no lock of ours but @changed's.
 */
unsigned int diff_area_claim_storage(struct diff_area *da,
				     const struct storage_extent *runs,
				     unsigned int nr,
				     struct storage_extent *claimed,
				     unsigned int max,
				     void (*changed)(void *arg, sector_t sector,
						     sector_t count),
				     void *arg);

/*
 * Marks the snapshot of this device corrupted: an event, and EIO on image
 * reads from now on.  The first error is kept.  Any context.
 */
void diff_area_fail(struct diff_area *da, int err);

static inline int diff_area_error(struct diff_area *da)
{
	return READ_ONCE(da->error);
}

/*
 * Bytes of chunk memory in use now, at most ever, the bound, and the
 * freed chunks' pages the areas keep for their next chunks.
 */
void diff_area_memory(u64 *used, u64 *peak, u64 *limit, u64 *pooled);

#endif /* __BLKSNAP_DIFF_AREA_H */
