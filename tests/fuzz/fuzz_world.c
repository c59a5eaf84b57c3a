// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The fuzzer's devices, snapshot ids, files and loop devices.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>
#include <linux/fs.h>
#include <linux/loop.h>
#include "fuzz_world.h"

/* Storage files per directory, storage-0 .. storage-N-1. */
#define STORAGE_FILES	6

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* The device numbered @major:@minor, or NULL.  Under the lock. */
static struct fuzz_dev *find_dev(struct fuzz_world *w, uint32_t major,
				 uint32_t minor)
{
	unsigned int i;

	for (i = 0; i < w->nr_devs; i++) {
		if (w->devs[i].major == major && w->devs[i].minor == minor)
			return &w->devs[i];
	}
	return NULL;
}

/* The entry for @major:@minor, made as @kind if new; NULL when full. */
static struct fuzz_dev *get_dev(struct fuzz_world *w, uint32_t major,
				uint32_t minor, enum dev_kind kind)
{
	struct fuzz_dev *d = find_dev(w, major, minor);

	if (d || w->nr_devs == WORLD_DEVS_MAX)
		return d;
	d = &w->devs[w->nr_devs++];
	memset(d, 0, sizeof(*d));
	d->major = major;
	d->minor = minor;
	d->kind = kind;
	d->loop_nr = -1;
	d->loop_fd = -1;
	return d;
}

static bool attachable(enum dev_kind kind)
{
	return kind == DEV_GIVEN || kind == DEV_LOOP || kind == DEV_IMAGE;
}

/* "MAJ:MIN" of /sys/class/block/@name/dev. */
static int sysfs_devnum(const char *name, uint32_t *major, uint32_t *minor)
{
	char path[PATH_MAX];
	FILE *f;
	int n;

	snprintf(path, sizeof(path), "/sys/class/block/%s/dev", name);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	n = fscanf(f, "%u:%u", major, minor);
	fclose(f);
	return n == 2 ? 0 : -EINVAL;
}

static int scan_devices(struct fuzz_world *w)
{
	struct dirent *de;
	uint32_t major, minor;
	DIR *dir = opendir("/sys/class/block");

	if (!dir) {
		fprintf(stderr, "blksnap-ioctl-fuzz: /sys/class/block: %s\n",
			strerror(errno));
		return -errno;
	}
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.' || sysfs_devnum(de->d_name, &major, &minor))
			continue;
		get_dev(w, major, minor, DEV_OTHER);
	}
	closedir(dir);
	return 0;
}

/* The device at @path, made @kind; NULL with a message if it is none. */
static struct fuzz_dev *path_dev(struct fuzz_world *w, const char *path,
				 enum dev_kind kind)
{
	struct fuzz_dev *d;
	struct stat st;

	if (stat(path, &st) || !S_ISBLK(st.st_mode)) {
		fprintf(stderr, "blksnap-ioctl-fuzz: %s: not a block device\n", path);
		return NULL;
	}
	d = get_dev(w, major(st.st_rdev), minor(st.st_rdev), kind);
	if (d)
		d->kind = kind;
	return d;
}

