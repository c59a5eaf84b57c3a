// SPDX-License-Identifier: GPL-2.0
#define pr_fmt(fmt) KBUILD_MODNAME "-diff_storage: " fmt
#include <linux/slab.h>
#include <linux/fs.h>
#include <linux/pagemap.h>
#include <linux/file.h>
#include <linux/falloc.h>
#include <linux/blkdev.h>
#include <linux/sched/mm.h>
#include <linux/bvec.h>
#include <linux/vmalloc.h>
#include <linux/mm.h>
#include <linux/uio.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/module.h>
#include <linux/blksnap.h>
#include <linux/bio.h>
#include <linux/highmem.h>
#include <linux/mount.h>
#include <linux/dcache.h>
#include <linux/path.h>
#include <linux/workqueue.h>
#include <linux/jiffies.h>
#include "compat/write.h"
#include "params.h"
#include "diff_storage.h"

/*
 * The bios of storages on a snapshotted filesystem: their own set, so that
 * a store always gets one (GFP_NOIO waits for one to come back) without
 * taking from what the filesystems above need.
 */
static struct bio_set storage_bioset;
#define STORAGE_BIOS_RESERVED	16

/*
 * Growth on a snapshotted filesystem (diff_storage.h): allocations in the
 * storing workers, which the origin's writeback waits on, may wait for
 * it, so it has a rescuer too.
 */
static struct workqueue_struct *grow_wq;

/*
 * Most files and runs one storage on a snapshotted filesystem may have:
 * 256 pointers, and 16 bytes per run (1 MiB at most), allocated as it
 * grows.  A growth beyond them is refused.
 */
#define STORAGE_FILES_MAX	256
#define STORAGE_RUNS_MAX	65536

/*
 * How long an allocation on the snapshotted filesystem waits for a growth
 * in flight before it gives up (-ENOSPC, the snapshot fails): the growth
 * writes that filesystem's metadata, whose copies may need the chunk
 * memory that the waiting storers hold.  The wait ends either way.
 */
#define GROW_WAIT_MAX		(10 * HZ)
/* A growth that found the filesystem frozen is tried again after this. */
#define GROW_FROZEN_RETRY	HZ

static void diff_storage_grow_work(struct work_struct *work);

/* Storages of live snapshots, to refuse one inode to a second snapshot. */
static LIST_HEAD(storages_in_use);
static DEFINE_MUTEX(storages_in_use_lock);

/* Claims @ds's inode for its snapshot; -EBUSY if another one has it. */
static int claim_storage(struct diff_storage *ds)
{
	struct inode *inode = file_inode(ds->file);
	struct diff_storage *other;
	int ret = 0;

	mutex_lock(&storages_in_use_lock);
	list_for_each_entry(other, &storages_in_use, in_use_link) {
		struct inode *in_use = file_inode(other->file);

		/* A device is one storage whichever node opened it. */
		if (in_use == inode ||
		    (S_ISBLK(inode->i_mode) && S_ISBLK(in_use->i_mode) &&
		     inode->i_rdev == in_use->i_rdev)) {
			ret = -EBUSY;
			break;
		}
	}
	if (!ret)
		list_add_tail(&ds->in_use_link, &storages_in_use);
	mutex_unlock(&storages_in_use_lock);
	return ret;
}

static void release_storage(struct diff_storage *ds)
{
	mutex_lock(&storages_in_use_lock);
	list_del(&ds->in_use_link);
	mutex_unlock(&storages_in_use_lock);
}

bool diff_storage_on_bdev(struct block_device *bdev, struct diff_storage *except)
{
	struct diff_storage *ds;
	bool found = false;

	mutex_lock(&storages_in_use_lock);
	list_for_each_entry(ds, &storages_in_use, in_use_link) {
		if (ds == except || !ds->dev)
			continue;
		if (ds->dev == bdev->bd_dev || ds->whole_dev == bdev->bd_dev ||
		    (bdev_is_partition(bdev) &&
		     ds->dev == bdev_whole(bdev)->bd_dev)) {
			found = true;
			break;
		}
	}
	mutex_unlock(&storages_in_use_lock);
	return found;
}

static int open_storage_file(const char *path, unsigned int kind,
			     struct file **pfile)
{
	struct file *file;
	int flags = O_RDWR | O_LARGEFILE;

	switch (kind) {
	case BLKSNAP_STORAGE_FILE:
		flags |= O_CREAT | O_NOFOLLOW;
		break;
	case BLKSNAP_STORAGE_DIR:
		/*
		 * Anonymous: released with the last reference to the file.
		 * O_EXCL: never linked into a name, not even through
		 * /proc/PID/fd, so only this module ever has it open.
		 */
		flags |= O_TMPFILE | O_EXCL;
		break;
	case BLKSNAP_STORAGE_BDEV:
		/* Exclusive: no one mounts or writes the device meanwhile. */
		flags |= O_EXCL;
		break;
	default:
		return -EINVAL;
	}
	file = filp_open(path, flags | O_DIRECT, 0600);
	/* Without direct I/O (tmpfs), through the page cache. */
	if (IS_ERR(file) && PTR_ERR(file) == -EINVAL)
		file = filp_open(path, flags, 0600);
	if (IS_ERR(file))
		return PTR_ERR(file);
	*pfile = file;
	return 0;
}

/*
 * The logical block size of what the storage's direct I/O goes to, in
 * sectors: a device's own, a filesystem's device (whose blocks are at
 * least that), or a page where neither is known (a network filesystem).
 */
static unsigned int direct_io_align(struct file *file)
{
	struct inode *inode = file_inode(file);

	if (S_ISBLK(inode->i_mode))
		return bdev_logical_block_size(I_BDEV(file->f_mapping->host)) >>
		       SECTOR_SHIFT;
	if (inode->i_sb->s_bdev)
		return bdev_logical_block_size(inode->i_sb->s_bdev) >>
		       SECTOR_SHIFT;
	return PAGE_SIZE >> SECTOR_SHIFT;
}

static void set_devices(struct diff_storage *ds, struct block_device *bdev)
{
	ds->dev = bdev->bd_dev;
	ds->whole_dev = bdev_whole(bdev)->bd_dev;
}

int diff_storage_open(const char *path, unsigned int kind, sector_t limit,
		      struct diff_storage **pds)
{
	struct diff_storage *ds;
	struct inode *inode;
	int ret;

