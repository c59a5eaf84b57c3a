/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The blksnap area of a block-device DEST: where its restore points live
 * when there is no directory beside DEST to hold them.  The first bytes
 * of the device stay a plain, mountable copy of the source; the bytes
 * past the source's size (rounded up to 1 MiB) hold, in this order:
 *
 *   two checksum slots     each a checksum file (block_sums.h) of an image
 *                          as large as the room below the area; the latest
 *                          point's is in one, the next run's commit writes
 *                          the other
 *   the undo region        undo logs (undo_log.h), one per run, as a ring in
 *                          run order: a run's log goes after the newest, or
 *                          back at the region's start when the rest is too
 *                          short for it; a log that grows onto the oldest
 *                          drops that oldest point first
 *   two header copies      4 KiB each, the last 8 KiB of the device (its
 *                          size rounded down to 4 KiB): a write goes to the
 *                          copy of the new sequence number's parity, so a
 *                          torn one leaves the other, older one to read
 *
 * Header (version 1, little-endian, 4096 bytes):
 *
 *     0  "BLKSNARE"           magic
 *     8  u32 version          1
 *    12  u32 chunk_size       of the undo logs and checksums
 *    16  u8[16] uuid          the area's own (libuuid), for DEST identity
 *    32  u64 seq              +1 per header write; the higher good copy wins
 *    40  u64 dev_size         the device's size when the area was made
 *    48  u64 area_start       the image takes the bytes below it
 *    56  u64 sums_off[2]      the checksum slots
 *    72  u64 sums_room        bytes of a slot
 *    80  u32 sums_cur         the slot of the latest point; 2 for none yet
 *    84  u32 nlogs            undo logs listed below, oldest first
 *    88  u64 sums_len         bytes of the current slot's checksum file
 *    96  u64 log_start        the undo region, [log_start, log_end)
 *   104  u64 log_end
 *   112  16 bytes of 0        reserved
 *   128  nlogs x 32 bytes     s64 take_time, u64 offset, u64 length (0: a
 *                             run under way or interrupted: its log is
 *                             read up to its first bad record), u64 0
 *  4088  u64 XXH3-64 of bytes 0..4087
 *
 * Which log is committed is told as for undo files: a log newer than the
 * latest point's checksums is an interrupted run's.  This file is only
 * the format and the placement arithmetic; bdev_points.c does the I/O.
 */
#ifndef BLKSNAP_CLI_BDEV_AREA_H
#define BLKSNAP_CLI_BDEV_AREA_H

#include <stddef.h>
#include <stdint.h>

#define BDEV_AREA_VERSION	1
#define BDEV_AREA_HEADER	4096
#define BDEV_AREA_LOGS_MAX	120
#define BDEV_AREA_ALIGN		(1ULL << 20)
/* The undo region's least size: a few incrementals' worth of a quiet day. */
#define BDEV_AREA_MIN_LOG	(4ULL << 20)
#define BDEV_AREA_NO_SUMS	2U

struct bdev_area_log {
	int64_t time;		/* the run's take time */
	uint64_t offset;	/* of the log on the device */
	uint64_t length;	/* bytes; 0 while the run is not committed */
};

struct bdev_area {
	uint32_t chunk_size;
	uint8_t uuid[16];
	uint64_t seq;
	uint64_t dev_size;
	uint64_t area_start;
	uint64_t sums_off[2];
	uint64_t sums_room;
	uint32_t sums_cur;	/* 0, 1, or BDEV_AREA_NO_SUMS */
	uint64_t sums_len;
	uint64_t log_start, log_end;
	uint32_t nlogs;
	struct bdev_area_log log[BDEV_AREA_LOGS_MAX];
};

/* Where header copy @copy (0 or 1) of a device of @dev_size bytes is. */
uint64_t bdev_area_header_at(uint64_t dev_size, unsigned int copy);

/*
 * Lay out a new area (seq 0, no logs, no checksums, uuid left 0) for an
 * image of @image_size on a device of @dev_size.  0, or -ENOSPC if the
 * device has no room for it past the image.
 */
int bdev_area_layout(uint64_t dev_size, uint64_t image_size,
		     uint32_t chunk_size, struct bdev_area *a);

/* The least device size that holds an image of @image_size and an area. */
uint64_t bdev_area_min_dev_size(uint64_t image_size, uint32_t chunk_size);

void bdev_area_encode(const struct bdev_area *a, unsigned char b[BDEV_AREA_HEADER]);

/*
 * Decode one header copy of a device of @dev_size.  0; -ENOENT if it is
 * not a header at all (no magic); -EBADMSG if torn, damaged, of another
 * version or out of range, with @why.
 */
int bdev_area_decode(const unsigned char b[BDEV_AREA_HEADER], uint64_t dev_size,
		     struct bdev_area *a, char *why, size_t whysize);

/*
 * The area from its two header copies: the good one of the higher seq.
 * 0; -ENOENT if neither is a header; -EBADMSG if neither is good, @why
 * saying why.
 */
int bdev_area_pick(const unsigned char b0[BDEV_AREA_HEADER],
		   const unsigned char b1[BDEV_AREA_HEADER], uint64_t dev_size,
		   struct bdev_area *a, char *why, size_t whysize);

/*
 * Where a new log of at most @bound bytes goes: *@start, and *@limit, the
 * bytes it may take before it reaches the next (oldest) log or the end.
 */
void bdev_area_place(const struct bdev_area *a, uint64_t bound,
		     uint64_t *start, uint64_t *limit);

/* Bytes from @start to the next log at or after it, or to log_end. */
uint64_t bdev_area_room_from(const struct bdev_area *a, uint64_t start);

/* Remove log @i from the list (retention, roll-back). */
void bdev_area_remove(struct bdev_area *a, uint32_t i);

#endif /* BLKSNAP_CLI_BDEV_AREA_H */
