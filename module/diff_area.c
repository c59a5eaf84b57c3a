// SPDX-License-Identifier: GPL-2.0
/*
 * Copy-on-write of one device: the chunk state machine described in
 * diff_area.h.
 *
 * Contexts and what each may do:
 *  - diff_area_cow_bio() runs where the write was submitted: maybe a
 *    filesystem holding a journal handle, reclaim, or a stacking driver
 *    with current->bio_list set.  It allocates with GFP_NOWAIT, submits
 *    reads (queued behind the caller's bio under current->bio_list, which
 *    is fine since nothing waits for them here) and never sleeps.
 *  - Read completions run in interrupt context and only queue work.
 *  - release_wq lets parked writes go on; it never sleeps for long.
 *  - store_wq writes chunks to the storage (filesystem code, clean context).
 *  - starved_wq waits for chunk memory for writes that found none; a
 *    separate workqueue, so that its waiting never holds up the storing
 *    that frees the memory, even on a rescuer thread.
 *  - diff_area_claim_storage() runs in the storage's growth worker
 *    (diff_storage.c), which the storing may wait for: it does no I/O
 *    and takes no lock of ours but the callback's.
 *
 * Locking: the xa_lock of da->chunks protects chunk states, parked writes,
 * the store queue and the starved list.  It is innermost; nothing sleeps
 * under it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME "-diff_area: " fmt
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/mm.h>
#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/sched/mm.h>
#include <linux/highmem.h>
#include <linux/refcount.h>
#include <linux/atomic.h>
#include <linux/blksnap.h>
#include "params.h"
#include "diff_storage.h"
#include "event_queue.h"
#include "filter.h"
#include "free_map.h"
#include "diff_area.h"

enum chunk_state {
	/* The old data is being read from the origin; writes park. */
	CHUNK_READING,
	/* The old data is in pages; writes go on; the storing worker has it. */
	CHUNK_IN_MEMORY,
};

struct cow_chunk {
	struct diff_area *da;
	unsigned long number;
	/* Under the xa_lock of da->chunks. */
	enum chunk_state state;
	/*
	 * Writes parked here: every chunk of theirs before this one is
	 * copied, so they look again from this one; those in rescan found
	 * an untouched chunk before it and look again from their first.
	 */
	struct bio_list waiters;
	struct bio_list rescan;
	struct list_head store_link;
	/* Read bios made with the chunk, sent when it is published. */
	struct bio_list reads;
	/* Read bios still in flight, and the first error among them. */
	atomic_t reads_pending;
	int read_error;
	/* Where the storing worker put it, in storage sectors. */
	sector_t stored_at;
	/* One for being in da->chunks, one per image reader copying it. */
	refcount_t refs;
	struct work_struct read_done_work;
	unsigned int len;
	unsigned int nr_pages;
	struct page *pages[];
};

/* Chunks stored per round of the storing worker: one writeback wait each. */
#define STORE_BATCH	16

/*
 * Chunk memory over all snapshots, in bytes, bounded by
 * chunk_maximum_in_flight chunks of the smallest size.
 */
static atomic64_t chunk_memory = ATOMIC64_INIT(0);
static atomic64_t chunk_memory_peak = ATOMIC64_INIT(0);
static u64 chunk_memory_limit;
static DECLARE_WAIT_QUEUE_HEAD(chunk_memory_wait);

/*
 * Pages of freed chunks, kept for the area's next chunks while it exists,
 * up to the chunk memory bound over all areas: a fresh page is zeroed when
 * it is allocated (init_on_alloc, on by default in Debian's kernels), for
 * every page of every copy, in the writer's own submission; under TCG that
 * was the largest cost of a first-touch write.  The pool relies on a
 * chunk's read filling its pages whole (the tail of a short last chunk is
 * zeroed before it is stored, diff_storage_write_pages()).  A device
 * whose reads leave the buffer as it was (null_blk without memory) would
 * show old pages: so each area keeps its own, and a page never carries
 * one device's or one snapshot's data into another's image or storage.
 * A chunk is freed by whoever drops its last reference (a worker, a
 * writer's submission, an image reader): the lock assumes no context.
 */
static unsigned long page_pool_count;	/* over all areas */
static DEFINE_SPINLOCK(page_pool_lock);

/* Our own bios: reserved ones, so the worker's allocations always succeed. */
static struct bio_set cow_bioset;
#define COW_BIOS_RESERVED	16
static struct workqueue_struct *release_wq;
static struct workqueue_struct *store_wq;
static struct workqueue_struct *starved_wq;

static sector_t chunk_start(struct diff_area *da, unsigned long chunk)
{
	return (sector_t)chunk << da->chunk_shift;
}

static unsigned int chunk_sectors(struct diff_area *da, unsigned long chunk)
{
	return min_t(sector_t, 1ULL << da->chunk_shift,
		     da->capacity - chunk_start(da, chunk));
}

/*
 * chunk_offset[] of a chunk free at the take (free_map.h) or of the
 * storage itself, on the storage's own device: no copy needed; the image
 * reads zeros until it writes there.
 */
#define CHUNK_IS_STORAGE	U64_MAX

static u64 chunk_where(struct diff_area *da, unsigned long chunk)
{
	/* Pairs with store_batch(): a stored chunk's data is on the storage. */
	return smp_load_acquire(&da->chunk_offset[chunk]);
}

void diff_area_memory(u64 *used, u64 *peak, u64 *limit, u64 *pooled)
{
	*used = atomic64_read(&chunk_memory);
	*peak = atomic64_read(&chunk_memory_peak);
	*limit = chunk_memory_limit;
	*pooled = (u64)READ_ONCE(page_pool_count) << PAGE_SHIFT;
}

/*
 * Over the bound, an area's first chunk in memory may still go; and with
 * @reserve (see cow_may_reserve()), up to twice the bound.
 */
