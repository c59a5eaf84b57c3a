// SPDX-License-Identifier: GPL-2.0
/*
 * Writes through a whole disk's node to sectors of a filtered partition.
 *
 * A filter on a partition must see every write to the partition's
 * sectors, whichever node it was submitted through: a bootloader
 * installer, a partition tool or blkdiscard on the disk write through the
 * whole disk's node.  Such a bio is cut at the partition's boundaries and
 * each piece inside the partition is submitted to the partition, in the
 * partition's sectors, so that its filter copies and tracks it like any
 * other write; the block layer remaps it back to the disk.  Pieces
 * outside every filtered partition stay the whole disk's.
 *
 * The pieces are chained to the bio, which completes when all of them
 * have.  They come from a bio_set with a rescuer: several are allocated
 * in one submission, and the earlier ones wait on current->bio_list.
 * A piece outside every filtered partition is counted by no filter, yet
 * it frees itself into the module's bio_set and runs the module's end_io
 * when it completes: each piece holds a module reference until then, so
 * rmmod is refused while one is in flight (a wait at exit would have no
 * bound: a device may hold a bio for ever).
 *
 * This routing sits between the ftrace interception, which calls
 * filter_bio() for every bio, and the registry (filter.c), which it asks
 * for the filters; native blkfilter does the routing in the kernel.  A bio
 * a filter took over goes on through filter_resubmit_bio(), here too.
 */
#define pr_fmt(fmt) KBUILD_MODNAME "-filter: " fmt
#include <linux/module.h>
#include <linux/bio.h>
#include "compat/atomic.h"
#include "filter.h"
#include "filter_whole_disk.h"

#define PIECES_RESERVED 64

static struct bio_set pieces_bioset;

/* As bio_chain_endio(), and then the piece's module reference goes. */
static void piece_endio(struct bio *piece)
{
	struct bio *bio = piece->bi_private;

	if (piece->bi_status && !bio->bi_status)
		bio->bi_status = piece->bi_status;
	bio_put(piece);
	bio_endio(bio);
	/*
	 * Last.  A task preempted in the rest of this function after it is
	 * waited for at exit by filter_intercept_done()'s RCU-tasks grace
	 * period, an interrupt by module unload's RCU grace period.
	 */
	module_put(THIS_MODULE);
}

/* Cuts off the first @sectors of @bio, or clones all of it; NULL if no memory. */
static struct bio *first_piece(struct bio *bio, unsigned int sectors, gfp_t gfp)
{
	struct bio *piece;

	/* filter_whole_disk_bio() refuses an atomic bio that needs a cut. */
	if (WARN_ON_ONCE(compat_bio_is_atomic(bio) && sectors < bio_sectors(bio)))
		return NULL;
	if (sectors < bio_sectors(bio))
		piece = bio_split(bio, sectors, gfp, &pieces_bioset);
	else
		piece = bio_alloc_clone(bio->bi_bdev, bio, gfp, &pieces_bioset);
	/* bio_split() returned NULL on failure before v6.14, ERR_PTR after. */
	if (IS_ERR_OR_NULL(piece))
		return NULL;
	/* bio_chain(), with our own completion. */
	piece->bi_private = bio;
	piece->bi_end_io = piece_endio;
	/* Nobody would poll a piece: see bio_split_rw(). */
	piece->bi_opf &= ~REQ_POLLED;
	bio_inc_remaining(bio);
	/* The caller holds a filter, and the filter holds the module. */
	__module_get(THIS_MODULE);
	return piece;
}

/* Sends @piece, a part of a whole-disk bio outside filtered partitions. */
static void send_to_disk(struct bio *piece)
{
	if (!filter_device_bio(piece))
		submit_bio_noacct(piece);
	/* Not a tail call: the interception lets only this module's through. */
	barrier();
}

/*
 * Returns true if nothing is left for the whole disk's own filter and
 * queue (the bio was taken over); false with @bio trimmed to what is left.
 */