int world_init(struct fuzz_world *w, const struct world_args *args)
{
	char **dirs = args->dirs;
	unsigned int nr_dirs = args->nr_dirs;
	struct fuzz_dev *d;
	struct stat st;
	char path[PATH_MAX + 32];
	unsigned int i;
	int ret;

	memset(w, 0, sizeof(*w));
	pthread_mutex_init(&w->lock, NULL);
	w->shared_fd = -1;
	for (i = 0; i < nr_dirs && i < WORLD_DIRS_MAX; i++) {
		snprintf(w->dirs[i], sizeof(w->dirs[i]), "%s/blksnap-fuzz.XXXXXX",
			 dirs[i]);
		if (!mkdtemp(w->dirs[i])) {
			fprintf(stderr, "blksnap-ioctl-fuzz: %s: cannot make a directory there: %s\n",
				dirs[i], strerror(errno));
			return -errno;
		}
		w->nr_dirs++;
		/* A symlink (FILE storage opens with O_NOFOLLOW). */
		snprintf(path, sizeof(path), "%s/link", w->dirs[i]);
		if (symlink("storage-0", path))
			return -errno;
	}
	/* Relative storage paths land in the first directory. */
	if (chdir(w->dirs[0]))
		return -errno;
	/* In the last directory: there a take may freeze its filesystem. */
	snprintf(path, sizeof(path), "%s/shared", w->dirs[w->nr_dirs - 1]);
	w->shared_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (w->shared_fd < 0 || ftruncate(w->shared_fd, 4 << 20))
		return -errno;
	ret = scan_devices(w);
	if (ret)
		return ret;
	for (i = 0; i < args->nr_given; i++) {
		if (!path_dev(w, args->given[i], DEV_GIVEN))
			return -EINVAL;
	}
	for (i = 0; i < args->nr_writes; i++) {
		d = path_dev(w, args->writes[i], DEV_GIVEN);
		if (!d)
			return -EINVAL;
		d->writable = true;
	}
	for (i = 0; i < args->nr_storage && i < WORLD_STORAGE_DEVS_MAX; i++) {
		if (stat(args->storage[i], &st) || !S_ISBLK(st.st_mode)) {
			fprintf(stderr, "blksnap-ioctl-fuzz: %s: not a block device\n",
				args->storage[i]);
			return -EINVAL;
		}
		snprintf(w->storage_devs[i], sizeof(w->storage_devs[i]), "%s",
			 args->storage[i]);
		w->nr_storage_devs++;
	}
	return 0;
}

/* Unbinds and removes loop device @d (not locked: it is marked busy). */
static int loop_remove(struct fuzz_dev *d)
{
	char path[64];
	int fd, ctl, ret = 0;

	snprintf(path, sizeof(path), "/dev/loop%d", d->loop_nr);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		/* ENXIO: unbound already (autoclear after the last close). */
		ioctl(fd, LOOP_CLR_FD, 0);
		close(fd);
	}
	ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	if (ctl < 0)
		return -errno;
	if (ioctl(ctl, LOOP_CTL_REMOVE, d->loop_nr) < 0)
		ret = -errno;
	close(ctl);
	return ret;
}

void world_done(struct fuzz_world *w)
{
	char path[PATH_MAX + 32];
	unsigned int i, j;

	for (i = 0; i < w->nr_devs; i++) {
		struct fuzz_dev *d = &w->devs[i];

		if (d->kind != DEV_LOOP)
			continue;
		for (j = 0; j < 50 && loop_remove(d) == -EBUSY; j++)
			sleep_ms(20);
		d->kind = DEV_REMOVED;
	}
	if (w->shared_fd >= 0)
		close(w->shared_fd);
	for (i = 0; i < w->nr_dirs; i++) {
		DIR *dir = opendir(w->dirs[i]);
		struct dirent *de;

		/* Everything in it is its own (storage files, the link). */
		while (dir && (de = readdir(dir))) {
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			snprintf(path, sizeof(path), "%s/%s", w->dirs[i], de->d_name);
			unlink(path);
		}
		if (dir)
			closedir(dir);
		if (rmdir(w->dirs[i]))
			fprintf(stderr, "blksnap-ioctl-fuzz: %s: cannot remove: %s\n",
				w->dirs[i], strerror(errno));
	}
	pthread_mutex_destroy(&w->lock);
}

static void made_up_number(struct fuzz_rng *r, struct blksnap_bdev *b)
{
	static const uint32_t majors[] = { 0, 1, 7, 8, 11, 43, 252, 253, 254,
					   259, 4095, 4096 };
	static const uint32_t minors[] = { 0, 1, 15, 16, 255, 256, 0xfffff,
					   0x100000 };

	b->major = rng_chance(r, 80) ? majors[rng_below(r, 12)] : rng_edge32(r);
	b->minor = rng_chance(r, 50) ? minors[rng_below(r, 8)] :
		   rng_chance(r, 50) ? (uint32_t)rng_below(r, 64) : rng_edge32(r);
}

void world_pick_target(struct fuzz_world *w, struct fuzz_rng *r,
		       struct fuzz_target *t)
{
	/* Attachable, other, removed, made up. */
	static const unsigned int weights[] = { 64, 12, 8, 16 };
	unsigned int want = rng_weighted(r, weights, 4), i, n = 0;
	struct fuzz_dev *d, *pick = NULL;