static bool chunk_memory_reserve(struct diff_area *da, unsigned int bytes,
				 bool reserve)
{
	int mine = atomic_inc_return(&da->chunks_in_memory);
	s64 used = atomic64_add_return(bytes, &chunk_memory);
	s64 peak = atomic64_read(&chunk_memory_peak);

	if (used > chunk_memory_limit * (reserve ? 2 : 1) && mine > 1) {
		atomic64_sub(bytes, &chunk_memory);
		atomic_dec(&da->chunks_in_memory);
		return false;
	}
	while (used > peak &&
	       !atomic64_try_cmpxchg(&chunk_memory_peak, &peak, used))
		;
	return true;
}

static bool chunk_memory_available(struct diff_area *da, unsigned int bytes)
{
	return !atomic_read(&da->chunks_in_memory) ||
	       atomic64_read(&chunk_memory) + bytes <= chunk_memory_limit;
}

static void chunk_memory_release(struct diff_area *da, unsigned int bytes)
{
	atomic64_sub(bytes, &chunk_memory);
	atomic_dec(&da->chunks_in_memory);
	wake_up_all(&chunk_memory_wait);
}

void diff_area_fail(struct diff_area *da, int err)
{
	struct blksnap_event_corrupted ev = {
		.dev_id_mj = MAJOR(da->orig->bd_dev),
		.dev_id_mn = MINOR(da->orig->bd_dev),
		.err_code = err,
	};

	if (cmpxchg(&da->error, 0, err) != 0)
		return;
	pr_err("%pg: snapshot corrupted (error %d); the device itself is unharmed\n",
	       da->orig, err);
	event_queue_send(da->events, err == -ENOSPC ?
			 blksnap_event_code_no_space : blksnap_event_code_corrupted,
			 &ev, sizeof(ev));
	wake_up_all(&da->chunk_wait);
}

static void send_low_space(struct diff_area *da)
{
	struct blksnap_event_low_free_space ev = {
		.requested_nr_sect = blksnap_diff_storage_minimum,
	};

	event_queue_send(da->events, blksnap_event_code_low_free_space,
			 &ev, sizeof(ev));
}

/* Fills @pages[0..@nr) from the pool, then with @gfp; false if short. */
static bool chunk_pages_get(struct diff_area *da, struct page **pages,
			    unsigned int nr, gfp_t gfp)
{
	unsigned long flags;
	unsigned int i = 0;

	spin_lock_irqsave(&page_pool_lock, flags);
	for (; i < nr && da->page_pool_count; i++) {
		pages[i] = list_first_entry(&da->page_pool, struct page, lru);
		list_del(&pages[i]->lru);
		da->page_pool_count--;
		page_pool_count--;
	}
	spin_unlock_irqrestore(&page_pool_lock, flags);
	for (; i < nr; i++) {
		pages[i] = alloc_page(gfp);
		if (!pages[i])
			return false;
	}
	return true;
}

/* @pages[0..@nr) up to the first NULL (a chunk_alloc() that fell short). */
static void chunk_pages_put(struct diff_area *da, struct page **pages,
			    unsigned int nr)
{
	unsigned long max = chunk_memory_limit >> PAGE_SHIFT;
	unsigned long flags;
	unsigned int i = 0;

	spin_lock_irqsave(&page_pool_lock, flags);
	for (; i < nr && pages[i] && page_pool_count < max; i++) {
		list_add(&pages[i]->lru, &da->page_pool);
		da->page_pool_count++;
		page_pool_count++;
	}
	spin_unlock_irqrestore(&page_pool_lock, flags);
	for (; i < nr && pages[i]; i++)
		__free_page(pages[i]);
}

/* Every chunk of @da is freed: nothing else touches its pool. */
static void page_pool_empty(struct diff_area *da)
{
	struct page *page, *next;
	unsigned long flags;
	LIST_HEAD(pages);

	spin_lock_irqsave(&page_pool_lock, flags);
	list_splice_init(&da->page_pool, &pages);
	page_pool_count -= da->page_pool_count;
	da->page_pool_count = 0;
	spin_unlock_irqrestore(&page_pool_lock, flags);
	list_for_each_entry_safe(page, next, &pages, lru)
		__free_page(page);
}

static void chunk_free(struct cow_chunk *c)
{
	struct bio *bio;

	while ((bio = bio_list_pop(&c->reads)))
		bio_put(bio);
	chunk_pages_put(c->da, c->pages, c->nr_pages);
	chunk_memory_release(c->da, c->len);
	kfree(c);
}

/* Drops a reference; the last one (the chunk left da->chunks) frees it. */
static void chunk_put(struct cow_chunk *c)
{
	struct diff_area *da = c->da;

	if (!refcount_dec_and_test(&c->refs))
		return;
	chunk_free(c);
	diff_area_put(da);
}

static void chunk_read_done(struct work_struct *work);

static void chunk_read_endio(struct bio *bio)
{
	struct cow_chunk *c = bio->bi_private;

	if (bio->bi_status)
		cmpxchg(&c->read_error, 0, blk_status_to_errno(bio->bi_status));
	bio_put(bio);
	/* Interrupt context: the rest, which resubmits bios, runs in a worker. */
	if (atomic_dec_and_test(&c->reads_pending))
		queue_work(release_wq, &c->read_done_work);
}

/*
 * The bios that read the chunk's old data, as few as its pages allow,
 * from cow_bioset: with GFP_NOIO (workers) they always come; with
 * GFP_NOWAIT (a submitter) the chunk is not started without them.
 */
static int chunk_alloc_reads(struct cow_chunk *c, gfp_t gfp)
{
	struct diff_area *da = c->da;
	sector_t sector = chunk_start(da, c->number);
	unsigned int i = 0;

	while (i < c->nr_pages) {
		unsigned int n = min_t(unsigned int, c->nr_pages - i, BIO_MAX_VECS);
		struct bio *bio;

		bio = bio_alloc_bioset(da->orig, n, REQ_OP_READ, gfp, &cow_bioset);
		if (!bio)
			return -ENOMEM;
		bio->bi_iter.bi_sector = sector;
		bio->bi_private = c;
		bio->bi_end_io = chunk_read_endio;
		for (; n; n--, i++) {
			unsigned int len = min_t(unsigned int, PAGE_SIZE,
						 c->len - i * PAGE_SIZE);

			__bio_add_page(bio, c->pages[i], len, 0);
			sector += len >> SECTOR_SHIFT;
		}
		bio_list_add(&c->reads, bio);
	}
	return 0;
}