	ds = kzalloc(sizeof(*ds), GFP_KERNEL);
	if (!ds)
		return -ENOMEM;
	kref_init(&ds->ref);
	mutex_init(&ds->lock);
	mutex_init(&ds->rmw_lock);
	INIT_WORK(&ds->grow_work, diff_storage_grow_work);
	init_waitqueue_head(&ds->grow_wait);
	ret = open_storage_file(path, kind, &ds->file);
	if (ret)
		goto err_free;
	ds->direct = ds->file->f_flags & O_DIRECT;
	ds->align = ds->direct ? direct_io_align(ds->file) : 1;
	inode = file_inode(ds->file);
	/* A chunk's last page is all a short chunk's rounded write has. */
	ret = -EINVAL;
	if (ds->align > PAGE_SIZE >> SECTOR_SHIFT) {
		pr_err("%s: logical blocks of %u bytes, larger than a page: not supported as difference storage\n",
		       path, ds->align << SECTOR_SHIFT);
		goto err_close;
	}
	ret = -EINVAL;
	if (kind == BLKSNAP_STORAGE_BDEV) {
		if (!S_ISBLK(inode->i_mode))
			goto err_close;
		set_devices(ds, I_BDEV(ds->file->f_mapping->host));
		/* All of it is there from the start, but no more than the limit. */
		ds->capacity = i_size_read(ds->file->f_mapping->host) >> SECTOR_SHIFT;
		if (limit)
			ds->capacity = min(limit, ds->capacity);
		ds->limit = ds->capacity;
	} else {
		if (!S_ISREG(inode->i_mode) || !limit)
			goto err_close;
		if (inode->i_sb->s_bdev)
			set_devices(ds, inode->i_sb->s_bdev);
		ds->growable = true;
		ds->anonymous = kind == BLKSNAP_STORAGE_DIR;
		ds->limit = limit;
		ds->requested_limit = limit;
		/*
		 * The directory the file was made in, for the files growth
		 * makes there: the one this file hangs from, whatever the
		 * path names by then.
		 */
		if (ds->anonymous) {
			ds->dir.mnt = mntget(ds->file->f_path.mnt);
			ds->dir.dentry = dget_parent(ds->file->f_path.dentry);
		}
	}
	/* Before the truncate below: never another snapshot's file. */
	ret = claim_storage(ds);
	if (ret)
		goto err_close;
	if (ds->growable) {
		/* Start afresh: an existing file's old contents mean nothing. */
		ret = vfs_truncate(&ds->file->f_path, 0);
		if (ret)
			goto err_release;
	}
	*pds = ds;
	return 0;

err_release:
	release_storage(ds);
err_close:
	if (ds->dir.dentry)
		path_put(&ds->dir);
	fput(ds->file);
err_free:
	kfree(ds);
	return ret;
}

/*
 * Whether someone froze @sb (or is freezing it): a hint read without a
 * lock, for work that would otherwise sleep until the thaw.
 */
static bool fs_frozen(const struct super_block *sb)
{
	return READ_ONCE(sb->s_writers.frozen) != SB_UNFROZEN;
}

struct files_drop {
	struct work_struct work;
	unsigned int nr;
	struct file *files[];
};

static void files_drop_work(struct work_struct *work)
{
	struct files_drop *d = container_of(work, struct files_drop, work);
	unsigned int i;

	for (i = 0; i < d->nr; i++)
		fput(d->files[i]);
	kfree(d);
}

/*
 * Drops the caller's references to @nr anonymous files of one filesystem.
 * The last one evicts an unlinked file before the caller returns to
 * userspace (a umount right after destroy then finds the mount free),
 * but that waits as long as the filesystem stays frozen: on a frozen one
 * a worker drops them, and from a kernel thread fput() leaves the
 * eviction to delayed_fput, so destroy returns during a freeze and
 * grow_wq is not held up either.  Without memory for the work, inline.
 */
static void drop_files(struct file **files, unsigned int nr)
{
	struct files_drop *d;
	unsigned int i;

	if (!nr)
		return;
	d = NULL;
	if (fs_frozen(file_inode(files[0])->i_sb))
		d = kmalloc(struct_size(d, files, nr), GFP_KERNEL);
	if (!d) {
		for (i = 0; i < nr; i++)
			fput(files[i]);
		return;
	}
	d->nr = nr;
	memcpy(d->files, files, nr * sizeof(*files));
	INIT_WORK(&d->work, files_drop_work);
	queue_work(grow_wq, &d->work);
}

static int storage_bio_zero(struct diff_storage *ds, sector_t sector,
			    sector_t count);
static int storage_bio_rw(struct diff_storage *ds, sector_t sector,
			  struct bio_vec *bvec, unsigned int nr, bool write);

void diff_storage_unmap(struct diff_storage *ds)
{
	sector_t left;
	unsigned int i;

	if (!ds->bdev)
		return;
	/* No file comes or goes from here on. */
	diff_storage_stop_growth(ds);
	/*
	 * The image showed the storage as zeros, and change tracking never
	 * marked our writes: zeros where copies went make the device say the
	 * same to the next snapshot, and leave no copied data behind.  The
	 * rest of the first file was zeroed when it was mapped; the rest of
	 * the files growth made keeps what it held, and change tracking has
	 * all of them marked since they came.
	 */
	for (i = 0; ds->zero_at_close && i <= ds->run && i < ds->nr_runs; i++) {
		left = i < ds->run ? ds->runs[i].count : ds->run_used;
		if (left && storage_bio_zero(ds, ds->runs[i].sector, left))
			pr_warn("%pg: sectors %llu+%llu of the storage not zeroed\n",
				ds->bdev, (u64)ds->runs[i].sector, (u64)left);
	}
	storage_map_unpin(ds->file);
	/* Anonymous: each is gone with its last reference, its blocks free. */
	for (i = 0; i < ds->nr_files; i++)
		storage_map_unpin(ds->files[i]);
	drop_files(ds->files, ds->nr_files);
	ds->nr_files = 0;
	kvfree(ds->runs);
	ds->runs = NULL;
	ds->nr_runs = 0;
	ds->bdev = NULL;
	ds->align = ds->direct ? direct_io_align(ds->file) : 1;
	/* A failed add: the storage as it was opened, for the next try. */
	if (!ds->zero_at_close) {
		ds->growable = true;
		ds->capacity = 0;
		ds->mapped = 0;
		ds->limit = ds->requested_limit;
		ds->run = 0;
		ds->run_used = 0;
		ds->grow_failed = false;
		ds->grow_frozen = false;
		ds->grow_stopped = false;
		WRITE_ONCE(ds->used, 0);
	}
}