	memset(t, 0, sizeof(*t));
	pthread_mutex_lock(&w->lock);
	if (want < 3) {
		/* Reservoir sampling over the devices of that kind. */
		for (i = 0; i < w->nr_devs; i++) {
			d = &w->devs[i];
			if (want == 0 ? !attachable(d->kind) || d->busy :
			    want == 1 ? d->kind != DEV_OTHER : d->kind != DEV_REMOVED)
				continue;
			if (!rng_below(r, ++n))
				pick = d;
		}
	}
	if (pick) {
		t->bdev.major = pick->major;
		t->bdev.minor = pick->minor;
	} else {
		made_up_number(r, &t->bdev);
		pick = find_dev(w, t->bdev.major, t->bdev.minor);
	}
	if (pick) {
		t->attachable = attachable(pick->kind) && !pick->busy;
		t->block_count = pick->block_count;
		t->capacity_sect = pick->capacity_sect;
		t->stable = pick->kind == DEV_GIVEN;
	}
	pthread_mutex_unlock(&w->lock);
}

void world_attached(struct fuzz_world *w, const struct blksnap_bdev *bdev)
{
	struct fuzz_dev *d;

	pthread_mutex_lock(&w->lock);
	d = get_dev(w, bdev->major, bdev->minor, DEV_OTHER);
	if (d)
		d->ever_attached = true;
	pthread_mutex_unlock(&w->lock);
}

void world_cbtinfo(struct fuzz_world *w, const struct blksnap_bdev *bdev,
		   uint32_t block_count, uint64_t capacity_bytes)
{
	struct fuzz_dev *d;

	pthread_mutex_lock(&w->lock);
	d = find_dev(w, bdev->major, bdev->minor);
	if (d) {
		d->block_count = block_count;
		d->capacity_sect = capacity_bytes >> 9;
	}
	pthread_mutex_unlock(&w->lock);
}

void world_image(struct fuzz_world *w, uint32_t major, uint32_t minor)
{
	struct fuzz_dev *d;

	pthread_mutex_lock(&w->lock);
	d = get_dev(w, major, minor, DEV_IMAGE);
	/* A number seen before (a removed image's, reused) is an image now. */
	if (d && d->kind != DEV_LOOP && d->kind != DEV_GIVEN) {
		d->kind = DEV_IMAGE;
		d->writable = true;
	}
	pthread_mutex_unlock(&w->lock);
}

void world_pick_id(struct fuzz_world *w, struct fuzz_rng *r,
		   struct blksnap_uuid *id)
{
	/* Live, destroyed, live with a bit flipped, zero, ones, random. */
	static const unsigned int weights[] = { 70, 12, 5, 4, 3, 6 };
	unsigned int want = rng_weighted(r, weights, 6);

	pthread_mutex_lock(&w->lock);
	if (want == 1 && !w->nr_gone)
		want = 0;
	if ((want == 0 || want == 2) && !w->nr_live)
		want = 5;
	switch (want) {
	case 0:
	case 2:
		*id = w->live[rng_below(r, w->nr_live)];
		if (want == 2)
			id->b[rng_below(r, 16)] ^= (uint8_t)(1U << rng_below(r, 8));
		break;
	case 1:
		*id = w->gone[rng_below(r, w->nr_gone)];
		break;
	case 3:
		memset(id, 0, sizeof(*id));
		break;
	case 4:
		memset(id, 0xff, sizeof(*id));
		break;
	default:
		rng_fill(r, id, sizeof(*id));
		break;
	}
	pthread_mutex_unlock(&w->lock);
}

bool world_room_for_snapshot(struct fuzz_world *w)
{
	bool room;

	pthread_mutex_lock(&w->lock);
	room = w->nr_live < WORLD_SNAPSHOTS_MAX;
	pthread_mutex_unlock(&w->lock);
	return room;
}

void world_created(struct fuzz_world *w, const struct blksnap_uuid *id)
{
	pthread_mutex_lock(&w->lock);
	/* More than the room only if threads raced past the check. */
	if (w->nr_live < WORLD_SNAPSHOTS_MAX)
		w->live[w->nr_live++] = *id;
	pthread_mutex_unlock(&w->lock);
}