/* NULL when the bound is reached or @gfp finds no memory. */
static struct cow_chunk *chunk_alloc(struct diff_area *da, unsigned long nr,
				     gfp_t gfp, bool reserve)
{
	unsigned int len = chunk_sectors(da, nr) << SECTOR_SHIFT;
	unsigned int nr_pages = DIV_ROUND_UP(len, PAGE_SIZE);
	struct cow_chunk *c;

	if (!chunk_memory_reserve(da, len, reserve))
		return NULL;
	c = kzalloc(struct_size(c, pages, nr_pages), gfp);
	if (!c) {
		chunk_memory_release(da, len);
		return NULL;
	}
	c->da = da;
	c->number = nr;
	c->state = CHUNK_READING;
	c->len = len;
	c->nr_pages = nr_pages;
	bio_list_init(&c->waiters);
	bio_list_init(&c->rescan);
	INIT_LIST_HEAD(&c->store_link);
	refcount_set(&c->refs, 1);
	INIT_WORK(&c->read_done_work, chunk_read_done);
	bio_list_init(&c->reads);
	if (!chunk_pages_get(da, c->pages, nr_pages, gfp))
		goto err_free;
	if (chunk_alloc_reads(c, gfp))
		goto err_free;
	return c;

err_free:
	chunk_free(c);
	return NULL;
}

/*
 * Sends the chunk's reads, made by chunk_alloc().  Our own reads: the
 * filter passes reads, and calls from this module, untouched.
 */
static void chunk_submit_read(struct cow_chunk *c)
{
	struct bio *bio;

	/* A bias, so the reads cannot complete the chunk before all are sent. */
	atomic_set(&c->reads_pending, 1);
	while ((bio = bio_list_pop(&c->reads))) {
		atomic_inc(&c->reads_pending);
		submit_bio_noacct(bio);
	}
	if (atomic_dec_and_test(&c->reads_pending))
		queue_work(release_wq, &c->read_done_work);
}

static bool chunk_untouched(struct diff_area *da, unsigned long nr)
{
	return !chunk_where(da, nr) && !xa_load(&da->chunks, nr);
}

/*
 * Starts copying chunk @nr if it is untouched.  0 if it was started or is
 * not untouched any more; -ENOMEM if no chunk memory could be had.
 */
static int chunk_start_copy(struct diff_area *da, unsigned long nr, gfp_t gfp,
			    bool reserve)
{
	struct cow_chunk *c;
	int ret;

	c = chunk_alloc(da, nr, gfp, reserve);
	if (!c)
		return -ENOMEM;
	xa_lock(&da->chunks);
	/*
	 * __xa_insert() may drop the lock to allocate (@gfp may sleep): it
	 * never replaces a chunk inserted meanwhile (-EBUSY), and one stored
	 * meanwhile is seen by the check after it.
	 */
	ret = chunk_untouched(da, nr) ? __xa_insert(&da->chunks, nr, c, gfp) : -EBUSY;
	if (!ret && chunk_where(da, nr)) {
		__xa_erase(&da->chunks, nr);
		ret = -EBUSY;
	}
	/* The chunk's reference on the area, dropped when it is freed. */
	if (!ret)
		diff_area_get(da);
	xa_unlock(&da->chunks);
	if (ret) {
		chunk_free(c);
		return ret == -EBUSY ? 0 : -ENOMEM;
	}
	chunk_submit_read(c);
	return 0;
}

static bool bio_chunks(struct diff_area *da, struct bio *bio,
		       unsigned long *first, unsigned long *last)
{
	sector_t sector = filter_bio_sector(da->orig, bio);
	sector_t count = bio_sectors(bio);

	if (!count || sector >= da->capacity)
		return false;
	count = min(count, da->capacity - sector);
	*first = sector >> da->chunk_shift;
	*last = (sector + count - 1) >> da->chunk_shift;
	return true;
}

enum cow_verdict {
	/* Every chunk of the bio is stored or in memory: it may go on. */
	COW_PASS,
	/* Parked on a chunk being read; released when the read is done. */
	COW_PARKED,
	/* A chunk it needs got no memory: in da->starved now. */
	COW_STARVED,
};

/*
 * A metadata write to the device that holds the storage, while the
 * storage grows: the growth commits that filesystem's journal, whose
 * writes must be copied like any; and if the storage ran out meanwhile,
 * the storers hold the chunk memory while they wait for the growth.  Such
 * writes may take chunk memory up to twice the bound, ahead of writes
 * starved for it; other writes may not, or they would take that memory
 * first.  (Ordered data a commit waits for, on ext4 with blocks smaller
 * than a page, is no metadata: such a growth may outlast GROW_WAIT_MAX,
 * and the snapshot fails as on overflow.)  A hint read without a lock: a
 * write that misses it waits as any.
 */
static bool cow_may_reserve(struct diff_area *da, struct bio *bio)
{
	return (bio->bi_opf & REQ_META) && da->storage->bdev == da->orig &&
	       diff_storage_growing(da->storage);
}

/*
 * Under the lock, the first of @bio's chunks from *@from on that is not
 * copied yet: parks @bio on it if it is being read (COW_PARKED); if it is
 * untouched, sets *@from to it and, with @past_gaps, looks on for a chunk
 * being read to park on (into its rescan list) before calling the bio
 * starved; COW_PASS if there is none.
 */
