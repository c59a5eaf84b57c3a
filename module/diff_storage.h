/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The difference storage of a snapshot: where the original contents of
 * overwritten chunks are kept.  A regular file (grown with fallocate in
 * steps of diff_storage_minimum, up to the limit), an anonymous O_TMPFILE
 * in a directory (gone when the snapshot is), or a whole block device (up
 * to the limit too).  All three are used through one struct file, with
 * the VFS's read and write, direct I/O where the filesystem allows it
 * (tmpfs does not): every function here runs filesystem code, so
 * only from process context that holds no filesystem state of its own
 * (diff_area.c's workers and the image's), never from an intercepted bio.
 *
 * A directory storage on the filesystem of one of the snapshot's own
 * devices is different: its anonymous file is preallocated, mapped and
 * pinned when that device joins the snapshot (storage_map.h), and chunks
 * go to the file's sectors with bios of our own, which that device's
 * tracker lets pass uncopied and unmarked.  No filesystem code runs on
 * its I/O path at all.  The first file holds one growth step (or the
 * limit, if less); after the take, when the room left falls under half a
 * step (and at least twice the chunk memory bound), a worker of ours
 * (process context, never the I/O path) makes another anonymous file in
 * the same directory, maps and pins one more step, and adds its runs, up
 * to the limit.  The snapshot's grown() callback says which of the new
 * runs may take copies, before any chunk goes there.
 *
 * One storage belongs to one snapshot: a file or device in use by a live
 * snapshot is refused to another (-EBUSY), so neither truncates or
 * overwrites the other's chunks.
 *
 * Space is handed out front to back and never reused: a snapshot lives
 * until it is destroyed.  alloc may sleep (it grows the file).
 */
#ifndef __BLKSNAP_DIFF_STORAGE_H
#define __BLKSNAP_DIFF_STORAGE_H

#include <linux/types.h>
#include <linux/fs.h>
#include <linux/mutex.h>
#include <linux/path.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/kref.h>
#include "storage_map.h"

struct bio;

struct diff_storage {
	struct file *file;
	/* In storages_in_use, under its lock. */
	struct list_head in_use_link;
	/*
	 * The device the storage lives on and its whole disk (0 for a
	 * filesystem without one), to refuse storing on an origin.
	 */
	dev_t dev;
	dev_t whole_dev;
	bool growable;
	/*
	 * Opened O_DIRECT (the filesystem or device allows it): chunks go to
	 * the disk without a copy in the page cache, which reclaim and the
	 * origin's own writeback would otherwise compete for.
	 */
	bool direct;
	/*
	 * In sectors: what offsets and lengths of direct I/O to the storage
	 * must be multiples of (its device's logical block size; 1 through
	 * the page cache).  Allocations are rounded up to it; image I/O
	 * that is not aligned goes through a bounce buffer.
	 */
	unsigned int align;
	/* Serializes image writes when @align is above a sector. */
	struct mutex rmw_lock;
	/*
	 * In sectors; protected by lock (and read without it, with
	 * READ_ONCE(), by diff_storage_usage()).  On the snapshotted
	 * filesystem: what the storage may still reach.
	 */
	sector_t limit;
	/* What the snapshot asked for, for a mapping that failed. */
	sector_t requested_limit;
	sector_t capacity;
	sector_t used;
	/* Serializes allocation and growth. */
	struct mutex lock;
	/* Set once a low-space event was sent for the current capacity. */
	bool low_space_reported;
	/* An O_TMPFILE in a directory: no one else can open it. */
	bool anonymous;
	/*
	 * On the snapshotted filesystem: its device, and the file's blocks
	 * there, whole chunks only from the take on; NULL through the VFS.
	 * Chunks are handed out front to back in @runs: @run and @run_used,
	 * under @lock, say how far.
	 */
	struct block_device *bdev;
	struct storage_extent *runs;
	unsigned int nr_runs;
	unsigned int run;
	sector_t run_used;
	bool zero_at_close;
	/*
	 * Growth on the snapshotted filesystem.  @dir: where @file was made
	 * (held from open, anonymous storages only).  @files: the files made
	 * by growth, each pinned, @nr_files of them (room for
	 * STORAGE_FILES_MAX from the map on); added by the growth worker and
	 * dropped by unmap, under @lock.  @mapped: sectors pinned in all files,
	 * before trimming to chunks (never more than @requested_limit).
	 * @chunk_shift: the chunks runs are trimmed to, from the take on.
	 * @grown and @grown_arg: set at the take, called by the growth worker
	 * with the new runs; it says which of them may be handed out.  @growing (a growth
	 * queued or running), @grow_failed, @grow_stopped and @mapped: under
	 * @lock.  Alloc waits in @grow_wait for a growth in flight.
	 */
	struct path dir;
	struct file **files;
	unsigned int nr_files;
	sector_t mapped;
	unsigned int chunk_shift;
	unsigned int (*grown)(void *arg, const struct storage_extent *runs,
			      unsigned int nr, struct storage_extent *kept,
			      unsigned int max);
	void *grown_arg;
	struct work_struct grow_work;
	wait_queue_head_t grow_wait;
	bool growing;
	bool grow_failed;
	bool grow_stopped;
	/* The last growth found the filesystem frozen; retry from jiffies. */
	bool grow_frozen;
	unsigned long grow_retry;
	/*
	 * The growth worker's claim (the grown() callback) is under way:
	 * stop waits for it, and for nothing else of the worker's.
	 */
	bool claiming;
	/* The snapshot's and a queued or running growth worker's. */
	struct kref ref;
};