void world_destroyed(struct fuzz_world *w, const struct blksnap_uuid *id)
{
	unsigned int i;

	pthread_mutex_lock(&w->lock);
	for (i = 0; i < w->nr_live; i++) {
		if (!memcmp(&w->live[i], id, sizeof(*id))) {
			w->live[i] = w->live[--w->nr_live];
			break;
		}
	}
	w->gone[w->gone_next] = *id;
	w->gone_next = (w->gone_next + 1) % WORLD_GONE_MAX;
	if (w->nr_gone < WORLD_GONE_MAX)
		w->nr_gone++;
	pthread_mutex_unlock(&w->lock);
}

/* One of its loop devices' paths into @buf; false if it has none. */
static bool loop_path(struct fuzz_world *w, struct fuzz_rng *r, char *buf)
{
	unsigned int i, n = 0;
	int nr = -1;

	for (i = 0; i < w->nr_devs; i++) {
		if (w->devs[i].kind == DEV_LOOP && !w->devs[i].busy &&
		    !rng_below(r, ++n))
			nr = w->devs[i].loop_nr;
	}
	if (nr < 0)
		return false;
	snprintf(buf, PATH_MAX, "/dev/loop%d", nr);
	return true;
}

void world_storage_path(struct fuzz_world *w, struct fuzz_rng *r,
			unsigned int kind, char *buf)
{
	const char *dir;
	unsigned int pick = (unsigned int)rng_below(r, 100);

	pthread_mutex_lock(&w->lock);
	dir = w->dirs[rng_below(r, w->nr_dirs)];
	/* Mostly what the kind wants; sometimes what another kind wants. */
	if (pick >= 75)
		kind = (unsigned int)rng_below(r, 3);
	if (pick >= 90) {
		static const char *const odd[] = {
			"", "/dev/null", "storage-rel", "missing/storage", ".", "..",
		};

		switch (rng_below(r, 4)) {
		case 0:
			snprintf(buf, PATH_MAX, "%s", odd[rng_below(r, 6)]);
			break;
		case 1:
			snprintf(buf, PATH_MAX, "%s/link", dir);
			break;
		case 2:
			snprintf(buf, PATH_MAX, "%s/missing/storage", dir);
			break;
		default:
			/* A name longer than NAME_MAX. */
			snprintf(buf, PATH_MAX, "%s/%0300d", dir, 7);
			break;
		}
	} else if (kind == BLKSNAP_STORAGE_FILE) {
		snprintf(buf, PATH_MAX, "%s/storage-%u", dir,
			 (unsigned int)rng_below(r, STORAGE_FILES));
	} else if (kind == BLKSNAP_STORAGE_DIR) {
		snprintf(buf, PATH_MAX, "%s", dir);
	} else if (w->nr_storage_devs && rng_chance(r, 30)) {
		snprintf(buf, PATH_MAX, "%s",
			 w->storage_devs[rng_below(r, w->nr_storage_devs)]);
	} else if (!loop_path(w, r, buf)) {
		snprintf(buf, PATH_MAX, "%s/storage-0", dir);
	}
	pthread_mutex_unlock(&w->lock);
}

/* A backing file of @bytes in the first directory, already unlinked. */
static int backing_file(struct fuzz_world *w, uint64_t bytes)
{
	char path[PATH_MAX + 32];
	int fd;

	snprintf(path, sizeof(path), "%s/loop.XXXXXX", w->dirs[0]);
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	unlink(path);
	if (ftruncate(fd, (off_t)bytes)) {
		close(fd);
		return -errno;
	}
	return fd;
}