static enum cow_verdict cow_scan(struct diff_area *da, struct bio *bio,
				 unsigned long *from, unsigned long last,
				 bool past_gaps)
{
	enum cow_verdict verdict = COW_PASS;
	struct cow_chunk *c;
	bool gap = false;
	unsigned long i;

	xa_lock(&da->chunks);
	for (i = *from; i <= last; i++) {
		if (diff_area_error(da)) {
			verdict = COW_PASS;
			break;
		}
		if (chunk_where(da, i))
			continue;
		c = xa_load(&da->chunks, i);
		if (!c) {
			if (!gap)
				*from = i;
			gap = true;
			verdict = COW_STARVED;
			if (!past_gaps)
				break;
			continue;
		}
		if (c->state == CHUNK_READING) {
			bio_list_add(gap ? &c->rescan : &c->waiters, bio);
			verdict = COW_PARKED;
			break;
		}
	}
	xa_unlock(&da->chunks);
	return verdict;
}

/*
 * Starts the copies @bio needs (all of them first, so their reads go out
 * together and merge in the block layer), then parks it on the first
 * chunk still being read.  @may_start is false when earlier writes wait
 * for memory: they go first.  The caller holds a reference on @da for the
 * bio, which a parked bio keeps; a starved one is the caller's to queue.
 *
 * *@from is the bio's first chunk not known to be copied (0: its first).
 * A chunk once copied or in memory stays so (or the area fails and every
 * write passes), so a bio looked at @again starts where it stopped, and
 * starts copies only if it meets an untouched chunk before one being
 * read: a discard of many chunks costs one pass over them, not one per
 * chunk it waited for.  On COW_STARVED *@from is where this look stopped.
 */
static enum cow_verdict cow_try(struct diff_area *da, struct bio *bio,
				gfp_t gfp, bool may_start, bool again,
				unsigned long *from)
{
	enum cow_verdict verdict;
	unsigned long first, last, i;
	struct blk_plug plug;
	bool reserve;

	if (diff_area_error(da) || !bio_chunks(da, bio, &first, &last))
		return COW_PASS;
	*from = max(first, *from);
	if (again) {
		verdict = cow_scan(da, bio, from, last, false);
		if (verdict != COW_STARVED)
			return verdict;
	}
	reserve = cow_may_reserve(da, bio);
	blk_start_plug(&plug);
	for (i = *from; i <= last && (may_start || reserve); i++) {
		if (chunk_untouched(da, i) &&
		    chunk_start_copy(da, i, gfp, reserve))
			break;
	}
	blk_finish_plug(&plug);
	return cow_scan(da, bio, from, last, true);
}

/*
 * Queues a bio that found no chunk memory.  The work is queued under the
 * lock: the worker cannot have sent the bio on (and dropped its reference
 * on the area) before.
 */
static void park_starved(struct diff_area *da, struct bio *bio)
{
	xa_lock(&da->chunks);
	bio_list_add(&da->starved, bio);
	queue_work(starved_wq, &da->starved_work);
	xa_unlock(&da->chunks);
}

/*
 * cow_try() where nothing may sleep (a submitter, the release worker):
 * true if the bio stays with us, parked on a chunk or queued as starved.
 */
static bool cow_nowait(struct diff_area *da, struct bio *bio, bool again,
		       unsigned long from)
{
	switch (cow_try(da, bio, GFP_NOWAIT | __GFP_NOWARN,
			bio_list_empty(&da->starved), again, &from)) {
	case COW_PASS:
		return false;
	case COW_PARKED:
		break;
	case COW_STARVED:
		park_starved(da, bio);
		break;
	}
	return true;
}

/*
 * Sends on bios whose chunks are read, or parks them again; they look at
 * their chunks from @from on (0: from their first).
 */
static void release_bios(struct diff_area *da, struct bio_list *bios,
			 unsigned long from)
{
	struct bio *bio;

	while ((bio = bio_list_pop(bios))) {
		if (cow_nowait(da, bio, true, from))
			continue;
		filter_resubmit_bio(bio);
		diff_area_put(da);
	}
}

static void chunk_read_done(struct work_struct *work)
{
	struct cow_chunk *c = container_of(work, struct cow_chunk,
					   read_done_work);
	struct diff_area *da = c->da;
	struct bio_list released, rescan;
	int err = READ_ONCE(c->read_error);

	/* Once stored, the chunk may be gone with its reference before we end. */
	diff_area_get(da);
	/* Before the writes go on: an image read must never see their data. */
	if (err)
		diff_area_fail(da, err);
	bio_list_init(&released);
	bio_list_init(&rescan);
	xa_lock(&da->chunks);
	c->state = CHUNK_IN_MEMORY;
	bio_list_merge(&released, &c->waiters);
	bio_list_init(&c->waiters);
	bio_list_merge(&rescan, &c->rescan);
	bio_list_init(&c->rescan);
	if (err) {
		__xa_erase(&da->chunks, c->number);
	} else {
		list_add_tail(&c->store_link, &da->store_queue);
		queue_work(store_wq, &da->storers[da->next_storer++ %
						  ARRAY_SIZE(da->storers)].work);
	}
	xa_unlock(&da->chunks);
	wake_up_all(&da->chunk_wait);
	if (err)
		chunk_put(c);
	release_bios(da, &released, c->number);
	release_bios(da, &rescan, 0);
	diff_area_put(da);
}

/*
 * Stores a batch of chunks back to back, then waits for their writeback
 * once; publishes them only then, so a stored chunk reads back from the
 * storage as it was written, and a failing storage fails the snapshot
 * visibly instead of leaving stale data on the image.
 */