int diff_storage_init(void);
void diff_storage_done(void);

/*
 * Whether a live snapshot's storage other than @except lives on @bdev, on
 * its whole disk, or on a partition of it (if @bdev is a whole disk).
 */
bool diff_storage_on_bdev(struct block_device *bdev, struct diff_storage *except);

int diff_storage_open(const char *path, unsigned int kind, sector_t limit,
		      struct diff_storage **pds);

/*
 * @bdev joins the snapshot and holds the storage's filesystem: maps and
 * pins one growth step there (the limit, if less).  0, or -ELOOP if the storage is not an
 * anonymous file on @bdev itself, or storage_map_pin()'s error.  Before
 * the take; may sleep on the filesystem.
 */
int diff_storage_map_on(struct diff_storage *ds, struct block_device *bdev);

/*
 * Writes zeros over each 64 KiB of the mapped storage that holds anything
 * else now, after calling @found for it (a run of sectors of the device):
 * the image will show zeros there, so such blocks must count as changed
 * up to the take.  Reads the whole storage once; process context, before
 * the take.
 */
int diff_storage_zero_data(struct diff_storage *ds,
			   void (*found)(void *arg, sector_t sector,
					 sector_t count),
			   void *arg);

/*
 * At take, before the first chunk is stored: keeps of the mapped runs only
 * the whole chunks of 2^@chunk_shift sectors, and says which they are
 * (*@runs, the count returned; 0 for a storage used through the VFS).
 */
unsigned int diff_storage_chunk_runs(struct diff_storage *ds,
				     unsigned int chunk_shift,
				     const struct storage_extent **runs);

/*
 * An image now shows the storage's chunks on its own device as zeros:
 * destroy writes zeros there, so that the device says the same after.
 * From now on the storage may grow there: the growth worker (process
 * context, no lock of ours held; it may sleep and read the device) calls
 * @grown(@arg, runs, nr, kept, max) with the new file's runs, whole
 * chunks, before any of them is handed out; it puts in @kept (room for
 * @max) the runs that may take copies and returns their count.  Not
 * called after diff_storage_stop_growth().
 */
void diff_storage_taken(struct diff_storage *ds,
			unsigned int (*grown)(void *arg,
					      const struct storage_extent *runs,
					      unsigned int nr,
					      struct storage_extent *kept,
					      unsigned int max),
			void *arg);

/*
 * Whether a growth of the storage on the snapshotted filesystem is queued
 * or running.  A hint for the write path: any context, no lock.
 */
static inline bool diff_storage_growing(struct diff_storage *ds)
{
	return READ_ONCE(ds->growing);
}

/*
 * No growth starts or adds runs any more; waits for a claim under way,
 * not for a worker's filesystem work (which waits for a thaw: the worker
 * then drops its file and its own reference on the storage).  An
 * allocation that waits for space gets -ENOSPC.  Process context;
 * idempotent.
 */
void diff_storage_stop_growth(struct diff_storage *ds);

/*
 * Whether @bio is a storage write to @bdev that its tracker must let pass
 * uncopied and unmarked.  Any context.
 */
bool diff_storage_own_bio(struct bio *bio, struct block_device *bdev);
void diff_storage_close(struct diff_storage *ds);
/*
 * After the last copy: writes zeros where copies went, unpins the file.
 * Process context; idempotent; diff_storage_close() does it too.
 */
void diff_storage_unmap(struct diff_storage *ds);

/*
 * Reserves @count sectors; 0 and *@offset, or -ENOSPC at the limit.
 * *@low_space is set when the room left fell under half a growth step
 * and the caller should tell userspace.  Sleeps: it grows a file storage
 * itself, and on the snapshotted filesystem it may wait (bounded) for a
 * growth in flight; so only from our copy and image workers, never from
 * the write path.
 */
int diff_storage_alloc(struct diff_storage *ds, sector_t count,
		       sector_t *offset, bool *low_space);

/* Sectors reserved so far and the most that may be, for userspace (sysfs). */
void diff_storage_usage(struct diff_storage *ds, sector_t *used,
			sector_t *limit);

/* Writes @buf at @offset and waits for its writeback. */
int diff_storage_write(struct diff_storage *ds, sector_t offset,
		       const void *buf, size_t len);
/*
 * Writes @len bytes from @pages (whole pages but for the last) at @offset,
 * without waiting for writeback; diff_storage_writeback() waits for it.
 */
int diff_storage_write_pages(struct diff_storage *ds, sector_t offset,
			     struct page **pages, unsigned int len);
int diff_storage_writeback(struct diff_storage *ds, sector_t offset,
			   sector_t count);
int diff_storage_read(struct diff_storage *ds, sector_t offset, void *buf,
		      size_t len);

#endif /* __BLKSNAP_DIFF_STORAGE_H */