int world_loop_add(struct fuzz_world *w, struct fuzz_rng *r)
{
	struct loop_config cfg;
	unsigned int i, loops = 0;
	uint32_t major, minor;
	struct fuzz_dev *d;
	char path[64], name[32];
	int ctl, nr, fd, file, ret = 0;
	uint64_t bytes;

	pthread_mutex_lock(&w->lock);
	for (i = 0; i < w->nr_devs; i++)
		loops += w->devs[i].kind == DEV_LOOP;
	pthread_mutex_unlock(&w->lock);
	if (loops >= WORLD_LOOPS_MAX)
		return -ENOSPC;
	/* 1-64 MiB, sometimes not a whole number of sectors, or empty. */
	bytes = (rng_range(r, 1, 64) << 20) + (rng_chance(r, 10) ? rng_below(r, 512) : 0);
	if (rng_chance(r, 3))
		bytes = 0;
	ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	if (ctl < 0)
		return -errno;
	nr = ioctl(ctl, LOOP_CTL_GET_FREE);
	close(ctl);
	if (nr < 0)
		return -errno;
	snprintf(path, sizeof(path), "/dev/loop%d", nr);
	snprintf(name, sizeof(name), "loop%d", nr);
	/* devtmpfs makes the node as the device is added; wait a little. */
	for (i = 0; (fd = open(path, O_RDWR | O_CLOEXEC)) < 0 && i < 50; i++)
		sleep_ms(10);
	if (fd < 0)
		return -errno;
	file = backing_file(w, bytes);
	if (file < 0) {
		close(fd);
		return file;
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.fd = (uint32_t)file;
	/* Some with 4 KiB logical blocks. */
	cfg.block_size = rng_chance(r, 15) ? 4096 : 512;
	if (ioctl(fd, LOOP_CONFIGURE, &cfg) < 0)
		ret = -errno;
	close(file);
	close(fd);
	if (!ret)
		ret = sysfs_devnum(name, &major, &minor);
	pthread_mutex_lock(&w->lock);
	if (ret) {
		w->loop_failures++;
	} else {
		d = get_dev(w, major, minor, DEV_LOOP);
		if (d) {
			d->kind = DEV_LOOP;
			d->writable = true;
			d->loop_nr = nr;
			d->block_count = 0;
			d->capacity_sect = bytes >> 9;
			w->loops_made++;
		}
	}
	pthread_mutex_unlock(&w->lock);
	return ret;
}

int world_loop_remove(struct fuzz_world *w, struct fuzz_rng *r)
{
	struct fuzz_dev *d = NULL;
	unsigned int i, n = 0;
	int ret;

	pthread_mutex_lock(&w->lock);
	for (i = 0; i < w->nr_devs; i++) {
		if (w->devs[i].kind == DEV_LOOP && !w->devs[i].busy &&
		    !rng_below(r, ++n))
			d = &w->devs[i];
	}
	if (d)
		d->busy = true;
	pthread_mutex_unlock(&w->lock);
	if (!d)
		return -ENOENT;
	ret = loop_remove(d);
	pthread_mutex_lock(&w->lock);
	d->busy = false;
	if (!ret) {
		d->kind = DEV_REMOVED;
		d->writable = false;
		w->loops_removed++;
	} else {
		w->loop_failures++;
	}
	pthread_mutex_unlock(&w->lock);
	return ret;
}

int world_write(struct fuzz_world *w, struct fuzz_rng *r, const void *buf,
		size_t len)
{
	struct fuzz_dev *d = NULL;
	uint32_t major = 0, minor = 0;
	unsigned int i, n = 0;
	char node[PATH_MAX + 32];
	uint64_t size = 0;
	off_t at;
	int fd, ret = 0;

	pthread_mutex_lock(&w->lock);
	for (i = 0; i < w->nr_devs; i++) {
		if (w->devs[i].writable && !w->devs[i].busy && !rng_below(r, ++n))
			d = &w->devs[i];
	}
	if (d) {
		major = d->major;
		minor = d->minor;
	}
	pthread_mutex_unlock(&w->lock);
	if (!d)
		return -ENOENT;
	/*
	 * Through a node of its own: an image's or a loop's node in /dev may
	 * be missing or name another device by now.
	 */
	snprintf(node, sizeof(node), "%s/dev-%u-%u.XXXXXX", w->dirs[0], major, minor);
	fd = mkstemp(node);
	if (fd < 0)
		return -errno;
	close(fd);
	unlink(node);
	if (mknod(node, S_IFBLK | 0600, makedev(major, minor)))
		return -errno;
	fd = open(node, O_WRONLY | O_DIRECT | O_CLOEXEC);
	unlink(node);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, BLKGETSIZE64, &size) < 0) {
		ret = -errno;
	} else if (size < 4096) {
		ret = -ENOSPC;
	} else {
		/* In 4 KiB blocks: any device's logical block divides them. */
		len = len / 4096 * 4096;
		if (len > size)
			len = size / 4096 * 4096;
		at = (off_t)(rng_below(r, (size - len) / 4096 + 1) * 4096);
		if (pwrite(fd, buf, len, at) < 0)
			ret = -errno;
	}
	close(fd);
	return ret;
}