static void store_batch(struct diff_area *da, struct list_head *batch)
{
	sector_t first = (sector_t)-1, end = 0;
	struct cow_chunk *c, *next;
	bool low_space;
	int ret = diff_area_error(da) ? -EIO : 0;

	list_for_each_entry(c, batch, store_link) {
		if (ret)
			break;
		ret = diff_storage_alloc(da->storage, c->len >> SECTOR_SHIFT,
					 &c->stored_at, &low_space);
		if (low_space)
			send_low_space(da);
		if (!ret)
			ret = diff_storage_write_pages(da->storage, c->stored_at,
						       c->pages, c->len);
		first = min(first, c->stored_at);
		end = max(end, c->stored_at + (c->len >> SECTOR_SHIFT));
	}
	if (!ret && end)
		ret = diff_storage_writeback(da->storage, first, end - first);
	if (ret)
		diff_area_fail(da, ret);

	list_for_each_entry_safe(c, next, batch, store_link) {
		list_del_init(&c->store_link);
		xa_lock(&da->chunks);
		if (!ret) {
			/* Pairs with chunk_where(): the data is stored first. */
			smp_store_release(&da->chunk_offset[c->number],
					  c->stored_at + 1);
		}
		__xa_erase(&da->chunks, c->number);
		xa_unlock(&da->chunks);
		chunk_put(c);
	}
	wake_up_all(&da->chunk_wait);
}

static void diff_area_store_work(struct work_struct *work)
{
	struct diff_area *da = container_of(work, struct diff_area_storer,
					    work)->da;
	/*
	 * As the loop driver does for its backing file: reclaim here must not
	 * write to the origin (its writes may be parked on chunks we hold),
	 * and dirty throttling looks only at the storage's own device.
	 */
	unsigned int pflags = current->flags & (PF_MEMALLOC_NOIO | PF_LOCAL_THROTTLE);

	current->flags |= PF_MEMALLOC_NOIO | PF_LOCAL_THROTTLE;
	for (;;) {
		LIST_HEAD(batch);
		unsigned int n = 0;
		struct cow_chunk *c, *next;

		xa_lock(&da->chunks);
		list_for_each_entry_safe(c, next, &da->store_queue, store_link) {
			list_move_tail(&c->store_link, &batch);
			if (++n == STORE_BATCH)
				break;
		}
		xa_unlock(&da->chunks);
		if (!n)
			break;
		store_batch(da, &batch);
	}
	current->flags = (current->flags & ~(PF_MEMALLOC_NOIO | PF_LOCAL_THROTTLE)) |
			 pflags;
}

/* Writes that found no chunk memory, in arrival order. */
static void diff_area_starved_work(struct work_struct *work)
{
	struct diff_area *da = container_of(work, struct diff_area,
					    starved_work);
	unsigned int want = 1U << (da->chunk_shift + SECTOR_SHIFT);
	unsigned long from;
	struct bio *bio;
	bool again;

	for (;;) {
		xa_lock(&da->chunks);
		bio = bio_list_pop(&da->starved);
		xa_unlock(&da->chunks);
		if (!bio)
			break;
		from = 0;
		again = false;
		for (;;) {
			/* Freed by the storing worker, on its own workqueue. */
			wait_event_timeout(chunk_memory_wait,
					   chunk_memory_available(da, want) ||
					   diff_area_error(da), HZ / 10);
			switch (cow_try(da, bio, GFP_NOIO, true, again, &from)) {
			case COW_PASS:
				filter_resubmit_bio(bio);
				diff_area_put(da);
				break;
			case COW_PARKED:
				break;
			case COW_STARVED:
				again = true;
				continue;
			}
			break;
		}
	}
}

bool diff_area_cow_bio(struct diff_area *da, struct bio *bio)
{
	unsigned long first, last, i;

	/* A corrupted snapshot copies nothing more; the origin goes on. */
	if (diff_area_error(da) || !bio_chunks(da, bio, &first, &last))
		return false;
	for (i = first; i <= last; i++) {
		if (!chunk_where(da, i))
			break;
	}
	if (i > last)
		return false;

	if (bio->bi_opf & REQ_NOWAIT) {
		struct cow_chunk *c;

		/* Goes on only if every old data is read already. */
		xa_lock(&da->chunks);
		for (; i <= last; i++) {
			if (chunk_where(da, i))
				continue;
			c = xa_load(&da->chunks, i);
			if (!c || c->state == CHUNK_READING)
				break;
		}
		xa_unlock(&da->chunks);
		if (i > last)
			return false;
		/* Their copies start, so that the caller's retry gets through. */
		for (; i <= last; i++) {
			if (chunk_untouched(da, i) &&
			    chunk_start_copy(da, i, GFP_NOWAIT | __GFP_NOWARN,
					     false))
				break;
		}
		bio_wouldblock_error(bio);
		return true;
	}

	/* The bio's reference, until it is sent on. */
	diff_area_get(da);
	if (cow_nowait(da, bio, false, 0))
		return true;
	diff_area_put(da);
	return false;
}

/* Synchronous read of the origin into a kernel buffer (kvmalloc'ed). */
static int origin_read(struct block_device *bdev, sector_t sector, void *buf,
		       unsigned int len)
{
	void *start = buf;
	unsigned int total = len;
	int ret = 0;

	flush_kernel_vmap_range(start, total);
	while (len && !ret) {
		unsigned int nr = min_t(unsigned int, BIO_MAX_VECS,
					DIV_ROUND_UP(offset_in_page(buf) + len, PAGE_SIZE));
		struct bio *bio = bio_alloc_bioset(bdev, nr, REQ_OP_READ,
						   GFP_NOIO, &cow_bioset);

		bio->bi_iter.bi_sector = sector;
		while (len) {
			unsigned int n = min_t(unsigned int, len,
					       PAGE_SIZE - offset_in_page(buf));
			struct page *page = is_vmalloc_addr(buf) ?
				vmalloc_to_page(buf) : virt_to_page(buf);

			if (bio_add_page(bio, page, n, offset_in_page(buf)) != n)
				break;
			buf += n;
			len -= n;
			sector += n >> SECTOR_SHIFT;
		}
		ret = submit_bio_wait(bio);
		bio_put(bio);
	}
	invalidate_kernel_vmap_range(start, total);
	return ret;
}

static void copy_from_chunk(struct cow_chunk *c, unsigned int offset,
			    void *buf, unsigned int len)
{
	while (len) {
		unsigned int n = min_t(unsigned int, len,
				       PAGE_SIZE - offset_in_page(offset));

		memcpy_from_page(buf, c->pages[offset >> PAGE_SHIFT],
				 offset_in_page(offset), n);
		buf += n;
		offset += n;
		len -= n;
	}
}

