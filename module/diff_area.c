// SPDX-License-Identifier: GPL-2.0
#define pr_fmt(fmt) KBUILD_MODNAME "-diff_area: " fmt
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/mm.h>
#include <linux/bio.h>
#include <linux/semaphore.h>
#include <linux/mempool.h>
#include <linux/sched/mm.h>
#include <linux/wait_bit.h>
#include <linux/highmem.h>
#include <linux/blksnap.h>
#include "params.h"
#include "diff_storage.h"
#include "event_queue.h"
#include "filter.h"
#include "diff_area.h"

/*
 * Chunk buffers in flight over all snapshots (chunk_maximum_in_flight):
 * the memory bound of copy-on-write.  A writer that finds none free sleeps.
 */
static struct semaphore chunk_buffers;
/*
 * Buffers of the smallest chunk size, with a few kept in reserve: under
 * memory pressure (a writer may be the page cache's own writeback, with no
 * I/O allowed for reclaim) a copy waits for a buffer instead of failing.
 */
#define CHUNK_BUFFERS_RESERVED	4
static mempool_t *chunk_pool;
static unsigned int chunk_pool_size;
/* Runs deferred writes; WQ_MEM_RECLAIM since writeback may wait on it. */
static struct workqueue_struct *cow_wq;

static void diff_area_deferred_work(struct work_struct *work);

static sector_t chunk_start(struct diff_area *da, unsigned long chunk)
{
	return (sector_t)chunk << da->chunk_shift;
}

static unsigned int chunk_sectors(struct diff_area *da, unsigned long chunk)
{
	return min_t(sector_t, 1ULL << da->chunk_shift,
		     da->capacity - chunk_start(da, chunk));
}

static struct page *buf_page(const void *p)
{
	return is_vmalloc_addr(p) ? vmalloc_to_page(p) : virt_to_page(p);
}

/*
 * Synchronous I/O on the origin from a kernel buffer (kvmalloc'ed, or a
 * kmapped page).  Our own bios: a read is never marked or copied by the
 * filter, so it needs no way around it.
 */
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
		struct bio *bio = bio_alloc(bdev, nr, REQ_OP_READ, GFP_NOIO);

		bio->bi_iter.bi_sector = sector;
		while (len) {
			unsigned int n = min_t(unsigned int, len,
					       PAGE_SIZE - offset_in_page(buf));

			if (bio_add_page(bio, buf_page(buf), n, offset_in_page(buf)) != n)
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
}

static void send_low_space(struct diff_area *da)
{
	struct blksnap_event_low_free_space ev = {
		.requested_nr_sect = blksnap_diff_storage_minimum,
	};

	event_queue_send(da->events, blksnap_event_code_low_free_space,
			 &ev, sizeof(ev));
}

/* Called with the chunk's bit lock held. */
static int copy_chunk(struct diff_area *da, unsigned long chunk)
{
	unsigned int len = chunk_sectors(da, chunk) << SECTOR_SHIFT;
	unsigned int noio;
	sector_t where;
	bool low_space;
	void *buf;
	int ret;

	/* Sleeps while chunk_maximum_in_flight copies are under way. */
	down(&chunk_buffers);
	noio = memalloc_noio_save();
	if (len <= chunk_pool_size)
		buf = mempool_alloc(chunk_pool, GFP_KERNEL);
	else
		buf = kvmalloc(len, GFP_KERNEL);
	memalloc_noio_restore(noio);
	ret = -ENOMEM;
	if (!buf)
		goto out_up;
	ret = origin_read(da->orig, chunk_start(da, chunk), buf, len);
	if (ret)
		goto out_free;
	ret = diff_storage_alloc(da->storage, len >> SECTOR_SHIFT, &where,
				 &low_space);
	if (low_space)
		send_low_space(da);
	if (ret)
		goto out_free;
	ret = diff_storage_write(da->storage, where, buf, len);
	if (ret)
		goto out_free;
	/* Readers of chunk_offset without the bit lock see it complete. */
	smp_store_release(&da->chunk_offset[chunk], where + 1);
out_free:
	if (len <= chunk_pool_size)
		mempool_free(buf, chunk_pool);
	else
		kvfree(buf);
out_up:
	up(&chunk_buffers);
	return ret;
}