static bool filter_whole_disk_bio(struct bio *bio)
{
	gfp_t gfp = bio->bi_opf & REQ_NOWAIT ? GFP_NOWAIT : GFP_NOIO;
	struct block_device *part;
	struct filter *flt;
	sector_t start, part_end;
	struct bio *piece;
	bool last;

	/* Only writes change what a partition's filter answers for. */
	if (!op_is_write(bio_op(bio)) || !bio_sectors(bio))
		return false;
	while ((flt = filter_partition_overlapping(bio))) {
		part = flt->bdev;
		start = bio->bi_iter.bi_sector;
		part_end = part->bd_start_sect + bdev_nr_sectors(part);
		if (start < part->bd_start_sect || bio_end_sector(bio) > part_end) {
			/*
			 * Cut at the edge, an atomic write would no longer be
			 * all or nothing: refused whole, with the status the
			 * block layer gives one that needs a split.
			 */
			if (compat_bio_is_atomic(bio)) {
				filter_put(flt);
				compat_bio_refuse_atomic(bio);
				return true;
			}
			/*
			 * As the block layer does: a REQ_NOWAIT bio that would
			 * have to be split is refused whole, before any part of
			 * it is written.
			 */
			if (bio->bi_opf & REQ_NOWAIT) {
				filter_put(flt);
				bio_wouldblock_error(bio);
				return true;
			}
			/* Nobody would poll the pieces: see bio_split_rw(). */
			bio->bi_opf &= ~REQ_POLLED;
		}
		if (start < part->bd_start_sect) {
			piece = first_piece(bio, part->bd_start_sect - start, gfp);
			if (!piece)
				goto no_memory;
			send_to_disk(piece);
			filter_put(flt);
			continue;
		}
		last = bio_end_sector(bio) <= part_end;
		piece = first_piece(bio, last ? bio_sectors(bio) : part_end - start, gfp);
		if (!piece)
			goto no_memory;
		bio_set_dev(piece, part);
		piece->bi_iter.bi_sector -= part->bd_start_sect;
		/*
		 * Through the partition's filter, then its disk's; the filter
		 * holds the partition (and the piece's bdev) until its writes
		 * have completed.
		 */
		filter_resubmit_bio(piece);
		filter_put(flt);
		if (last) {
			/* Its own count; the pieces complete it. */
			bio_endio(bio);
			return true;
		}
	}
	return false;

no_memory:
	filter_put(flt);
	/* Pieces already sent complete with it, carrying the error. */
	if (bio->bi_opf & REQ_NOWAIT)
		bio_wouldblock_error(bio);
	else
		bio_io_error(bio);
	return true;
}

bool filter_bio(struct bio *bio)
{
	struct block_device *bdev = bio->bi_bdev;

	/*
	 * A partition bio that went through submission once (and is back,
	 * e.g. split) has device-relative sectors and was filtered already.
	 */
	if (bio_flagged(bio, BIO_REMAPPED))
		return false;
	/* Its pieces on filtered partitions go there, the rest on to bdev's. */
	if (!bdev_is_partition(bdev) && filter_whole_disk_bio(bio))
		return true;
	if (filter_bdev_bio(bdev, bio))
		return true;
	if (bdev_is_partition(bdev))
		return filter_bdev_bio(bdev_whole(bdev), bio);
	return false;
}

/* The ftrace interception's: filter_native.c has the kernel's. */
void filter_resubmit_bio(struct bio *bio)
{
	/*
	 * Offered to the filters once more, as filtered_submit_bio_noacct()
	 * does: a partition's bio has not met its whole disk's filter yet, and
	 * a take may have started on its device since.  Then a call from this
	 * module, which the handler lets through: not a tail call.
	 */
	if (!filter_bio(bio))
		submit_bio_noacct(bio);
	barrier();
}

int filter_whole_disk_init(void)
{
	return bioset_init(&pieces_bioset, PIECES_RESERVED, 0, BIOSET_NEED_RESCUER);
}

void filter_whole_disk_done(void)
{
	/* No piece is left: each held a module reference. */
	bioset_exit(&pieces_bioset);
}