static void diff_storage_release(struct kref *ref)
{
	struct diff_storage *ds = container_of(ref, struct diff_storage, ref);

	if (ds->dir.dentry)
		path_put(&ds->dir);
	if (ds->anonymous)
		drop_files(&ds->file, 1);
	else
		fput(ds->file);
	kfree(ds->files);
	kfree(ds);
}

/*
 * A growth worker may outlive the snapshot (it sleeps on a frozen
 * filesystem, which destroy must not wait for): the last of the two
 * frees the storage.
 */
static void diff_storage_put(struct diff_storage *ds)
{
	kref_put(&ds->ref, diff_storage_release);
}

void diff_storage_close(struct diff_storage *ds)
{
	diff_storage_unmap(ds);
	release_storage(ds);
	diff_storage_put(ds);
}

/*
 * Of the runs, keeps only the whole chunks of @chunk sectors, in place;
 * returns how many runs are left and *@capacity, their sectors.
 */
static unsigned int trim_to_chunks(struct storage_extent *runs,
				   unsigned int nr, sector_t chunk,
				   sector_t *capacity)
{
	unsigned int i, n = 0;

	*capacity = 0;
	for (i = 0; i < nr; i++) {
		sector_t start = round_up(runs[i].sector, chunk);
		sector_t end = round_down(runs[i].sector + runs[i].count, chunk);

		if (end <= start)
			continue;
		runs[n].sector = start;
		runs[n].count = end - start;
		*capacity += end - start;
		n++;
	}
	return n;
}

/*
 * What the storage may still reach: its runs and the limit not yet
 * mapped, unless growth failed or stopped.  Under ds->lock.
 */
static sector_t mapped_limit(struct diff_storage *ds)
{
	if (ds->grow_failed || ds->grow_stopped)
		return ds->capacity;
	return ds->capacity + ds->requested_limit - ds->mapped;
}

/*
 * The next growth, in sectors of file: a step, or what is left of the
 * limit; 0 when that is less than a chunk.  Under ds->lock.
 */
static sector_t grow_size(struct diff_storage *ds)
{
	sector_t left = ds->requested_limit - ds->mapped;
	sector_t size;

	if (ds->nr_files >= STORAGE_FILES_MAX)
		return 0;
	/* Larger steps when the files would run out before the limit. */
	size = max_t(sector_t, blksnap_diff_storage_minimum,
		     div_u64(left, STORAGE_FILES_MAX - ds->nr_files));
	size = min(size, left);

	size = round_down(size, PAGE_SIZE >> SECTOR_SHIFT);
	return size < (1ULL << ds->chunk_shift) ? 0 : size;
}

/*
 * The room under which a growth starts: half a step, and at least twice
 * what all chunks in flight hold (sectors).  A growth writes filesystem
 * metadata, whose copies need chunk memory; if the room ran out first,
 * the storers would hold all of that memory while they wait for it, and
 * the growth would wait for them (until GROW_WAIT_MAX fails the
 * snapshot).  The margin lets the chunks in flight be stored meanwhile.
 */
static sector_t grow_mark(void)
{
	sector_t in_flight = (sector_t)blksnap_chunk_maximum_in_flight <<
			     (blksnap_chunk_minimum_shift - SECTOR_SHIFT);

	return max_t(sector_t, blksnap_diff_storage_minimum / 2, 2 * in_flight);
}

/*
 * Queues a growth if the room left fell under grow_mark() and the limit
 * allows more.  Under ds->lock.
 */
static void maybe_grow(struct diff_storage *ds)
{
	if (!ds->grown || ds->growing || ds->grow_failed || ds->grow_stopped ||
	    ds->capacity - ds->used >= grow_mark() || !grow_size(ds))
		return;
	/* Found frozen: not again before GROW_FROZEN_RETRY. */
	if (ds->grow_frozen && time_before(jiffies, ds->grow_retry))
		return;
	WRITE_ONCE(ds->growing, true);
	/*
	 * The worker's own references, dropped when it ends: it may outlive
	 * the snapshot asleep on a frozen filesystem, and an unload must
	 * then be refused, not wait for the thaw.
	 */
	kref_get(&ds->ref);
	__module_get(THIS_MODULE);
	if (!queue_work(grow_wq, &ds->grow_work)) {
		kref_put(&ds->ref, diff_storage_release);
		module_put(THIS_MODULE);
	}
}

/*
 * Makes one more anonymous file next to the first, preallocates, maps and
 * pins @size sectors of it.  0 with *@pfile and its runs, in file order.
 */
static int grow_file(struct diff_storage *ds, struct block_device *bdev,
		     sector_t size, struct file **pfile,
		     struct storage_extent **runs, unsigned int *nr)
{
	struct file *file;
	struct super_block *sb = ds->dir.dentry->d_sb;
	int ret;

	/*
	 * Frozen by someone: fallocate would wait for the thaw, and the
	 * storers that wait for us would give up first.  Racy: a freeze
	 * after the check only makes this worker wait for the thaw.
	 */
	if (fs_frozen(sb))
		return -EBUSY;
	/* O_EXCL: never linked, as the first (open_storage_file()). */
	file = file_open_root(&ds->dir, ".",
			      O_RDWR | O_LARGEFILE | O_TMPFILE | O_EXCL, 0600);
	if (IS_ERR(file))
		return PTR_ERR(file);
	if (file_inode(file)->i_sb->s_bdev != bdev) {
		fput(file);
		return -EXDEV;
	}
	ret = storage_map_pin(file, (loff_t)size << SECTOR_SHIFT, runs, nr);
	if (ret) {
		fput(file);
		return ret;
	}
	*pfile = file;
	return 0;
}

