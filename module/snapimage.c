// SPDX-License-Identifier: GPL-2.0
#define pr_fmt(fmt) KBUILD_MODNAME "-snapimage: " fmt
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/sizes.h>
#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/highmem.h>
#include <linux/mutex.h>
#include <linux/workqueue.h>
#include "compat/disk.h"
#include "diff_area.h"
#include "snapimage.h"

/*
 * Workers per image.  Each serves queued bios one at a time with its own
 * chunk buffer; several let a backup's parallel reads overlap their waits
 * on the origin and the storage.  Memory: this many chunks per image.
 */
#define SNAPIMAGE_WORKERS	4
#define SNAPIMAGE_BUF_MIN	SZ_1M

struct snapimage_worker {
	struct work_struct work;
	struct snapimage *img;
	/* One chunk, used by this worker only. */
	void *buf;
};

struct snapimage {
	struct gendisk *disk;
	struct diff_area *da;
	/* Protects open_count and dying: destroy must not race an open. */
	struct mutex open_lock;
	unsigned int open_count;
	bool dying;
	/* Bios waiting for a worker, and the next worker to kick: queue_lock. */
	spinlock_t queue_lock;
	struct bio_list queue;
	unsigned int next_worker;
	unsigned int buf_size;
	struct snapimage_worker workers[SNAPIMAGE_WORKERS];
};

static struct workqueue_struct *image_wq;

static int snapimage_get_open(struct gendisk *disk)
{
	struct snapimage *img = disk->private_data;
	int ret = 0;

	mutex_lock(&img->open_lock);
	if (img->dying)
		ret = -ENODEV;
	else
		img->open_count++;
	mutex_unlock(&img->open_lock);
	return ret;
}

static void snapimage_put_open(struct gendisk *disk)
{
	struct snapimage *img = disk->private_data;

	mutex_lock(&img->open_lock);
	img->open_count--;
	mutex_unlock(&img->open_lock);
}

COMPAT_BDOPS_OPEN_RELEASE(snapimage, snapimage_get_open, snapimage_put_open)

static void snapimage_submit_bio(struct bio *bio)
{
	struct snapimage *img = bio->bi_bdev->bd_disk->private_data;
	struct snapimage_worker *w;

	spin_lock(&img->queue_lock);
	bio_list_add(&img->queue, bio);
	w = &img->workers[img->next_worker++ % SNAPIMAGE_WORKERS];
	spin_unlock(&img->queue_lock);
	/*
	 * Whichever worker runs next serves the queue until it is empty; a
	 * worker that is running already is queued to run once more.
	 */
	queue_work(image_wq, &w->work);
}

static const struct block_device_operations snapimage_fops = {
	.owner = THIS_MODULE,
	.open = snapimage_open,
	.release = snapimage_release,
	.submit_bio = snapimage_submit_bio,
};

/* Copies @len bytes between @buf and the bio's data at @iter, advancing it. */
static void copy_bio_data(struct bio *bio, struct bvec_iter *iter, void *buf,
			  unsigned int len, bool to_bio)
{
	while (len) {
		struct bio_vec bv = bio_iter_iovec(bio, *iter);
		unsigned int n = min(len, bv.bv_len);
		void *p = bvec_kmap_local(&bv);

		if (to_bio)
			memcpy(p, buf, n);
		else
			memcpy(buf, p, n);
		kunmap_local(p);
		buf += n;
		len -= n;
		bio_advance_iter_single(bio, iter, n);
	}
}

static int snapimage_rw(struct snapimage *img, void *buf, struct bio *bio,
			bool write)
{
	struct bvec_iter iter = bio->bi_iter;
	sector_t sector = iter.bi_sector;
	unsigned int left = iter.bi_size;
	int ret;

	while (left) {
		unsigned int n = min(left, img->buf_size);

		if (write) {
			copy_bio_data(bio, &iter, buf, n, false);
			ret = diff_area_image_write(img->da, sector, buf, n);
		} else {
			ret = diff_area_image_read(img->da, sector, buf, n);
			if (!ret)
				copy_bio_data(bio, &iter, buf, n, true);
		}
		if (ret)
			return ret;
		sector += n >> SECTOR_SHIFT;
		left -= n;
	}
	return 0;
}

