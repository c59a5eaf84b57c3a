/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Restore points of a backup image, kept crash-safe on the backup medium
 * alone (no state directory, no source machine).
 *
 * DEST stays a plain, loop-mountable image of the latest point.  Beside
 * it, "DEST.blksnap/" (mode 0700) holds:
 *
 *   sums                 the checksums of DEST's chunks at the latest point,
 *                        with its take time and size (block_sums.h)
 *   undo-<TIME>          one per run, TIME its take in the file name form
 *                        of take_time.h: the old contents of every chunk
 *                        the run overwrote (undo_log.h), which turn the
 *                        run's image back into the point before it
 *   lock                 flock()ed by a run (exclusive) and by readers
 *
 * A run: rp_begin() creates its undo file and fsyncs it and the
 * directory; rp_write() appends the old contents of each chunk it is
 * about to overwrite for the first time, fsyncs the undo file, and only
 * then writes DEST; rp_commit() fsyncs DEST, ends the undo file, and
 * renames a new sums file into place.  That rename is the commit: until
 * it, the newest point is the previous one, and an undo file newer than
 * "sums" is an interrupted run, which rp_recover() rolls back with the
 * undo file alone (every record it holds was on disk before its chunk
 * was touched; a torn last record was never acted on).
 *
 * So point k-1 is DEST with the undo files of runs N, N-1, ... k applied
 * in turn, and retention is deleting the oldest undo files.  The undo file
 * of a first run (no point before it) is deleted at its commit.  Every
 * data file is created mode 0600, whatever the umask.
 *
 * A block-device DEST has no directory beside it: its points live in the
 * device's own blksnap area, past the image (bdev_area.h): the checksum
 * file in one of two slots, the undo files as logs in a ring, and a
 * header whose write is the commit where a file DEST renames.  The
 * functions below take either DEST; a device is locked by flock() on the
 * device itself, and opened O_EXCL (refused while mounted) by a run.
 *
 * Not thread-safe; one run per DEST at a time (the lock refuses a second
 * with -EBUSY).  Functions return 0 or -errno.
 */
#ifndef BLKSNAP_CLI_RESTORE_POINT_H
#define BLKSNAP_CLI_RESTORE_POINT_H

#include <stdbool.h>
#include <stddef.h>
#include <limits.h>
#include <stdint.h>

#define RP_DIR_SUFFIX	".blksnap"
/* CBT's block size: what an incremental run copies at least. */
#define RP_CHUNK_DEFAULT	(64U << 10)
#define RP_MSG_LEN	512

struct rp_run;

/*
 * Start a run that leaves DEST an image of @image_size bytes taken at
 * @take_time (seconds since the epoch, after the latest point's).  DEST
 * is created (0600) if neither it nor a point exists.  @chunk_size is the
 * undo and checksum granularity of a new chain; an existing chain keeps
 * its own.  -EUCLEAN if an interrupted run waits for rp_recover();
 * -EEXIST if @take_time is not after the latest point; -EBADMSG if the
 * checksum file is damaged, or lost while undo files remain, or DEST is
 * not the size it records, with @why; -EBUSY if another run holds the
 * lock.  The undo file is fsynced once per rp_write(): large writes cost
 * fewer fsyncs.
 */
int rp_begin(const char *dest, int64_t take_time, uint64_t image_size,
	     uint32_t chunk_size, struct rp_run **run, char *why, size_t whysize);

/*
 * rp_begin() for a run that will write at most @expect bytes of DEST
 * (whole chunks; UINT64_MAX if unknown): a device's area places the run's
 * undo log where that much fits, or wraps.  -ENOSPC, with @why, if a
 * device has no room for its area past the image.
 */
int rp_begin_sized(const char *dest, int64_t take_time, uint64_t image_size,
		   uint32_t chunk_size, uint64_t expect, struct rp_run **run,
		   char *why, size_t whysize);

/*
 * Write @len bytes of @data at @offset of DEST, saving the old contents
 * of each chunk it touches for the first time first, durably.  After a
 * failure (ENOSPC, EIO) the run can only be aborted.
 */
int rp_write(struct rp_run *run, uint64_t offset, const void *data, size_t len);

/*
 * Append the old contents of the chunks under @len bytes at @offset to
 * the undo file without an fsync: the next rp_write() or rp_zero() makes
 * them durable before it touches DEST.  So a caller that saves a batch of
 * ranges first pays one undo fsync for the whole batch, not one per range.
 */
int rp_save(struct rp_run *run, uint64_t offset, uint64_t len);

/*
 * rp_save() for the @len bytes of @data about to be written at @offset,
 * and with @compare, a chunk that @data holds whole and DEST holds
 * already, byte for byte (read and compared; untouched by this run), is
 * not saved: rp_write() and rp_zero() then leave it as it is.  So a full
 * copy after change tracking was lost writes, and saves, only what
 * changed, for a read of DEST.
 */
int rp_save_data(struct rp_run *run, uint64_t offset, const void *data,
		 size_t len, bool compare);

/* Bytes rp_save_data() found unchanged; bytes of data written to DEST. */
uint64_t rp_unchanged_bytes(const struct rp_run *run);
uint64_t rp_written_bytes(const struct rp_run *run);

/*
 * Make @len bytes at @offset of DEST read as zeros, saving the old
 * contents first as rp_write() does: a hole (FALLOC_FL_PUNCH_HOLE) where
 * DEST's filesystem makes one, written zeros where it does not.
 */
int rp_zero(struct rp_run *run, uint64_t offset, uint64_t len);

