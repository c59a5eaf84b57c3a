/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * An undo file: the old contents of every range of a backup image that
 * one run overwrote, saved before the overwrite.  Applied to the image
 * the run left, it gives back the image as it was before the run: a
 * reverse increment.  restore_point.c decides when to write and apply
 * one; this file is only the format.
 *
 * Format (version 1, little-endian, no padding):
 *
 *   header, 128 bytes
 *     0  "BLKSNUND"            magic
 *     8  u32 version           1
 *    12  u32 chunk_size        bytes a record holds at most
 *    16  s64 take_time         the run's take, seconds since the epoch
 *    24  s64 prev_time         the point the file restores, 0 for none
 *    32  u64 old_size          the image's size at prev_time
 *    40  u64 new_size          the image's size at take_time
 *    48  char[32]              take_time in RFC 3339, NUL-padded
 *    80  char[32]              prev_time likewise ("" for none)
 *   112  u64 0                 reserved
 *   120  u64 XXH3-64 of bytes 0..119
 *
 *   records, each a 40-byte head and, for data, its bytes
 *     0  u32 magic             "BSUR"
 *     4  u32 kind              1 data, 2 end, 3 lost
 *     8  u64 offset            data, lost: where in the image; end: data records
 *    16  u64 length            data: bytes that follow, at most chunk_size,
 *                              offset + length at most old_size; lost: bytes
 *                              (no data follows); end: the data records' sum
 *    24  u64 XXH3-64 of the data (end, lost: 0)
 *    32  u64 XXH3-64 of head bytes 0..31, seeded with take_time
 *
 * A lost record says that the old contents saved for those bytes did not
 * match the checksum of the point the file restores: DEST was damaged
 * there before the run overwrote it, so that point (and an older one,
 * unless an older undo file restores those bytes) holds damaged data
 * there.  Lost records go after every data record, just before the end
 * record: a reader that stops at one (an older blksnap) has applied all
 * the data already.
 *
 * Records are only appended.  A crash can leave a torn or missing last
 * record: the head hash and the data hash find it, and the file reads
 * as incomplete from there on.  The end record, appended last, says the
 * run finished writing the image; nothing may follow it.
 */
#ifndef BLKSNAP_CLI_UNDO_LOG_H
#define BLKSNAP_CLI_UNDO_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UNDO_VERSION		1
#define UNDO_HEADER_SIZE	128
#define UNDO_RECORD_HEAD	40
/* No run saves more at once; a larger length is a damaged head. */
#define UNDO_RECORD_MAX		(64U << 20)

struct undo_header {
	uint32_t chunk_size;
	int64_t take_time;
	int64_t prev_time;
	uint64_t old_size;
	uint64_t new_size;
};

struct undo_writer;

/*
 * Called when a record of @need bytes does not fit below @w->limit: raise
 * @w->limit (durably making room) and return 0, or return -ENOSPC.
 */
typedef int (*undo_room_fn)(void *arg, struct undo_writer *w, uint64_t need);

/*
 * An undo log being written: a file of its own (the caller owns its
 * directory entry), or a region of a device from byte @base (the caller
 * owns @fd and the region).
 */
struct undo_writer {
	int fd;
	bool borrowed;		/* @fd is the caller's: undo_close() leaves it */
	uint64_t base;		/* where the log starts in @fd */
	uint64_t limit;		/* bytes the log may take from @base */
	undo_room_fn room;	/* asked when a record passes @limit; may be NULL */
	void *room_arg;
	int64_t seed;		/* take_time */
	uint32_t chunk_size;	/* a record's data at most */
	uint64_t end;		/* where the next record goes, from @base */
	uint64_t records;	/* data records so far */
	uint64_t bytes;		/* their data bytes */
};

/*
 * Create undo file @path (it must not exist; mode 0600 whatever the
 * umask), write @h and fsync it.  The caller fsyncs the directory before
 * the image is written.  0 or -errno; on failure nothing is left.
 */
int undo_create(const char *path, const struct undo_header *h,
		struct undo_writer *w);

/*
 * Start an undo log in @fd (the caller's, left open) at byte @base, at
 * most @limit bytes (@w->room may raise it): write @h there and fsync.
 * 0, -ENOSPC if not even the header fits, or -errno.
 */
int undo_create_at(int fd, uint64_t base, uint64_t limit,
		   const struct undo_header *h, struct undo_writer *w);

/* Append a data record; not durable until undo_sync().  0 or -errno. */
int undo_append(struct undo_writer *w, uint64_t offset, const void *data,
		uint64_t len);

/* Make every record appended so far durable (fsync).  0 or -errno. */
int undo_sync(struct undo_writer *w);

/*
 * Append a lost record for @len bytes at @offset; after the last data
 * record, before undo_finish().  0 or -errno.
 */
int undo_append_lost(struct undo_writer *w, uint64_t offset, uint64_t len);

/* Append the end record and fsync.  0 or -errno. */
int undo_finish(struct undo_writer *w);

/* Close the file; 0 or -errno. */
int undo_close(struct undo_writer *w);

/* What reading an undo file found. */
struct undo_scan {
	struct undo_header h;
	uint64_t records;	/* good data records, in file order */
	uint64_t bytes;		/* their data bytes */
	uint64_t lost;		/* good lost records */
	bool complete;		/* the end record came, counts agree, no more */
	char why[160];		/* what is wrong, when not complete */
};

/* Called for each good data record, in file order; 0 or -errno stops. */
typedef int (*undo_record_fn)(void *arg, uint64_t offset, const void *data,
			      uint64_t len);

/* Called for each good lost record, in file order; 0 or -errno stops. */
typedef int (*undo_lost_fn)(void *arg, uint64_t offset, uint64_t len);

/*
 * Read undo file @fd: its header, then its records up to the first that
 * is torn, truncated or damaged.  With @fn, each record's data is read,
 * checked against its hash and handed to @fn; without, only the heads
 * are read (cheap, but damaged data goes unseen).  Returns 0 with @s
 * filled (@s->complete false and @s->why if the records end early),
 * -EBADMSG if the header is not a good one (@s->why says why), -errno
 * if reading fails, or what @fn returned.
 */
int undo_scan(int fd, struct undo_scan *s, undo_record_fn fn, void *arg);

/* Called for each good data record's place, its data unread. */
typedef int (*undo_head_fn)(void *arg, uint64_t offset, uint64_t len);

/* What undo_scan_visit() hands each record to; NULL for none. */
struct undo_visit {
	undo_record_fn data;	/* data records, read and checked */
	undo_head_fn head;	/* without @data: data records' places only */
	undo_lost_fn lost;	/* lost records */
	void *arg;
};

/* undo_scan() with a callback per kind of record. */
int undo_scan_visit(int fd, struct undo_scan *s, const struct undo_visit *v);

/*
 * undo_scan_visit() of the log in the @size bytes of @fd from @base (a
 * region of a device: the bytes after its end record are not its own, so
 * only a log of exactly @size bytes reads as complete).
 */
int undo_scan_region(int fd, uint64_t base, uint64_t size,
		     struct undo_scan *s, const struct undo_visit *v);

#endif /* BLKSNAP_CLI_UNDO_LOG_H */