static void snapimage_work(struct work_struct *work)
{
	struct snapimage_worker *w = container_of(work, struct snapimage_worker,
						  work);
	struct snapimage *img = w->img;
	struct bio *bio;
	int ret;

	for (;;) {
		spin_lock(&img->queue_lock);
		bio = bio_list_pop(&img->queue);
		spin_unlock(&img->queue_lock);
		if (!bio)
			break;
		switch (bio_op(bio)) {
		case REQ_OP_READ:
			ret = snapimage_rw(img, w->buf, bio, false);
			break;
		case REQ_OP_WRITE:
			ret = snapimage_rw(img, w->buf, bio, true);
			break;
		case REQ_OP_FLUSH:
			/* The image does not outlive the snapshot: nothing to keep. */
			ret = 0;
			break;
		default:
			ret = -EOPNOTSUPP;
			break;
		}
		bio->bi_status = errno_to_blk_status(ret);
		bio_endio(bio);
	}
}

static void free_worker_bufs(struct snapimage *img)
{
	unsigned int i;

	/* kvfree(NULL) is fine: the buffers not allocated yet are NULL. */
	for (i = 0; i < SNAPIMAGE_WORKERS; i++)
		kvfree(img->workers[i].buf);
}

struct snapimage *snapimage_create(struct diff_area *da)
{
	struct snapimage *img;
	unsigned int i;
	struct gendisk *disk;
	int ret;

	img = kzalloc(sizeof(*img), GFP_KERNEL);
	if (!img)
		return ERR_PTR(-ENOMEM);
	mutex_init(&img->open_lock);
	spin_lock_init(&img->queue_lock);
	bio_list_init(&img->queue);
	/*
	 * 1 MiB, so that a backup's large reads of untouched chunks reach
	 * the origin as reads of that size; not a chunk, which grows with
	 * the device (reads and writes take part of a chunk as well).
	 */
	img->buf_size = SNAPIMAGE_BUF_MIN;
	for (i = 0; i < SNAPIMAGE_WORKERS; i++) {
		struct snapimage_worker *w = &img->workers[i];

		INIT_WORK(&w->work, snapimage_work);
		w->img = img;
		w->buf = kvmalloc(img->buf_size, GFP_KERNEL);
		ret = -ENOMEM;
		if (!w->buf)
			goto err_free_bufs;
	}

	disk = compat_alloc_disk(bdev_logical_block_size(da->orig),
				 img->buf_size >> SECTOR_SHIFT);
	if (IS_ERR(disk)) {
		ret = PTR_ERR(disk);
		goto err_free_bufs;
	}
	disk->fops = &snapimage_fops;
	disk->private_data = img;
	disk->flags |= GENHD_FL_NO_PART;
	snprintf(disk->disk_name, DISK_NAME_LEN, "blksnap-%pg", da->orig);
	set_capacity(disk, da->capacity);
	img->disk = disk;
	img->da = da;
	diff_area_get(da);

	/* Major 0: the block layer picks a dynamic device number. */
	ret = add_disk(disk);
	if (ret)
		goto err_put_disk;
	pr_info("%s shows %pg as of the snapshot\n", disk->disk_name, da->orig);
	return img;

err_put_disk:
	diff_area_put(da);
	put_disk(disk);
err_free_bufs:
	free_worker_bufs(img);
	kfree(img);
	return ERR_PTR(ret);
}

int snapimage_destroy(struct snapimage *img)
{
	unsigned int i;

	mutex_lock(&img->open_lock);
	if (img->open_count) {
		mutex_unlock(&img->open_lock);
		return -EBUSY;
	}
	img->dying = true;
	mutex_unlock(&img->open_lock);

	del_gendisk(img->disk);
	/* Bios queued before the disk went are served, then no more come. */
	for (i = 0; i < SNAPIMAGE_WORKERS; i++)
		flush_work(&img->workers[i].work);
	put_disk(img->disk);
	diff_area_put(img->da);
	free_worker_bufs(img);
	kfree(img);
	return 0;
}

dev_t snapimage_dev(struct snapimage *img)
{
	return disk_devt(img->disk);
}

const char *snapimage_name(struct snapimage *img)
{
	return img->disk->disk_name;
}

int snapimage_init(void)
{
	image_wq = alloc_workqueue("blksnap-image", WQ_UNBOUND | WQ_MEM_RECLAIM, 0);
	return image_wq ? 0 : -ENOMEM;
}

void snapimage_done(void)
{
	destroy_workqueue(image_wq);
}
