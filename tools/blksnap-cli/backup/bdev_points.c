// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A block-device DEST's restore points in its blksnap area: the device,
 * its lock, and the header writes that list undo logs and commit
 * checksums.  The formats are bdev_area.c's, undo_log.c's, block_sums.c's.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uuid/uuid.h>
#include "bdev_points.h"
#include "common/bdev_open.h"
#include "common/io_full.h"

struct bdev_points {
	int fd;
	bool have;		/* the device has an area */
	uint64_t dev_size;
	struct bdev_area a;	/* the latest good header, when @have */
};

int bdev_points_open(const char *path, bool write, struct bdev_points **out,
		     char *why, size_t whysize)
{
	unsigned char *b;
	struct bdev_points *bp;
	struct stat st;
	int err;

	*out = NULL;
	bp = calloc(1, sizeof(*bp));
	b = malloc(2 * BDEV_AREA_HEADER);
	if (!bp || !b) {
		free(bp);
		free(b);
		return -ENOMEM;
	}
	bp->fd = bdev_open_waiting(path, (write ? O_RDWR | O_EXCL : O_RDONLY) |
				   O_CLOEXEC, write ? LOCK_EX : LOCK_SH,
				   BDEV_OPEN_BUSY_MS);
	if (bp->fd < 0) {
		err = bp->fd;
		goto fail;
	}
	if (fstat(bp->fd, &st) || !S_ISBLK(st.st_mode) ||
	    ioctl(bp->fd, BLKGETSIZE64, &bp->dev_size)) {
		err = errno ? -errno : -ENOTBLK;
		goto fail;
	}
	err = bp->dev_size < 2 * BDEV_AREA_HEADER ? -ENOENT :
	      io_pread_full(bp->fd, b, BDEV_AREA_HEADER,
			    bdev_area_header_at(bp->dev_size, 0));
	if (!err)
		err = io_pread_full(bp->fd, b + BDEV_AREA_HEADER, BDEV_AREA_HEADER,
				    bdev_area_header_at(bp->dev_size, 1));
	if (!err)
		err = bdev_area_pick(b, b + BDEV_AREA_HEADER, bp->dev_size, &bp->a,
				     why, whysize);
	if (!err)
		bp->have = true;
	else if (err != -ENOENT)
		goto fail;
	free(b);
	*out = bp;
	return 0;
fail:
	if (bp->fd >= 0)
		close(bp->fd);
	free(bp);
	free(b);
	return err;
}

void bdev_points_close(struct bdev_points *bp)
{
	if (!bp)
		return;
	close(bp->fd);
	free(bp);
}

int bdev_points_fd(const struct bdev_points *bp)
{
	return bp->fd;
}

const struct bdev_area *bdev_points_area(const struct bdev_points *bp)
{
	return bp->have ? &bp->a : NULL;
}

uint64_t bdev_points_dev_size(const struct bdev_points *bp)
{
	return bp->dev_size;
}

uint64_t bdev_points_room(const struct bdev_points *bp)
{
	return bp->have ? bp->a.area_start : bp->dev_size;
}

/* Write the header (the copy of the new seq's parity), durably. */
static int write_header(struct bdev_points *bp)
{
	unsigned char b[BDEV_AREA_HEADER];
	int err;

	bp->a.seq++;
	bdev_area_encode(&bp->a, b);
	err = io_pwrite_full(bp->fd, b, sizeof(b),
			     bdev_area_header_at(bp->dev_size, bp->a.seq % 2));
	if (!err && fsync(bp->fd))
		err = -errno;
	return err;
}

int bdev_points_sums_read(struct bdev_points *bp, struct block_sums *s,
			  char *why, size_t whysize)
{
	memset(s, 0, sizeof(*s));
	if (!bp->have || bp->a.sums_cur == BDEV_AREA_NO_SUMS)
		return -ENOENT;
	return block_sums_read_at(bp->fd, bp->a.sums_off[bp->a.sums_cur],
				  bp->a.sums_len, s, why, whysize);
}

static int find(const struct bdev_points *bp, int64_t time)
{
	uint32_t i;

	for (i = 0; bp->have && i < bp->a.nlogs; i++)
		if (bp->a.log[i].time == time)
			return i;
	return -1;
}