/*
 * The growth worker.  In the order that keeps the image right: the new
 * file's runs are trimmed to whole chunks, the snapshot keeps of them
 * the chunks that may hold copies (and marks them: the image reads
 * zeros or their own copies there from now on, change tracking counts
 * them changed), and only those are added where alloc hands out chunks.
 * Nothing after the callback can fail.  The file stays pinned, and counts
 * against the limit, even if little of it could be kept: its blocks are
 * then the ones that must stay as they are.
 *
 * The filesystem part sleeps as long as someone keeps the filesystem
 * frozen, and destroy must not wait for that: the worker holds its own
 * reference on the storage, and stop only waits for a claim under way
 * (no I/O), which starts only while growth is not stopped.  A worker
 * that finds growth stopped after the filesystem part drops its file.
 */
static void diff_storage_grow_work(struct work_struct *work)
{
	struct diff_storage *ds = container_of(work, struct diff_storage,
					       grow_work);
	struct storage_extent *runs = NULL, *kept = NULL, *all = NULL;
	struct storage_extent *old = NULL;
	struct block_device *bdev;
	struct file *file = NULL;
	unsigned int nr = 0, nr_all, max = 0, n = 0, i, noio;
	sector_t size, trimmed = 0, added = 0;
	int ret = 0;

	mutex_lock(&ds->lock);
	size = ds->grow_stopped ? 0 : grow_size(ds);
	bdev = ds->bdev;
	nr_all = ds->nr_runs;
	if (size && ds->nr_files == STORAGE_FILES_MAX) {
		pr_warn("%pg: difference storage not grown: it has %u files, the most it may\n",
			bdev, ds->nr_files + 1);
		ret = -EMFILE;
	} else if (size && nr_all >= STORAGE_RUNS_MAX) {
		pr_warn("%pg: difference storage not grown: it has %u runs, the most it may\n",
			bdev, nr_all);
		ret = -E2BIG;
	}
	mutex_unlock(&ds->lock);
	if (!size || ret)
		goto out;
	/*
	 * As the storers: reclaim here must not write to the origin, whose
	 * writes may wait on chunks that wait for this growth.
	 */
	noio = memalloc_noio_save();
	ret = grow_file(ds, bdev, size, &file, &runs, &nr);
	if (ret == -EBUSY)
		pr_warn_ratelimited("%pg: difference storage not grown: the filesystem is frozen; tried again in a second\n",
				    bdev);
	else if (ret)
		pr_warn("%pg: difference storage not grown by %llu sectors: %d; what it has is all it gets\n",
			bdev, (u64)size, ret);
	if (!ret) {
		nr = trim_to_chunks(runs, nr, 1ULL << ds->chunk_shift, &trimmed);
		/* At most one run per chunk, and what the cap leaves. */
		max = min_t(sector_t, trimmed >> ds->chunk_shift,
			    STORAGE_RUNS_MAX - nr_all);
		kept = kvmalloc_array(max ?: 1, sizeof(*kept), GFP_KERNEL);
		all = kvmalloc_array(nr_all + max, sizeof(*all), GFP_KERNEL);
		if (!kept || !all)
			ret = -ENOMEM;
	}
	mutex_lock(&ds->lock);
	if (ds->grow_stopped)
		ret = -ESHUTDOWN;
	else if (!ret)
		WRITE_ONCE(ds->claiming, true);
	mutex_unlock(&ds->lock);
	/* None of them is handed out yet: alloc does not know them. */
	if (!ret && max)
		n = ds->grown(ds->grown_arg, runs, nr, kept, max);
	memalloc_noio_restore(noio);
out:
	for (i = 0; i < n; i++)
		added += kept[i].count;
	mutex_lock(&ds->lock);
	if (size && !ret) {
		/*
		 * Only this worker changes the runs after the take, and
		 * unmap waits for the claim: the file is unmap's from here.
		 */
		memcpy(all, ds->runs, nr_all * sizeof(*all));
		memcpy(all + nr_all, kept, n * sizeof(*all));
		old = ds->runs;
		ds->runs = all;
		ds->nr_runs = nr_all + n;
		ds->files[ds->nr_files++] = file;
		ds->mapped += size;
		ds->capacity += added;
		ds->grow_frozen = false;
		pr_info("%pg: difference storage grown: inode %llu, %llu of %llu sectors usable in %u runs; %llu of %llu sectors mapped\n",
			bdev, (u64)file_inode(file)->i_ino, (u64)added,
			(u64)trimmed, n, (u64)ds->mapped, (u64)ds->requested_limit);
		file = NULL;
		all = NULL;
	} else if (ret == -EBUSY) {
		/* Frozen: alloc_mapped() waits for the retry. */
		ds->grow_frozen = true;
		ds->grow_retry = jiffies + GROW_FROZEN_RETRY;
	} else if (size && ret != -ESHUTDOWN) {
		ds->grow_failed = true;
	}
	if (!ds->grow_stopped)
		WRITE_ONCE(ds->limit, mapped_limit(ds));
	WRITE_ONCE(ds->claiming, false);
	WRITE_ONCE(ds->growing, false);
	mutex_unlock(&ds->lock);
	wake_up_all(&ds->grow_wait);
	kvfree(old);
	kvfree(all);
	kvfree(kept);
	kvfree(runs);
	if (file) {
		storage_map_unpin(file);
		fput(file);
	}
	diff_storage_put(ds);
	/* Module exit destroys grow_wq, which waits for this to return. */
	module_put(THIS_MODULE);
}

void diff_storage_stop_growth(struct diff_storage *ds)
{
	mutex_lock(&ds->lock);
	ds->grow_stopped = true;
	mutex_unlock(&ds->lock);
	/*
	 * Not for the worker: it may sleep on a frozen filesystem.  A claim
	 * under way ends soon (no I/O); none starts after this.
	 */
	wait_event(ds->grow_wait, !READ_ONCE(ds->claiming));
	mutex_lock(&ds->lock);
	WRITE_ONCE(ds->growing, false);
	if (ds->bdev)
		WRITE_ONCE(ds->limit, mapped_limit(ds));
	mutex_unlock(&ds->lock);
	wake_up_all(&ds->grow_wait);
}

