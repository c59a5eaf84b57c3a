/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The copy-on-write state of one device in a taken snapshot.
 *
 * The device is cut in chunks.  Before a chunk is first overwritten after
 * take(), its original contents are read and stored in the difference
 * storage; chunk_offset[] then says where.  A writer that meets an uncopied
 * chunk copies it itself and only then lets its write go on: the write can
 * never overtake the read of the old data (the reordering described in the
 * seed mail), because it is not submitted until that read has completed.
 *
 * Each chunk has a bit lock (chunk_busy) held while it is copied and while
 * the image reads it from the origin, so an image read of an uncopied chunk
 * and the write that will overwrite it are ordered the same way.
 */
#ifndef __BLKSNAP_DIFF_AREA_H
#define __BLKSNAP_DIFF_AREA_H

#include <linux/blkdev.h>
#include <linux/kref.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

struct diff_storage;
struct event_queue;

struct diff_area {
	struct kref kref;
	/* The origin, pinned by its filter for as long as we live. */
	struct block_device *orig;
	sector_t capacity;
	/* log2 of the chunk size in sectors */
	unsigned int chunk_shift;
	unsigned long nr_chunks;
	/* Storage sector + 1 of each copied chunk, 0 while uncopied. */
	u64 *chunk_offset;
	unsigned long *chunk_busy;
	/* Owned by the snapshot, which outlives its diff areas. */
	struct diff_storage *storage;
	struct event_queue *events;
	/* First error: the snapshot of this device is corrupted. */
	int error;
	/* Writes that arrived with current->bio_list set, copied by a worker. */
	spinlock_t deferred_lock;
	struct bio_list deferred;
	struct work_struct deferred_work;
};

int diff_area_init(void);
void diff_area_done(void);

struct diff_area *diff_area_create(struct block_device *orig,
				   struct diff_storage *storage,
				   struct event_queue *events);
void diff_area_get(struct diff_area *da);
void diff_area_put(struct diff_area *da);
/*
 * Waits until the caller's reference is the only one left: no writer, no
 * deferred bio, no image I/O uses the area any more.  The caller must have
 * made it unreachable first.
 */
void diff_area_drain(struct diff_area *da);

/*
 * I/O path: copies what @bio is about to overwrite.  Returns true if it
 * took the bio (completed it with BLK_STS_AGAIN for REQ_NOWAIT, or deferred
 * it to a worker that resubmits it); false if the bio may go on now.
 */
bool diff_area_cow_bio(struct diff_area *da, struct bio *bio);

/* The image's view: sectors as they were at take(), and writes to them. */
int diff_area_image_read(struct diff_area *da, sector_t sector, void *buf,
			 unsigned int len);
int diff_area_image_write(struct diff_area *da, sector_t sector,
			  const void *buf, unsigned int len);

/*
 * Marks the snapshot of this device corrupted: an event, and EIO on image
 * reads from now on.  The first error is kept.
 */
void diff_area_fail(struct diff_area *da, int err);

static inline int diff_area_error(struct diff_area *da)
{
	return READ_ONCE(da->error);
}

#endif /* __BLKSNAP_DIFF_AREA_H */