/* Bytes of old contents this run saved so far. */
uint64_t rp_saved_bytes(const struct rp_run *run);

/*
 * Bytes of DEST this run overwrote that did not match the latest point's
 * checksums (damaged on the medium, or written behind the chain's back):
 * now rewritten, but the point before this run holds them damaged; the
 * commit records them in the undo file (restore and verify say so).
 */
uint64_t rp_lost_bytes(const struct rp_run *run);

/*
 * Make the run the latest point; frees @run whatever the outcome.  On
 * failure DEST is left for rp_recover() to roll back.
 */
int rp_commit(struct rp_run *run);

/*
 * Stop the run where it is, as a kill would: DEST and the undo file stay
 * for rp_recover() (a run interrupted by a signal exits at once, however
 * much it wrote); frees @run.
 */
void rp_leave(struct rp_run *run);

/* Roll the run back now (DEST as before rp_begin()); frees @run. */
int rp_abort(struct rp_run *run);

/*
 * DEST.blksnap's path in @dir; with @make, the directory is made (0700),
 * its name durably, if it is not there.  -ENOTDIR for a device DEST.  For the other files a run keeps
 * beside the points (snapshot_record.h).
 */
int rp_dir(const char *dest, bool make, char dir[PATH_MAX]);

/* One restore point. */
struct rp_point {
	int64_t time;		/* take time, seconds since the epoch */
	uint64_t image_size;	/* bytes of the image it restores */
	/*
	 * Bytes it takes on the backup medium: DEST's allocated blocks and
	 * the checksum file for the latest, its undo file for each other.
	 */
	uint64_t disk_bytes;
	bool latest;		/* DEST itself */
	/*
	 * Restorable: for the latest, the checksum file is good and DEST of
	 * its size; for another, its undo file and every newer one are
	 * whole and chained.  An interrupted run is listed as not complete.
	 */
	bool complete;
	char why[512];		/* when not complete, why */
};

/*
 * The points of DEST, oldest first, in a new array *@points to free().
 * Reads only.  -ENOENT if DEST has none.
 */
int rp_list(const char *dest, struct rp_point **points, size_t *n);

/*
 * Write the image of the point taken at @at (0: the latest complete) to
 * @out_fd (a file, truncated to the image's size, or a device at least
 * that size), then fsync it.  Reads only the backup medium: an
 * interrupted run is undone in @out_fd, not in DEST.  Every chunk read
 * from DEST is checked against the checksum file and every undo record
 * against its own hash.  -ENOENT if there is no such point; -EBADMSG if
 * something needed is damaged, with @why naming it.
 */
int rp_materialise(const char *dest, int64_t at, int out_fd,
		   char *why, size_t whysize);

/* One damaged place rp_verify() found. */
struct rp_damage {
	const char *file;	/* DEST, the checksum file or an undo file */
	bool in_image;		/* @offset and @length are bytes of DEST */
	uint64_t offset, length;
	const char *why;
};

typedef void (*rp_damage_fn)(void *arg, const struct rp_damage *d);

/* A point rp_verify() checked, and whether it can be restored whole. */
struct rp_checked {
	int64_t time;
	bool ok;
};

struct rp_verify_result {
	uint64_t bytes_read;	/* of DEST and the undo files */
	size_t npoints;
	struct rp_checked *points;	/* newest first; free() it */
};

/*
 * Check all that restoring the point taken at @at (0: every point kept)
 * reads: every chunk of DEST against the checksum file, and every record
 * of each undo file down to that point against its own hash.  Each
 * damaged place goes to @fn, damaged chunks of DEST next to each other as
 * one range.  Reads only; the records of an interrupted run stand for the
 * chunks they hold, as in rp_materialise().  0 if nothing is damaged;
 * -EBADMSG if something is (each place said through @fn); -ENOENT if
 * there is no such point, with @why; another -errno if reading fails.
 */
int rp_verify(const char *dest, int64_t at, rp_damage_fn fn, void *arg,
	      struct rp_verify_result *res, char *why, size_t whysize);

/*
 * Finish what an interrupted run left: roll back its writes to DEST from
 * its undo file and remove it, and remove leftovers (a torn new undo
 * file, a temporary checksum file, the undo file of a committed first
 * run).  Returns 1 with @msg saying in one line what was done, 0 with
 * @msg empty if nothing was to do, or -errno (what it did stays done;
 * the next call goes on).
 */
int rp_recover(const char *dest, char *msg, size_t msgsize);

/*
 * Keep the latest @keep points (at least 1): remove the undo files of the
 * older ones, oldest first.  *@removed says how many went and, unless
 * @points is NULL, *@points how many points remain, the latest included
 * (0 without a checksum file).
 */
int rp_retain(const char *dest, unsigned int keep, unsigned int *removed,
	      unsigned int *points);

/*
 * Whether DEST holds restore points (a directory beside it, or a
 * device's blksnap area; a device locked by another run counts).
 */
bool rp_exists(const char *dest);

/*
 * The UUID of a block-device DEST's blksnap area in @out (36 characters
 * and a NUL), "" if it has none or is not a device.
 */
void rp_area_uuid(const char *dest, char out[37]);

/*
 * The take time of DEST's latest point, read from its checksum file
 * without the lock (a run waits for a later second than it).  -ENOENT if
 * there is none; -EBADMSG if the file is damaged.
 */
int rp_latest_time(const char *dest, int64_t *t);

#endif /* BLKSNAP_CLI_RESTORE_POINT_H */