static bool chunk_reading(struct diff_area *da, unsigned long nr)
{
	struct cow_chunk *c;
	bool reading;

	xa_lock(&da->chunks);
	c = xa_load(&da->chunks, nr);
	reading = c && c->state == CHUNK_READING;
	xa_unlock(&da->chunks);
	return reading;
}

/* Within one chunk: @sector..+@len as at take(). */
static int image_read_chunk(struct diff_area *da, sector_t sector, void *buf,
			    unsigned int len)
{
	unsigned long nr = sector >> da->chunk_shift;
	unsigned int offset = (sector - chunk_start(da, nr)) << SECTOR_SHIFT;
	struct cow_chunk *c;
	u64 where;
	int ret;

	for (;;) {
		where = chunk_where(da, nr);
		if (where == CHUNK_IS_STORAGE) {
			memset(buf, 0, len);
			return 0;
		}
		if (where)
			return diff_storage_read(da->storage, where - 1 +
						 (offset >> SECTOR_SHIFT), buf, len);
		xa_lock(&da->chunks);
		c = xa_load(&da->chunks, nr);
		if (c && c->state == CHUNK_IN_MEMORY) {
			refcount_inc(&c->refs);
			xa_unlock(&da->chunks);
			copy_from_chunk(c, offset, buf, len);
			chunk_put(c);
			return 0;
		}
		xa_unlock(&da->chunks);
		if (c) {
			wait_event(da->chunk_wait, !chunk_reading(da, nr) ||
				   diff_area_error(da));
			if (diff_area_error(da))
				return -EIO;
			continue;
		}
		ret = origin_read(da->orig, sector, buf, len);
		if (ret)
			return ret;
		/*
		 * A write to the chunk goes on only after its copy started,
		 * which takes the chunk out of the untouched state first: if
		 * it is untouched still, no write overlapped our read.
		 */
		xa_lock(&da->chunks);
		ret = chunk_untouched(da, nr);
		xa_unlock(&da->chunks);
		if (ret)
			return 0;
	}
}

/* Bytes from @sector (at most @len) in chunks that are all untouched. */
static unsigned int untouched_run(struct diff_area *da, sector_t sector,
				  unsigned int len)
{
	unsigned int run = 0;

	while (run < len) {
		unsigned long nr = (sector + (run >> SECTOR_SHIFT)) >> da->chunk_shift;
		sector_t end = chunk_start(da, nr) + chunk_sectors(da, nr);

		if (!chunk_untouched(da, nr))
			break;
		run = min_t(sector_t, len, (end - sector) << SECTOR_SHIFT);
	}
	return run;
}

/*
 * Untouched chunks in a row are read from the origin at once, then each
 * is checked as image_read_chunk() does; one that a write reached during
 * the read is read again its own way.
 */
static int image_read_run(struct diff_area *da, sector_t sector, void *buf,
			  unsigned int len)
{
	int ret = origin_read(da->orig, sector, buf, len);

	while (!ret && len) {
		unsigned long nr = sector >> da->chunk_shift;
		sector_t end = chunk_start(da, nr) + chunk_sectors(da, nr);
		unsigned int n = min_t(sector_t, len, (end - sector) << SECTOR_SHIFT);
		bool untouched;

		xa_lock(&da->chunks);
		untouched = chunk_untouched(da, nr);
		xa_unlock(&da->chunks);
		if (!untouched)
			ret = image_read_chunk(da, sector, buf, n);
		buf += n;
		len -= n;
		sector += n >> SECTOR_SHIFT;
	}
	return ret;
}

int diff_area_image_read(struct diff_area *da, sector_t sector, void *buf,
			 unsigned int len)
{
	while (len) {
		unsigned long nr = sector >> da->chunk_shift;
		sector_t end = chunk_start(da, nr) + chunk_sectors(da, nr);
		unsigned int n = untouched_run(da, sector, len);
		int ret;

		if (n > (end - sector) << SECTOR_SHIFT) {
			ret = image_read_run(da, sector, buf, n);
		} else {
			n = min_t(sector_t, len, (end - sector) << SECTOR_SHIFT);
			ret = image_read_chunk(da, sector, buf, n);
		}
		/* Checked after the read: a failing snapshot returns no data. */
		if (!ret && diff_area_error(da))
			ret = -EIO;
		if (ret)
			return ret;
		buf += n;
		len -= n;
		sector += n >> SECTOR_SHIFT;
	}
	return 0;
}

static bool chunk_settled(struct diff_area *da, unsigned long nr)
{
	return chunk_where(da, nr) || diff_area_error(da) ||
	       !xa_load(&da->chunks, nr);
}

/* Copies chunk @nr to the storage, if it is not there yet, and waits. */
static int chunk_store_now(struct diff_area *da, unsigned long nr)
{
	unsigned int want = chunk_sectors(da, nr) << SECTOR_SHIFT;

	while (!chunk_where(da, nr) && !diff_area_error(da)) {
		if (chunk_untouched(da, nr)) {
			wait_event(chunk_memory_wait,
				   chunk_memory_available(da, want) ||
				   diff_area_error(da));
			if (chunk_start_copy(da, nr, GFP_NOIO, false))
				continue;
		}
		wait_event(da->chunk_wait, chunk_settled(da, nr));
	}
	return diff_area_error(da) ? -EIO : 0;
}

/*
 * Before the image writes to a chunk of the storage: a stored chunk of
 * zeros, what the image showed until then.  Image writers to the same
 * chunk race here; the first to publish wins and the others' copies are
 * left unused.
 */