int diff_storage_map_on(struct diff_storage *ds, struct block_device *bdev)
{
	struct inode *inode = file_inode(ds->file);
	loff_t size;
	int ret;

	if (!ds->anonymous || inode->i_sb->s_bdev != bdev)
		return -ELOOP;
	/*
	 * Frozen by someone: fallocate would wait for the thaw, in a sleep
	 * no signal ends.  Racy, so only the common case is spared.
	 */
	if (fs_frozen(inode->i_sb))
		return -EBUSY;
	mutex_lock(&ds->lock);
	/* Room for the files growth makes, allocated once (2 KiB). */
	if (!ds->files)
		ds->files = kcalloc(STORAGE_FILES_MAX, sizeof(*ds->files),
				    GFP_KERNEL);
	if (ds->bdev) {
		ret = 0;
	} else if (ds->capacity) {
		ret = -EBUSY;
	} else if (!ds->files) {
		ret = -ENOMEM;
	} else {
		/* One step now; the rest, if any, as the copies need it. */
		size = min_t(sector_t, ds->limit, blksnap_diff_storage_minimum);
		size = round_down(size << SECTOR_SHIFT, PAGE_SIZE);
		ret = storage_map_pin(ds->file, size, &ds->runs, &ds->nr_runs);
		if (!ret) {
			unsigned int i;

			ds->bdev = bdev;
			/* The file's extents are in filesystem blocks: aligned. */
			ds->align = bdev_logical_block_size(bdev) >> SECTOR_SHIFT;
			ds->growable = false;
			ds->mapped = size >> SECTOR_SHIFT;
			ds->capacity = 0;
			for (i = 0; i < ds->nr_runs; i++)
				ds->capacity += ds->runs[i].count;
			WRITE_ONCE(ds->limit, mapped_limit(ds));
			/* The inode for tests that try to change it by handle. */
			pr_info("%pg: difference storage on it: inode %llu generation %u, %llu sectors in %u extents\n",
				bdev, (u64)inode->i_ino, inode->i_generation,
				(u64)ds->capacity, ds->nr_runs);
		}
	}
	mutex_unlock(&ds->lock);
	return ret;
}

void diff_storage_taken(struct diff_storage *ds,
			unsigned int (*grown)(void *arg,
					      const struct storage_extent *runs,
					      unsigned int nr,
					      struct storage_extent *kept,
					      unsigned int max),
			void *arg)
{
	if (!ds->bdev)
		return;
	mutex_lock(&ds->lock);
	ds->zero_at_close = true;
	WRITE_ONCE(ds->grown, grown);
	ds->grown_arg = arg;
	/* A first step under the mark grows at once. */
	maybe_grow(ds);
	mutex_unlock(&ds->lock);
	/* Copies that ran out before this wait for it (alloc_mapped()). */
	wake_up_all(&ds->grow_wait);
}

/* Whether @len bytes at @off of the pages (@off, @len page multiples) are zero. */
static bool pages_zero(struct page **pages, unsigned int off, unsigned int len)
{
	unsigned int i;

	for (i = off / PAGE_SIZE; i < (off + len) / PAGE_SIZE; i++) {
		void *p = kmap_local_page(pages[i]);
		bool zero = !memchr_inv(p, 0, PAGE_SIZE);

		kunmap_local(p);
		if (!zero)
			return false;
	}
	return true;
}

/* Blocks of NONZERO_BLOCK bytes are checked for data at once. */
#define NONZERO_BLOCK	(64 * 1024)
#define NONZERO_READ	(1024 * 1024)

int diff_storage_zero_data(struct diff_storage *ds,
			   void (*found)(void *arg, sector_t sector,
					 sector_t count),
			   void *arg)
{
	unsigned int nr = NONZERO_READ / PAGE_SIZE, i;
	struct bio_vec *bvec;
	struct page **pages;
	int ret = 0;

	if (!ds->bdev)
		return 0;
	bvec = kcalloc(nr, sizeof(*bvec), GFP_KERNEL);
	pages = kcalloc(nr, sizeof(*pages), GFP_KERNEL);
	if (!bvec || !pages) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < nr; i++) {
		pages[i] = alloc_page(GFP_KERNEL);
		if (!pages[i]) {
			ret = -ENOMEM;
			goto out;
		}
	}
	for (i = 0; !ret && i < ds->nr_runs; i++) {
		sector_t sector = ds->runs[i].sector;
		sector_t end = sector + ds->runs[i].count;

		while (!ret && sector < end) {
			sector_t n = min_t(sector_t, end - sector,
					   NONZERO_READ >> SECTOR_SHIFT);
			unsigned int len = n << SECTOR_SHIFT, off, j;

			for (j = 0; j < DIV_ROUND_UP(len, PAGE_SIZE); j++)
				bvec_set_page(&bvec[j], pages[j],
					      min_t(unsigned int, PAGE_SIZE,
						    len - j * PAGE_SIZE), 0);
			ret = storage_bio_rw(ds, sector, bvec, j, false);
			for (off = 0; !ret && off < len; off += NONZERO_BLOCK) {
				unsigned int blen = min_t(unsigned int, NONZERO_BLOCK,
							  len - off);

				if (pages_zero(pages, off, blen))
					continue;
				found(arg, sector + (off >> SECTOR_SHIFT),
				      blen >> SECTOR_SHIFT);
				ret = storage_bio_zero(ds, sector + (off >> SECTOR_SHIFT),
						       blen >> SECTOR_SHIFT);
			}
			sector += n;
			if (!ret && fatal_signal_pending(current))
				ret = -EINTR;
			cond_resched();
		}
	}
out:
	for (i = 0; pages && i < nr && pages[i]; i++)
		__free_page(pages[i]);
	kfree(pages);
	kfree(bvec);
	return ret;
}

unsigned int diff_storage_chunk_runs(struct diff_storage *ds,
				     unsigned int chunk_shift,
				     const struct storage_extent **runs)
{
	unsigned int n;

	if (!ds->bdev)
		return 0;
	mutex_lock(&ds->lock);
	/*
	 * Trimming only shrinks: a second take (after a failed one) may too.
	 * No growth before the take: nothing is allocated until then.
	 */
	n = trim_to_chunks(ds->runs, ds->nr_runs, 1ULL << chunk_shift,
			   &ds->capacity);
	ds->nr_runs = n;
	ds->chunk_shift = chunk_shift;
	WRITE_ONCE(ds->limit, mapped_limit(ds));
	mutex_unlock(&ds->lock);
	*runs = ds->runs;
	return n;
}

/*
 * Called with ds->lock held.  Grows by a whole step when the filesystem
 * has room for it, by less (down to what is needed now) when it has not.
 */