static bool chunk_copied(struct diff_area *da, unsigned long chunk)
{
	/* Pairs with copy_chunk(): a copied chunk's storage data is written. */
	return smp_load_acquire(&da->chunk_offset[chunk]) != 0;
}

static void chunk_lock(struct diff_area *da, unsigned long chunk)
{
	wait_on_bit_lock_io(da->chunk_busy, chunk, TASK_UNINTERRUPTIBLE);
}

static void chunk_unlock(struct diff_area *da, unsigned long chunk)
{
	clear_and_wake_up_bit(chunk, da->chunk_busy);
}

static void cow_chunk(struct diff_area *da, unsigned long chunk)
{
	int ret;

	chunk_lock(da, chunk);
	if (!chunk_copied(da, chunk) && !diff_area_error(da)) {
		ret = copy_chunk(da, chunk);
		if (ret)
			diff_area_fail(da, ret);
	}
	chunk_unlock(da, chunk);
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

static void cow_bio_chunks(struct diff_area *da, struct bio *bio)
{
	unsigned long first, last, i;

	if (!bio_chunks(da, bio, &first, &last))
		return;
	for (i = first; i <= last; i++) {
		if (!chunk_copied(da, i))
			cow_chunk(da, i);
	}
}

bool diff_area_cow_bio(struct diff_area *da, struct bio *bio)
{
	unsigned long first, last, i;

	/* A corrupted snapshot copies nothing more; the origin goes on. */
	if (diff_area_error(da) || !bio_chunks(da, bio, &first, &last))
		return false;
	for (i = first; i <= last; i++) {
		if (!chunk_copied(da, i))
			break;
	}
	if (i > last)
		return false;

	if (bio->bi_opf & REQ_NOWAIT) {
		/* The caller asked not to wait, and this write would. */
		bio_wouldblock_error(bio);
		return true;
	}
	if (current->bio_list) {
		/*
		 * Inside another submit_bio: our origin read would only be
		 * queued behind this very call.  Copy from a worker instead.
		 */
		diff_area_get(da);
		spin_lock(&da->deferred_lock);
		bio_list_add(&da->deferred, bio);
		spin_unlock(&da->deferred_lock);
		queue_work(cow_wq, &da->deferred_work);
		return true;
	}
	cow_bio_chunks(da, bio);
	return false;
}

static void diff_area_deferred_work(struct work_struct *work)
{
	struct diff_area *da = container_of(work, struct diff_area,
					    deferred_work);
	struct bio *bio;

	for (;;) {
		spin_lock(&da->deferred_lock);
		bio = bio_list_pop(&da->deferred);
		spin_unlock(&da->deferred_lock);
		if (!bio)
			break;
		cow_bio_chunks(da, bio);
		filter_resubmit_bio(bio);
		diff_area_put(da);
	}
}

int diff_area_image_read(struct diff_area *da, sector_t sector, void *buf,
			 unsigned int len)
{
	while (len) {
		unsigned long chunk = sector >> da->chunk_shift;
		sector_t end = chunk_start(da, chunk) + chunk_sectors(da, chunk);
		unsigned int n = min_t(sector_t, len, (end - sector) << SECTOR_SHIFT);
		u64 where;
		int ret;

		chunk_lock(da, chunk);
		where = da->chunk_offset[chunk];
		if (diff_area_error(da))
			ret = -EIO;
		else if (where)
			ret = diff_storage_read(da->storage, where - 1 +
						sector - chunk_start(da, chunk),
						buf, n);
		else
			ret = origin_read(da->orig, sector, buf, n);
		chunk_unlock(da, chunk);
		if (ret)
			return ret;
		buf += n;
		len -= n;
		sector += n >> SECTOR_SHIFT;
	}
	return 0;
}

int diff_area_image_write(struct diff_area *da, sector_t sector,
			  const void *buf, unsigned int len)
{
	while (len) {
		unsigned long chunk = sector >> da->chunk_shift;
		sector_t end = chunk_start(da, chunk) + chunk_sectors(da, chunk);
		unsigned int n = min_t(sector_t, len, (end - sector) << SECTOR_SHIFT);
		int ret = 0;

		chunk_lock(da, chunk);
		/* The image's writes land in the storage, never the origin. */
		if (!diff_area_error(da) && !chunk_copied(da, chunk)) {
			ret = copy_chunk(da, chunk);
			if (ret)
				diff_area_fail(da, ret);
		}
		if (diff_area_error(da))
			ret = -EIO;
		else
			ret = diff_storage_write(da->storage,
						 da->chunk_offset[chunk] - 1 +
						 sector - chunk_start(da, chunk),
						 buf, n);
		chunk_unlock(da, chunk);
		if (ret)
			return ret;
		buf += n;
		len -= n;
		sector += n >> SECTOR_SHIFT;
	}
	return 0;
}

static unsigned int choose_chunk_shift(struct block_device *bdev)
{
	unsigned int shift = blksnap_chunk_minimum_shift - SECTOR_SHIFT;

	/* Never below what the device wants written at once. */
	while ((1U << (shift + SECTOR_SHIFT)) < bdev_io_min(bdev))
		shift++;
	return shift;
}

struct diff_area *diff_area_create(struct block_device *orig,
				   struct diff_storage *storage,
				   struct event_queue *events)
{
	struct diff_area *da;

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
	spin_lock_init(&da->deferred_lock);
	bio_list_init(&da->deferred);
	INIT_WORK(&da->deferred_work, diff_area_deferred_work);
	/* Per chunk: 8 bytes of offset and a bit; 32 MiB per TiB at 256 KiB. */
	da->chunk_offset = kvcalloc(da->nr_chunks, sizeof(u64), GFP_KERNEL);
	da->chunk_busy = kvcalloc(BITS_TO_LONGS(da->nr_chunks),
				  sizeof(unsigned long), GFP_KERNEL);
	if (!da->chunk_offset || !da->chunk_busy) {
		kvfree(da->chunk_offset);
		kvfree(da->chunk_busy);
		kfree(da);
		return ERR_PTR(-ENOMEM);
	}
	return da;
}

void diff_area_get(struct diff_area *da)
{
	kref_get(&da->kref);
}

static void diff_area_release(struct kref *kref)
{
	struct diff_area *da = container_of(kref, struct diff_area, kref);

	kvfree(da->chunk_offset);
	kvfree(da->chunk_busy);
	kfree(da);
}

void diff_area_put(struct diff_area *da)
{
	/* diff_area_drain() may be waiting for the count to come down. */
	if (!kref_put(&da->kref, diff_area_release))
		wake_up_var(&da->kref);
}

void diff_area_drain(struct diff_area *da)
{
	flush_work(&da->deferred_work);
	wait_var_event(&da->kref, kref_read(&da->kref) == 1);
}

static void *chunk_buffer_alloc(gfp_t gfp, void *pool_data)
{
	return kvmalloc(chunk_pool_size, gfp);
}

static void chunk_buffer_free(void *buf, void *pool_data)
{
	kvfree(buf);
}

int diff_area_init(void)
{
	sema_init(&chunk_buffers, blksnap_chunk_maximum_in_flight);
	chunk_pool_size = 1U << blksnap_chunk_minimum_shift;
	chunk_pool = mempool_create(CHUNK_BUFFERS_RESERVED, chunk_buffer_alloc,
				    chunk_buffer_free, NULL);
	if (!chunk_pool)
		return -ENOMEM;
	cow_wq = alloc_workqueue("blksnap-cow", WQ_UNBOUND | WQ_MEM_RECLAIM, 0);
	if (!cow_wq) {
		mempool_destroy(chunk_pool);
		return -ENOMEM;
	}
	return 0;
}

void diff_area_done(void)
{
	destroy_workqueue(cow_wq);
	mempool_destroy(chunk_pool);
}