static int storage_chunk_own_copy(struct diff_area *da, unsigned long nr)
{
	unsigned int len = chunk_sectors(da, nr) << SECTOR_SHIFT;
	sector_t offset;
	bool low_space;
	void *zeros;
	int ret;

	zeros = kvzalloc(len, GFP_NOIO);
	if (!zeros)
		return -ENOMEM;
	ret = diff_storage_alloc(da->storage, len >> SECTOR_SHIFT, &offset,
				 &low_space);
	if (low_space)
		send_low_space(da);
	if (!ret)
		ret = diff_storage_write(da->storage, offset, zeros, len);
	kvfree(zeros);
	if (ret) {
		diff_area_fail(da, ret);
		return ret;
	}
	/* Pairs with chunk_where(): the zeros are stored first. */
	cmpxchg_release(&da->chunk_offset[nr], CHUNK_IS_STORAGE, offset + 1);
	return 0;
}

int diff_area_image_write(struct diff_area *da, sector_t sector,
			  const void *buf, unsigned int len)
{
	while (len) {
		unsigned long nr = sector >> da->chunk_shift;
		sector_t end = chunk_start(da, nr) + chunk_sectors(da, nr);
		unsigned int n = min_t(sector_t, len, (end - sector) << SECTOR_SHIFT);
		int ret;

		/* The image's writes land in the storage, never the origin. */
		ret = chunk_store_now(da, nr);
		if (!ret && chunk_where(da, nr) == CHUNK_IS_STORAGE)
			ret = storage_chunk_own_copy(da, nr);
		if (!ret)
			ret = diff_storage_write(da->storage,
						 chunk_where(da, nr) - 1 +
						 sector - chunk_start(da, nr),
						 buf, n);
		if (ret)
			return ret;
		buf += n;
		len -= n;
		sector += n >> SECTOR_SHIFT;
	}
	return 0;
}

/*
 * Chunks grow to 64 MiB at most (as chunk_minimum_shift does): a chunk is
 * read into memory whole.  Beyond chunk_maximum_count such chunks (128 TiB
 * at the default) the table grows by 8 bytes per 64 MiB of device.
 */
#define CHUNK_MAXIMUM_SHIFT	(26 - SECTOR_SHIFT)

static unsigned int choose_chunk_shift(struct block_device *bdev)
{
	unsigned int shift = blksnap_chunk_minimum_shift - SECTOR_SHIFT;

	/* Never below what the device wants written at once. */
	while ((1U << (shift + SECTOR_SHIFT)) < bdev_io_min(bdev))
		shift++;
	/*
	 * The chunk table takes 8 bytes per chunk, allocated at take: larger
	 * chunks on a large device keep it within chunk_maximum_count
	 * entries, as the change-tracking map's blocks grow too.
	 */
	while (DIV_ROUND_UP_SECTOR_T(bdev_nr_sectors(bdev), 1ULL << shift) >
	       blksnap_chunk_maximum_count && shift < CHUNK_MAXIMUM_SHIFT)
		shift++;
	return shift;
}

/*
 * The chunks that hold the storage on this device itself: never copied,
 * zeros in the image (at take they belong to an unlinked file whose
 * extents are unwritten, which the filesystem reads as zeros too).
 */
static void mark_storage_chunks(struct diff_area *da)
{
	const struct storage_extent *runs;
	unsigned int nr, i;
	unsigned long c;

	nr = diff_storage_chunk_runs(da->storage, da->chunk_shift, &runs);
	for (i = 0; i < nr; i++) {
		for (c = runs[i].sector >> da->chunk_shift;
		     c < (runs[i].sector + runs[i].count) >> da->chunk_shift; c++)
			da->chunk_offset[c] = CHUNK_IS_STORAGE;
	}
}

enum chunk_claim {
	/* Stays out of the storage. */
	CLAIM_NONE,
	/* Free space at the take: zeros in the image, never copied. */
	CLAIM_FREE,
	/* Its take-time contents are in the storage already. */
	CLAIM_STORED,
};

/*
 * Whether chunk @nr may become storage.  Its take-time contents must stay
 * readable in the image, and our copies must never show there:
 *  - stored already: the image reads its copy; yes, as it is;
 *  - marked as storage: a new file's block can only have been free at
 *    the take (the storage's own files are pinned): the image reads zeros
 *    there and writes pass uncopied; yes, as it is;
 *  - being copied: no (rare; its copy may still read the device);
 *  - untouched: no.  Its blocks may be a file's at the take, deleted
 *    since, that the image must still show.
 */
static enum chunk_claim chunk_claim(struct diff_area *da, unsigned long nr)
{
	u64 where = chunk_where(da, nr);

	if (where == CHUNK_IS_STORAGE)
		return CLAIM_FREE;
	return where ? CLAIM_STORED : CLAIM_NONE;
}

unsigned int diff_area_claim_storage(struct diff_area *da,
				     const struct storage_extent *runs,
				     unsigned int nr,
				     struct storage_extent *claimed,
				     unsigned int max,
				     void (*changed)(void *arg, sector_t sector,
						     sector_t count),
				     void *arg)
{
	sector_t chunk = 1ULL << da->chunk_shift;
	unsigned int i, n = 0;
	unsigned long c, end;

	for (i = 0; i < nr; i++) {
		end = min_t(sector_t, (runs[i].sector + runs[i].count) >> da->chunk_shift,
			    da->nr_chunks);
		for (c = runs[i].sector >> da->chunk_shift; c < end; c++) {
			sector_t start = chunk_start(da, c);
			enum chunk_claim claim;

			/* A failed snapshot needs no more storage. */
			if (diff_area_error(da))
				return n;
			claim = chunk_claim(da, c);
			if (claim == CLAIM_NONE)
				continue;
			/*
			 * Before it may take copies: destroy writes zeros
			 * over them, which is not what the image showed.
			 */
			if (claim == CLAIM_STORED)
				changed(arg, start, chunk);
			if (n && claimed[n - 1].sector + claimed[n - 1].count == start) {
				claimed[n - 1].count += chunk;
				continue;
			}
			/*
			 * No room for one more run: the rest stays out, as it
			 * is (a chunk claimed here is storage already, the
			 * image right either way).
			 */
			if (n == max)
				return n;
			claimed[n].sector = start;
			claimed[n].count = chunk;
			n++;
		}
		cond_resched();
	}
	return n;
}