int bdev_points_log(const struct bdev_points *bp, int64_t time,
		    uint64_t *base, uint64_t *size)
{
	int i = find(bp, time);

	if (i < 0)
		return -ENOENT;
	*base = bp->a.log[i].offset;
	*size = bp->a.log[i].length ? bp->a.log[i].length :
		bdev_area_room_from(&bp->a, *base + 1) + 1;
	return 0;
}

int bdev_points_remove(struct bdev_points *bp, int64_t time)
{
	int i = find(bp, time);

	if (i < 0)
		return -ENOENT;
	bdev_area_remove(&bp->a, i);
	return write_header(bp);
}

/*
 * The log being written reached the next one, the oldest: that point
 * goes (durably, before its bytes are overwritten) and the log grows.
 */
static int make_room(void *arg, struct undo_writer *w, uint64_t need)
{
	struct bdev_points *bp = arg;
	uint64_t next = w->base + w->limit;
	int err;

	(void)need;
	if (next >= bp->a.log_end || !bp->a.nlogs || bp->a.log[0].offset != next ||
	    !bp->a.log[0].length)
		return -ENOSPC;
	bdev_area_remove(&bp->a, 0);
	err = write_header(bp);
	if (!err)
		w->limit = bdev_area_room_from(&bp->a, w->base + 1) + 1;
	return err;
}

int bdev_points_begin(struct bdev_points *bp, const struct undo_header *h,
		      uint64_t bound, struct undo_writer *w,
		      char *why, size_t whysize)
{
	uint64_t start, limit;
	int err;

	if (!bp->have) {
		err = bdev_area_layout(bp->dev_size, h->new_size, h->chunk_size,
				       &bp->a);
		if (err) {
			snprintf(why, whysize, "no room for a blksnap area past "
				 "the image (the device needs at least %llu bytes)",
				 (unsigned long long)bdev_area_min_dev_size(
					 h->new_size, h->chunk_size));
			return err;
		}
		uuid_generate(bp->a.uuid);
		bp->have = true;
	}
	if (h->new_size > bp->a.area_start) {
		snprintf(why, whysize, "the image grew to %llu bytes, past the "
			 "blksnap area at byte %llu", (unsigned long long)h->new_size,
			 (unsigned long long)bp->a.area_start);
		return -ENOSPC;
	}
	if (bp->a.nlogs == BDEV_AREA_LOGS_MAX)
		bdev_area_remove(&bp->a, 0);
	bdev_area_place(&bp->a, bound, &start, &limit);
	/* Room for the log's header at least: the oldest points go first. */
	while (limit < UNDO_HEADER_SIZE + UNDO_RECORD_HEAD && bp->a.nlogs &&
	       bp->a.log[0].offset == start + limit) {
		bdev_area_remove(&bp->a, 0);
		limit = bdev_area_room_from(&bp->a, start);
	}
	/* Listed first: a dropped point's bytes are not ours until then. */
	err = write_header(bp);
	if (!err)
		err = undo_create_at(bp->fd, start, limit, h, w);
	if (err)
		return err;
	w->room = make_room;
	w->room_arg = bp;
	bp->a.log[bp->a.nlogs++] = (struct bdev_area_log){
		.time = h->take_time, .offset = start, .length = 0,
	};
	/* The log is listed before the image changes: recovery finds it. */
	return write_header(bp);
}

int bdev_points_commit(struct bdev_points *bp, const struct block_sums *s,
		       const struct undo_writer *w)
{
	uint32_t slot = bp->a.sums_cur == 0 ? 1 : 0;
	int i = find(bp, s->take_time);
	int err;

	if (block_sums_bytes(s->count) > bp->a.sums_room)
		return -ENOSPC;
	err = block_sums_write_at(bp->fd, bp->a.sums_off[slot], s);
	if (err)
		return err;
	bp->a.sums_cur = slot;
	bp->a.sums_len = block_sums_bytes(s->count);
	if (i >= 0)
		bp->a.log[i].length = w->end;
	return write_header(bp);
}