static int diff_storage_grow(struct diff_storage *ds, sector_t need)
{
	sector_t grow = min_t(sector_t, max_t(sector_t, blksnap_diff_storage_minimum, need),
			      ds->limit - ds->capacity);
	int ret;

	if (grow < need)
		return -ENOSPC;
	for (;;) {
		ret = vfs_fallocate(ds->file, 0,
				    (loff_t)ds->capacity << SECTOR_SHIFT,
				    (loff_t)grow << SECTOR_SHIFT);
		/* Without fallocate the file grows as it is written. */
		if (!ret || ret == -EOPNOTSUPP)
			break;
		if (ret != -ENOSPC || grow == need) {
			pr_warn("cannot grow the difference storage by %llu sectors: %d\n",
				(u64)grow, ret);
			return ret;
		}
		grow = max(grow / 2, need);
	}
	ds->capacity += grow;
	ds->low_space_reported = false;
	return 0;
}

void diff_storage_usage(struct diff_storage *ds, sector_t *used,
			sector_t *limit)
{
	/*
	 * Without ds->lock: an allocation holds it across a growth, which
	 * waits as long as the storage's filesystem stays frozen.  used only
	 * grows; limit is set at open, and on the snapshotted filesystem
	 * follows what the storage may still reach.
	 */
	*used = READ_ONCE(ds->used);
	*limit = READ_ONCE(ds->limit);
}

/*
 * On the snapshotted filesystem: the next @count sectors in one run (a
 * chunk never spans two), *@offset a sector of the device.  The rest of a
 * run too short for it is skipped and counted as used.
 */
static int alloc_in_runs(struct diff_storage *ds, sector_t count,
			 sector_t *offset)
{
	while (ds->run < ds->nr_runs) {
		struct storage_extent *r = &ds->runs[ds->run];

		if (r->count - ds->run_used >= count) {
			*offset = r->sector + ds->run_used;
			ds->run_used += count;
			WRITE_ONCE(ds->used, ds->used + count);
			return 0;
		}
		WRITE_ONCE(ds->used, ds->used + r->count - ds->run_used);
		ds->run++;
		ds->run_used = 0;
	}
	return -ENOSPC;
}

/*
 * alloc_in_runs(), and when the runs are used up while a growth is in
 * flight, waits for it: at most GROW_WAIT_MAX in all.  Only our storing
 * and image workers allocate (never the write path); the growth runs in
 * a worker of its own.  Then queues the next growth if the room is low.
 * Under ds->lock, which it drops while it waits.
 */
static int alloc_mapped(struct diff_storage *ds, sector_t count,
			sector_t *offset)
{
	unsigned long deadline = jiffies + GROW_WAIT_MAX;
	bool waited = false;
	int ret;

	for (;;) {
		ret = alloc_in_runs(ds, count, offset);
		if (ret != -ENOSPC)
			break;
		maybe_grow(ds);
		if (time_after_eq(jiffies, deadline))
			break;
		if (ds->growing) {
			mutex_unlock(&ds->lock);
			wait_event_timeout(ds->grow_wait, !READ_ONCE(ds->growing),
					   max_t(long, deadline - jiffies, 1));
		} else if (!ds->grown && !ds->grow_stopped) {
			/* Taken, but diff_storage_taken() is still to come. */
			mutex_unlock(&ds->lock);
			wait_event_timeout(ds->grow_wait, READ_ONCE(ds->grown) ||
					   READ_ONCE(ds->grow_stopped),
					   max_t(long, deadline - jiffies, 1));
		} else if (ds->grow_frozen && !ds->grow_failed &&
			   !ds->grow_stopped) {
			/* Until maybe_grow() tries again (or destroy). */
			unsigned long until = time_before(ds->grow_retry, deadline) ?
					      ds->grow_retry : deadline;

			mutex_unlock(&ds->lock);
			wait_event_timeout(ds->grow_wait, READ_ONCE(ds->grow_stopped),
					   max_t(long, until - jiffies, 1));
		} else {
			break;
		}
		waited = true;
		mutex_lock(&ds->lock);
	}
	if (ret && waited)
		pr_warn("%pg: difference storage full while it grows%s; waited %u ms\n",
			ds->bdev, ds->grow_frozen ? " (its filesystem frozen)" : "",
			jiffies_to_msecs(GROW_WAIT_MAX));
	if (!ret)
		maybe_grow(ds);
	return ret;
}

int diff_storage_alloc(struct diff_storage *ds, sector_t count,
		       sector_t *offset, bool *low_space)
{
	sector_t room;
	int ret = 0;

	*low_space = false;
	mutex_lock(&ds->lock);
	/* So every offset handed out stays aligned for direct I/O. */
	count = round_up(count, ds->align);
	if (ds->bdev) {
		ret = alloc_mapped(ds, count, offset);
		goto out_room;
	}
	if (ds->used + count > ds->capacity) {
		ret = ds->growable ? diff_storage_grow(ds, count) : -ENOSPC;
		if (ret)
			goto out_unlock;
	}
	*offset = ds->used;
	/* Read without the lock by diff_storage_usage(). */
	WRITE_ONCE(ds->used, ds->used + count);
out_room:
	if (ret)
		goto out_unlock;
	room = ds->limit > ds->used ? ds->limit - ds->used : 0;
	if (room < blksnap_diff_storage_minimum / 2 && !ds->low_space_reported) {
		ds->low_space_reported = true;
		*low_space = true;
	}
out_unlock:
	mutex_unlock(&ds->lock);
	return ret;
}

/* Our bios in flight for one call, and their first error. */
struct storage_io {
	atomic_t pending;
	int error;
	struct completion done;
};

static void storage_bio_endio(struct bio *bio)
{
	struct storage_io *io = bio->bi_private;

	if (bio->bi_status)
		cmpxchg(&io->error, 0, blk_status_to_errno(bio->bi_status));
	bio_put(bio);
	if (atomic_dec_and_test(&io->pending))
		complete(&io->done);
}

bool diff_storage_own_bio(struct bio *bio, struct block_device *bdev)
{
	return bio->bi_end_io == storage_bio_endio && bio->bi_bdev == bdev;
}

static void storage_io_init(struct storage_io *io)
{
	/* A bias, so that no bio completes the call before all are sent. */
	atomic_set(&io->pending, 1);
	io->error = 0;
	init_completion(&io->done);
}

