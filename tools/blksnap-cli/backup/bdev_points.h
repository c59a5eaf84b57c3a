/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The restore points of a block-device DEST, kept in its blksnap area
 * (bdev_area.h) instead of a directory beside DEST: the device opened and
 * locked, its area's checksum slots and undo logs as restore_point.c
 * reads and writes them.  restore_point.c alone uses this.
 *
 * Functions return 0 or -errno.
 */
#ifndef BLKSNAP_CLI_BDEV_POINTS_H
#define BLKSNAP_CLI_BDEV_POINTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "bdev_area.h"
#include "block_sums.h"
#include "undo_log.h"

struct bdev_points;

/*
 * Open block device @path and lock it: with @write, O_RDWR | O_EXCL (a
 * mounted device is refused, -EBUSY) and flock(LOCK_EX); else read-only
 * and flock(LOCK_SH).  Another holder gives -EBUSY.  A device without an
 * area opens with none; -EBADMSG if its area is damaged, with @why.
 */
int bdev_points_open(const char *path, bool write, struct bdev_points **bp,
		     char *why, size_t whysize);

void bdev_points_close(struct bdev_points *bp);

/* The device's fd (the image's bytes and the area's). */
int bdev_points_fd(const struct bdev_points *bp);

/* The area, or NULL if the device has none yet. */
const struct bdev_area *bdev_points_area(const struct bdev_points *bp);

/* The latest point's checksums; -ENOENT if there is none. */
int bdev_points_sums_read(struct bdev_points *bp, struct block_sums *s,
			  char *why, size_t whysize);

/*
 * Where the log of the run taken at @time lies: @base and @size (to the
 * next log or the region's end while the run is not committed).
 */
int bdev_points_log(const struct bdev_points *bp, int64_t time,
		    uint64_t *base, uint64_t *size);

/*
 * Start the undo log of a run taken at @h->take_time that leaves an
 * image of @h->new_size, at most about @bound bytes (UINT64_MAX unknown):
 * the area is made if there is none (a new UUID), the log placed and
 * listed.  @w's room callback drops the oldest point when the log grows
 * onto it.  -ENOSPC with @why if the device has no room.
 */
int bdev_points_begin(struct bdev_points *bp, const struct undo_header *h,
		      uint64_t bound, struct undo_writer *w,
		      char *why, size_t whysize);

/*
 * The commit: @s written into the free checksum slot, then one header
 * write makes it the latest point and records the length of the log @w
 * wrote.
 */
int bdev_points_commit(struct bdev_points *bp, const struct block_sums *s,
		       const struct undo_writer *w);

/* Drop the log of the run taken at @time from the list (one header write). */
int bdev_points_remove(struct bdev_points *bp, int64_t time);

/* Bytes of the device the image may take: below the area, or all of it. */
uint64_t bdev_points_room(const struct bdev_points *bp);

/* The device's size in bytes. */
uint64_t bdev_points_dev_size(const struct bdev_points *bp);

#endif /* BLKSNAP_CLI_BDEV_POINTS_H */