unsigned int diff_area_chunk_shift(struct block_device *bdev)
{
	return choose_chunk_shift(bdev);
}

bool diff_area_mark_free(struct diff_area *da, const struct free_map *map,
			 unsigned long *marked)
{
	unsigned long nr, n = 0;

	*marked = 0;
	if (map->chunk_shift != da->chunk_shift || map->nr_chunks != da->nr_chunks) {
		pr_warn("%pg: free space map of %lu chunks of %u sectors, not %lu of %u: not used\n",
			da->orig, map->nr_chunks, 1U << map->chunk_shift,
			da->nr_chunks, 1U << da->chunk_shift);
		return false;
	}
	/* No image yet and writes held: nobody else reads the states. */
	for_each_set_bit(nr, map->free, map->nr_chunks) {
		if (!da->chunk_offset[nr]) {
			da->chunk_offset[nr] = CHUNK_IS_STORAGE;
			n++;
		}
	}
	*marked = n;
	return true;
}

void diff_area_shown_zeros(struct diff_area *da, struct free_map *map)
{
	const struct storage_extent *runs;
	unsigned int i, nr;

	if (map->chunk_shift != da->chunk_shift || map->nr_chunks != da->nr_chunks)
		return;
	nr = diff_storage_chunk_runs(da->storage, da->chunk_shift, &runs);
	for (i = 0; i < nr; i++)
		bitmap_set(map->free, runs[i].sector >> da->chunk_shift,
			   runs[i].count >> da->chunk_shift);
}

struct diff_area *diff_area_create(struct block_device *orig,
				   struct diff_storage *storage,
				   struct event_queue *events)
{
	struct diff_area *da;
	unsigned int i;

	da = kzalloc(sizeof(*da), GFP_KERNEL);
	if (!da)
		return ERR_PTR(-ENOMEM);
	kref_init(&da->kref);
	da->orig = orig;
	da->capacity = bdev_nr_sectors(orig);
	da->chunk_shift = choose_chunk_shift(orig);
	da->nr_chunks = DIV_ROUND_UP_SECTOR_T(da->capacity, 1ULL << da->chunk_shift);
	da->storage = storage;
	da->events = events;
	xa_init(&da->chunks);
	INIT_LIST_HEAD(&da->store_queue);
	INIT_LIST_HEAD(&da->page_pool);
	for (i = 0; i < ARRAY_SIZE(da->storers); i++) {
		INIT_WORK(&da->storers[i].work, diff_area_store_work);
		da->storers[i].da = da;
	}
	bio_list_init(&da->starved);
	INIT_WORK(&da->starved_work, diff_area_starved_work);
	init_waitqueue_head(&da->chunk_wait);
	/* Per chunk: 8 bytes of offset; at most chunk_maximum_count chunks. */
	da->chunk_offset = kvcalloc(da->nr_chunks, sizeof(u64), GFP_KERNEL);
	if (!da->chunk_offset) {
		kfree(da);
		return ERR_PTR(-ENOMEM);
	}
	if (storage->bdev == orig)
		mark_storage_chunks(da);
	return da;
}

void diff_area_get(struct diff_area *da)
{
	kref_get(&da->kref);
}

static void diff_area_release(struct kref *kref)
{
	struct diff_area *da = container_of(kref, struct diff_area, kref);

	/* Every chunk held a reference: none is left. */
	WARN_ON_ONCE(!xa_empty(&da->chunks));
	xa_destroy(&da->chunks);
	page_pool_empty(da);
	kvfree(da->chunk_offset);
	kfree(da);
}

void diff_area_put(struct diff_area *da)
{
	/* diff_area_drain() may be waiting for the count to come down. */
	if (!kref_put(&da->kref, diff_area_release))
		wake_up_var(&da->kref);
}

void diff_area_shutdown(struct diff_area *da)
{
	/*
	 * Nothing will read the image again: chunks still in flight need not
	 * be stored, and parked writes go on as soon as their reads are done.
	 */
	cmpxchg(&da->error, 0, -ESHUTDOWN);
	wake_up_all(&da->chunk_wait);
	wake_up_all(&chunk_memory_wait);
}

void diff_area_drain(struct diff_area *da)
{
	unsigned int i;

	diff_area_shutdown(da);
	wait_var_event(&da->kref, kref_read(&da->kref) == 1);
	for (i = 0; i < ARRAY_SIZE(da->storers); i++)
		flush_work(&da->storers[i].work);
	flush_work(&da->starved_work);
}

int diff_area_init(void)
{
	int ret;

	chunk_memory_limit = (u64)blksnap_chunk_maximum_in_flight <<
			     blksnap_chunk_minimum_shift;
	ret = bioset_init(&cow_bioset, COW_BIOS_RESERVED, 0, BIOSET_NEED_BVECS);
	if (ret)
		return ret;
	ret = -ENOMEM;
	/* WQ_MEM_RECLAIM: the origin's writeback may wait on each of them. */
	release_wq = alloc_workqueue("blksnap-release", WQ_UNBOUND | WQ_MEM_RECLAIM, 0);
	if (!release_wq)
		goto err_bioset;
	store_wq = alloc_workqueue("blksnap-store", WQ_UNBOUND | WQ_MEM_RECLAIM, 0);
	if (!store_wq)
		goto err_release_wq;
	starved_wq = alloc_workqueue("blksnap-starved", WQ_UNBOUND | WQ_MEM_RECLAIM, 0);
	if (!starved_wq)
		goto err_store_wq;
	return 0;

err_store_wq:
	destroy_workqueue(store_wq);
err_release_wq:
	destroy_workqueue(release_wq);
err_bioset:
	bioset_exit(&cow_bioset);
	return ret;
}

void diff_area_done(void)
{
	destroy_workqueue(starved_wq);
	destroy_workqueue(store_wq);
	destroy_workqueue(release_wq);
	bioset_exit(&cow_bioset);
}