static struct bio *storage_bio_alloc(struct diff_storage *ds, unsigned short nr,
				     blk_opf_t opf, sector_t sector,
				     struct storage_io *io)
{
	struct bio *bio = bio_alloc_bioset(ds->bdev, nr, opf, GFP_NOIO,
					   &storage_bioset);

	bio->bi_iter.bi_sector = sector;
	bio->bi_end_io = storage_bio_endio;
	bio->bi_private = io;
	return bio;
}

/*
 * Through submit_bio(), so that the filters see it: the tracker of the
 * storage's device lets it pass by storage_bio_endio() (also what the
 * block layer splits off and sends again), and a whole disk's tracker
 * marks it as the change of its contents that it is.
 */
static void storage_bio_submit(struct bio *bio, struct storage_io *io)
{
	atomic_inc(&io->pending);
	submit_bio(bio);
}

static int storage_io_wait(struct storage_io *io)
{
	if (!atomic_dec_and_test(&io->pending))
		wait_for_completion_io(&io->done);
	return io->error;
}

static int storage_bio_rw(struct diff_storage *ds, sector_t sector,
			  struct bio_vec *bvec, unsigned int nr, bool write)
{
	blk_opf_t opf = write ? REQ_OP_WRITE : REQ_OP_READ;
	struct storage_io io;
	unsigned int i = 0;

	storage_io_init(&io);
	while (i < nr) {
		unsigned short n = min_t(unsigned int, nr - i, BIO_MAX_VECS);
		struct bio *bio = storage_bio_alloc(ds, n, opf, sector, &io);

		for (; n; n--, i++)
			__bio_add_page(bio, bvec[i].bv_page, bvec[i].bv_len,
				       bvec[i].bv_offset);
		sector += bio_sectors(bio);
		storage_bio_submit(bio, &io);
	}
	return storage_io_wait(&io);
}

static int storage_bio_write_zeroes(struct diff_storage *ds, sector_t sector,
				    sector_t count)
{
	/* Whole logical blocks per bio, as many as the device takes at once. */
	sector_t per_bio = min_t(sector_t, bdev_write_zeroes_sectors(ds->bdev),
				 UINT_MAX >> SECTOR_SHIFT) &
			   ~(sector_t)((bdev_logical_block_size(ds->bdev) >> SECTOR_SHIFT) - 1);
	struct storage_io io;

	if (!per_bio)
		return -EOPNOTSUPP;
	storage_io_init(&io);
	while (count) {
		sector_t n = min(count, per_bio);
		struct bio *bio = storage_bio_alloc(ds, 0, REQ_OP_WRITE_ZEROES,
						    sector, &io);

		bio->bi_iter.bi_size = n << SECTOR_SHIFT;
		storage_bio_submit(bio, &io);
		sector += n;
		count -= n;
	}
	return storage_io_wait(&io);
}

/* Writes zeros over @count sectors at @sector of the device. */
static int storage_bio_zero(struct diff_storage *ds, sector_t sector,
			    sector_t count)
{
	sector_t per_bio = (sector_t)BIO_MAX_VECS << (PAGE_SHIFT - SECTOR_SHIFT);
	unsigned int sent = 0;
	struct storage_io io;
	int ret;

	/*
	 * Offloaded where the device can: no data crosses the bus.  A device
	 * that fails it stops offering it (SCSI), and pages follow.
	 */
	if (bdev_write_zeroes_sectors(ds->bdev) &&
	    !storage_bio_write_zeroes(ds, sector, count))
		return 0;
	storage_io_init(&io);
	while (count) {
		sector_t n = min(count, per_bio);
		struct bio *bio = storage_bio_alloc(ds, BIO_MAX_VECS, REQ_OP_WRITE,
						    sector, &io);
		sector_t left = n;

		while (left) {
			unsigned int len = min_t(sector_t, left,
						 PAGE_SIZE >> SECTOR_SHIFT) << SECTOR_SHIFT;

			__bio_add_page(bio, ZERO_PAGE(0), len, 0);
			left -= len >> SECTOR_SHIFT;
		}
		storage_bio_submit(bio, &io);
		sector += n;
		count -= n;
		/* At most 32 MiB in flight: the device may be busy otherwise. */
		if (++sent % 32 == 0) {
			ret = storage_io_wait(&io);
			if (ret)
				return ret;
			storage_io_init(&io);
		}
	}
	return storage_io_wait(&io);
}

/*
 * The callers run in our own workers, which hold nothing of any
 * filesystem; NOIO still, since a reclaim that wrote to the origin could
 * wait on the very chunks a worker is storing.  Direct I/O takes pages
 * (bio_vecs), not kernel addresses, so every buffer becomes a bvec array.
 */
static int storage_rw(struct diff_storage *ds, sector_t offset,
		      struct bio_vec *bvec, unsigned int nr, size_t len,
		      bool write)
{
	unsigned int noio;
	loff_t pos = (loff_t)offset << SECTOR_SHIFT;
	struct iov_iter iter;
	ssize_t ret;

	if (ds->bdev)
		return storage_bio_rw(ds, offset, bvec, nr, write);
	noio = memalloc_noio_save();
	iov_iter_bvec(&iter, write ? ITER_SOURCE : ITER_DEST, bvec, nr, len);
	/* A frozen storage filesystem makes the storers wait until the thaw. */
	if (write)
		ret = compat_vfs_iter_write(ds->file, &iter, &pos);
	else
		ret = vfs_iter_read(ds->file, &iter, &pos, 0);
	memalloc_noio_restore(noio);
	/*
	 * Room on a block device is never handed out past its end: a write
	 * that starts there found the device shrunk, or gone (del_gendisk()
	 * sets its size to 0).  No lack of room, which the snapshot would
	 * report as a full storage; one inside the device (a thin pool out
	 * of space) is.
	 */
	if (ret == -ENOSPC && S_ISBLK(file_inode(ds->file)->i_mode)) {
		loff_t size = i_size_read(ds->file->f_mapping->host);

		if (((loff_t)offset << SECTOR_SHIFT) >= size)
			ret = size ? -EIO : -ENODEV;
	}
	if (ret < 0)
		return ret;
	return ret == len ? 0 : -EIO;
}

int diff_storage_write_pages(struct diff_storage *ds, sector_t offset,
			     struct page **pages, unsigned int len)
{
	unsigned int nr = DIV_ROUND_UP(len, PAGE_SIZE), i;
	struct bio_vec *bvec;
	int ret;