/* Number of snapshots, and their ids into @ids (room for @room). */
static int collect(int ctl_fd, struct blksnap_uuid *ids, unsigned int room)
{
	struct blksnap_snapshot_collect arg = {
		.count = room,
		.ids = (uintptr_t)ids,
	};

	if (ioctl(ctl_fd, IOCTL_BLKSNAP_SNAPSHOT_COLLECT, &arg) < 0 &&
	    errno != ENODATA)
		return -errno;
	return (int)arg.count;
}

static int detach(int ctl_fd, const struct fuzz_dev *d)
{
	struct blksnap_filter_detach arg = {
		.bdev = { .major = d->major, .minor = d->minor },
		.name = BLKSNAP_FILTER_NAME,
	};

	return ioctl(ctl_fd, IOCTL_BLKSNAP_FILTER_DETACH, &arg) < 0 ? -errno : 0;
}

int world_release(struct fuzz_world *w, int ctl_fd)
{
	struct blksnap_uuid ids[64];
	unsigned int round, i;
	int n, ret, left = 0;

	for (round = 0; round < 50; round++) {
		bool busy = false;

		n = collect(ctl_fd, ids, 64);
		for (i = 0; n > 0 && i < (unsigned int)n && i < 64; i++) {
			ret = ioctl(ctl_fd, IOCTL_BLKSNAP_SNAPSHOT_DESTROY, &ids[i]) < 0 ? -errno : 0;
			busy |= ret == -EBUSY;
		}
		for (i = 0; i < w->nr_devs; i++) {
			struct fuzz_dev *d = &w->devs[i];

			if (d->kind == DEV_OTHER && !d->ever_attached)
				continue;
			busy |= detach(ctl_fd, d) == -EBUSY;
		}
		if (!busy && collect(ctl_fd, NULL, 0) == 0)
			break;
		sleep_ms(20);
	}
	n = collect(ctl_fd, ids, 64);
	if (n) {
		fprintf(stderr, "blksnap-ioctl-fuzz: %d snapshots left after the run\n", n);
		left += n > 0 ? n : 1;
	}
	for (i = 0; i < w->nr_devs; i++) {
		struct fuzz_dev *d = &w->devs[i];

		if (d->kind == DEV_OTHER && !d->ever_attached)
			continue;
		ret = detach(ctl_fd, d);
		/* ENOENT: no filter; ENXIO, ENODEV: no device and no filter. */
		if (ret && ret != -ENOENT && ret != -ENXIO && ret != -ENODEV) {
			fprintf(stderr, "blksnap-ioctl-fuzz: %u:%u: filter left after the run: %s\n",
				d->major, d->minor, strerror(-ret));
			left++;
		} else if (!ret && !d->ever_attached) {
			fprintf(stderr, "blksnap-ioctl-fuzz: %u:%u: a filter it never attached was detached at exit\n",
				d->major, d->minor);
			left++;
		}
	}
	return left;
}

int world_check_clean(struct fuzz_world *w, int ctl_fd)
{
	struct blksnap_cbtinfo info;
	struct blksnap_filter_ctl arg;
	unsigned int i;
	int n, found = 0;

	n = collect(ctl_fd, NULL, 0);
	if (n < 0) {
		fprintf(stderr, "blksnap-ioctl-fuzz: SNAPSHOT_COLLECT: %s; run as root\n",
			strerror(-n));
		return 1;
	}
	if (n) {
		fprintf(stderr, "blksnap-ioctl-fuzz: %d snapshots exist already; the fuzzer destroys every snapshot at exit, so it runs only where there are none\n",
			n);
		found++;
	}
	for (i = 0; i < w->nr_devs; i++) {
		memset(&arg, 0, sizeof(arg));
		arg.bdev.major = w->devs[i].major;
		arg.bdev.minor = w->devs[i].minor;
		strcpy((char *)arg.name, BLKSNAP_FILTER_NAME);
		arg.cmd = BLKFILTER_CTL_BLKSNAP_CBTINFO;
		arg.optlen = sizeof(info);
		arg.opt = (uintptr_t)&info;
		if (!ioctl(ctl_fd, IOCTL_BLKSNAP_FILTER_CTL, &arg)) {
			fprintf(stderr, "blksnap-ioctl-fuzz: %u:%u has a filter attached; the fuzzer detaches filters, so it runs only where none is attached\n",
				arg.bdev.major, arg.bdev.minor);
			found++;
		}
	}
	return found;
}