	/*
	 * A short last chunk: the rest of its last page goes too, up to the
	 * storage's block (no larger than a page), into the room the
	 * allocation rounded up to; zeros, not what the page held before.
	 */
	if (len != round_up(len, ds->align << SECTOR_SHIFT)) {
		unsigned int end = round_up(len, ds->align << SECTOR_SHIFT);

		memzero_page(pages[nr - 1], offset_in_page(len),
			     end - len);
		len = end;
	}

	bvec = kmalloc_array(nr, sizeof(*bvec), GFP_NOIO);
	if (!bvec)
		return -ENOMEM;
	for (i = 0; i < nr; i++)
		bvec_set_page(&bvec[i], pages[i],
			      min_t(unsigned int, PAGE_SIZE, len - i * PAGE_SIZE), 0);
	ret = storage_rw(ds, offset, bvec, nr, len, true);
	kfree(bvec);
	return ret;
}

static int storage_rw_linear(struct diff_storage *ds, sector_t offset,
			     void *buf, size_t len, bool write);

/*
 * Image I/O that is not aligned to the storage's blocks: the blocks that
 * hold it, read whole into a bounce buffer (and written back whole).  A
 * write reads and writes back the rest of its blocks, so every image
 * write to this storage holds @rmw_lock: a write to the same block
 * between the two would be undone.
 */
static int storage_rw_bounce(struct diff_storage *ds, sector_t offset,
			     void *buf, size_t len, bool write)
{
	sector_t first = round_down(offset, ds->align);
	sector_t end = round_up(offset + (len >> SECTOR_SHIFT), ds->align);
	size_t size = (end - first) << SECTOR_SHIFT;
	size_t skip = (offset - first) << SECTOR_SHIFT;
	void *bounce;
	int ret;

	bounce = kvmalloc(size, GFP_NOIO);
	if (!bounce)
		return -ENOMEM;
	ret = storage_rw_linear(ds, first, bounce, size, false);
	if (!ret && write) {
		memcpy(bounce + skip, buf, len);
		ret = storage_rw_linear(ds, first, bounce, size, true);
	} else if (!ret) {
		memcpy(buf, bounce + skip, len);
	}
	kvfree(bounce);
	return ret;
}

/* @buf: kmalloc'ed or vmalloc'ed, as the image's buffers are. */
static int storage_rw_buf(struct diff_storage *ds, sector_t offset, void *buf,
			  size_t len, bool write)
{
	/*
	 * The buffer's place in its page too: it is cut at page ends into
	 * pieces, each of which direct I/O wants whole blocks of.
	 */
	bool aligned = !(offset & (ds->align - 1)) &&
		       !((len >> SECTOR_SHIFT) & (ds->align - 1)) &&
		       !(offset_in_page(buf) & ((ds->align << SECTOR_SHIFT) - 1));
	int ret;

	if (ds->align == 1)
		return storage_rw_linear(ds, offset, buf, len, write);
	if (write)
		mutex_lock(&ds->rmw_lock);
	if (aligned)
		ret = storage_rw_linear(ds, offset, buf, len, write);
	else
		ret = storage_rw_bounce(ds, offset, buf, len, write);
	if (write)
		mutex_unlock(&ds->rmw_lock);
	return ret;
}

static int storage_rw_linear(struct diff_storage *ds, sector_t offset,
			     void *buf, size_t len, bool write)
{
	unsigned int nr = DIV_ROUND_UP(offset_in_page(buf) + len, PAGE_SIZE);
	unsigned int i;
	struct bio_vec *bvec;
	size_t left = len;
	int ret;

	bvec = kmalloc_array(nr, sizeof(*bvec), GFP_NOIO);
	if (!bvec)
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		unsigned int n = min_t(size_t, left, PAGE_SIZE - offset_in_page(buf));
		struct page *page = is_vmalloc_addr(buf) ? vmalloc_to_page(buf) :
							   virt_to_page(buf);

		bvec_set_page(&bvec[i], page, n, offset_in_page(buf));
		buf += n;
		left -= n;
	}
	ret = storage_rw(ds, offset, bvec, nr, len, write);
	kfree(bvec);
	return ret;
}

/*
 * Through the page cache (no direct I/O), a failure would only show at
 * writeback, and the chunk would later read back wrong.  Waiting for it
 * makes a failing storage corrupt the snapshot visibly instead.  Only the
 * writeback, not an fsync: the snapshot does not outlive a crash, so a
 * cache flush and a journal commit per batch would buy nothing.
 */
int diff_storage_writeback(struct diff_storage *ds, sector_t offset,
			   sector_t count)
{
	unsigned int noio;
	loff_t pos = (loff_t)offset << SECTOR_SHIFT;
	int ret;

	/* Our bios were waited for already; direct I/O returns when done. */
	if (ds->bdev || ds->direct)
		return 0;
	noio = memalloc_noio_save();
	ret = filemap_write_and_wait_range(ds->file->f_mapping, pos,
					   pos + ((loff_t)count << SECTOR_SHIFT) - 1);
	memalloc_noio_restore(noio);
	return ret;
}

int diff_storage_write(struct diff_storage *ds, sector_t offset,
		       const void *buf, size_t len)
{
	int ret = storage_rw_buf(ds, offset, (void *)buf, len, true);

	return ret ?: diff_storage_writeback(ds, offset, len >> SECTOR_SHIFT);
}

int diff_storage_read(struct diff_storage *ds, sector_t offset, void *buf,
		      size_t len)
{
	return storage_rw_buf(ds, offset, buf, len, false);
}

int diff_storage_init(void)
{
	int ret;

	grow_wq = alloc_workqueue("blksnap-grow", WQ_UNBOUND | WQ_MEM_RECLAIM, 0);
	if (!grow_wq)
		return -ENOMEM;
	ret = bioset_init(&storage_bioset, STORAGE_BIOS_RESERVED, 0,
			  BIOSET_NEED_BVECS);
	if (ret)
		destroy_workqueue(grow_wq);
	return ret;
}

void diff_storage_done(void)
{
	/* Workers and file drops first: none uses the bio_set, but in order. */
	destroy_workqueue(grow_wq);
	bioset_exit(&storage_bioset);
}
