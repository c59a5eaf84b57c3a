// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Restore points: the run (begin, write, commit, abort), then what reads
 * or repairs a chain (list, materialise, verify, recover, retain).  The formats
 * are undo_log.c's and block_sums.c's; restore_point.h says how they fit.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uuid/uuid.h>
#include "bdev_points.h"
#include "block_sums.h"
#include "common/cache_behind.h"
#include "common/io_full.h"
#include "restore_point.h"
#include "take_time.h"
#include "undo_log.h"

#define UNDO_PREFIX	"undo-"

/*
 * Where DEST's points are: the directory beside an image file, or the
 * blksnap area of a block device (bdev_points.h), open while locked.
 */
struct rp_paths {
	char dest[PATH_MAX];
	char dir[PATH_MAX];	/* DEST.blksnap; a device: DEST itself */
	char sums[PATH_MAX];
	char lock[PATH_MAX];
	bool bdev;		/* DEST is a block device */
	struct bdev_points *bp;	/* its area, from lock_dir() to unlock_dir() */
};

static int paths_of(const char *dest, struct rp_paths *p)
{
	struct stat st;

	p->bp = NULL;
	p->bdev = !stat(dest, &st) && S_ISBLK(st.st_mode);
	if (p->bdev) {
		if ((size_t)snprintf(p->dest, sizeof(p->dest), "%s", dest) >=
		    sizeof(p->dest))
			return -ENAMETOOLONG;
		snprintf(p->dir, sizeof(p->dir), "%s", dest);
		snprintf(p->sums, sizeof(p->sums), "the blksnap area of %.*s",
			 PATH_MAX - 32, dest);
		p->lock[0] = '\0';
		return 0;
	}
	if ((size_t)snprintf(p->dest, sizeof(p->dest), "%s", dest) >= sizeof(p->dest) ||
	    (size_t)snprintf(p->dir, sizeof(p->dir), "%s" RP_DIR_SUFFIX, dest) >=
	    sizeof(p->dir) ||
	    (size_t)snprintf(p->sums, sizeof(p->sums), "%s/sums", p->dir) >=
	    sizeof(p->sums) ||
	    (size_t)snprintf(p->lock, sizeof(p->lock), "%s/lock", p->dir) >=
	    sizeof(p->lock))
		return -ENAMETOOLONG;
	return 0;
}

static int undo_path(const struct rp_paths *p, const char *name, char *out)
{
	if ((size_t)snprintf(out, PATH_MAX, "%s/%s", p->dir, name) >= PATH_MAX)
		return -ENAMETOOLONG;
	return 0;
}

/*
 * The lock: exclusive for whoever writes DEST or the directory, shared
 * for readers.  A reader of a medium never written to (no lock file) or
 * mounted read-only goes without: nothing can write there either.
 */
static int lock_dir(struct rp_paths *p, bool exclusive, int *fd)
{
	*fd = -1;
	if (p->bdev) {
		char why[160];

		return bdev_points_open(p->dest, exclusive, &p->bp, why, sizeof(why));
	}
	if (exclusive) {
		*fd = open(p->lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	} else {
		*fd = open(p->lock, O_RDONLY | O_CLOEXEC);
		if (*fd < 0 && (errno == ENOENT || errno == EACCES))
			return 0;
	}
	if (*fd < 0)
		return -errno;
	while (flock(*fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB)) {
		int err = errno == EWOULDBLOCK ? -EBUSY : -errno;

		if (errno == EINTR)
			continue;
		close(*fd);
		*fd = -1;
		return err;
	}
	return 0;
}

static void unlock_dir(struct rp_paths *p, int fd)
{
	if (fd >= 0)
		close(fd);
	bdev_points_close(p->bp);
	p->bp = NULL;
}

/* The take time in undo file name @name; 0 if it has none. */
static int64_t undo_time(const char *name)
{
	int64_t t;

	if (strncmp(name, UNDO_PREFIX, strlen(UNDO_PREFIX)) ||
	    take_time_parse(name + strlen(UNDO_PREFIX), &t))
		return 0;
	return t;
}

/*
 * Undo file @name for reading: @fd (to undo_put()), and the log's place
 * in it.  A device's logs are places in the device.
 */
static int undo_get(const struct rp_paths *p, const char *name, int *fd,
		    uint64_t *base, uint64_t *size, uint64_t *disk_bytes)
{
	char path[PATH_MAX];
	struct stat st;
	int err;

	if (p->bdev) {
		*fd = bdev_points_fd(p->bp);
		err = bdev_points_log(p->bp, undo_time(name), base, size);
		if (disk_bytes)
			*disk_bytes = err ? 0 : *size;
		return err;
	}
	err = undo_path(p, name, path);
	if (err)
		return err;
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		return -errno;
	if (fstat(*fd, &st)) {
		err = -errno;
		close(*fd);
		return err;
	}
	*base = 0;
	*size = st.st_size;
	if (disk_bytes)
		*disk_bytes = (uint64_t)st.st_blocks * 512;
	return 0;
}

static void undo_put(const struct rp_paths *p, int fd)
{
	if (!p->bdev)
		close(fd);
}

/* undo_scan_visit() of undo file @name. */
static int undo_read(const struct rp_paths *p, const char *name,
		     struct undo_scan *s, const struct undo_visit *v,
		     uint64_t *disk_bytes)
{
	uint64_t base = 0, size = 0;
	int fd, err;

	err = undo_get(p, name, &fd, &base, &size, disk_bytes);
	if (err)
		return err;
	err = undo_scan_region(fd, base, size, s, v);
	undo_put(p, fd);
	return err;
}

/* Remove undo file @name, not yet durably for a file (sync_dir()). */
static int undo_remove(const struct rp_paths *p, const char *name)
{
	char path[PATH_MAX];
	int err;

	if (p->bdev)
		return bdev_points_remove(p->bp, undo_time(name));
	err = undo_path(p, name, path);
	if (!err && unlink(path))
		err = -errno;
	return err;
}

/* Make removals durable: a device's header writes are already. */
static int sync_dir(const struct rp_paths *p)
{
	return p->bdev ? 0 : io_fsync_dir(p->dir);
}

static int sums_read(const struct rp_paths *p, struct block_sums *s,
		     char *why, size_t whysize)
{
	if (p->bdev)
		return p->bp ? bdev_points_sums_read(p->bp, s, why, whysize) :
		       -ENOENT;
	return block_sums_read(p->sums, s, why, whysize);
}

/* DEST opened again for the engine: a device's is a dup of the area's. */
static int dest_open(const struct rp_paths *p, int flags)
{
	if (p->bdev)
		return fcntl(bdev_points_fd(p->bp), F_DUPFD_CLOEXEC, 0);
	return open(p->dest, flags | O_CLOEXEC);
}

/* The bytes of DEST an image can be read from. */
static int dest_bytes(const struct rp_paths *p, int fd, uint64_t *size)
{
	struct stat st;

	*size = 0;
	if (p->bdev) {
		*size = bdev_points_room(p->bp);
		return 0;
	}
	if (fstat(fd, &st))
		return -errno;
	*size = st.st_size;
	return 0;
}

/* An undo file in DEST.blksnap, by the take time in its name. */
struct undo_entry {
	char name[NAME_MAX + 1];
	int64_t time;
};

static int newest_first(const void *a, const void *b)
{
	const struct undo_entry *x = a, *y = b;

	return x->time < y->time ? 1 : x->time > y->time ? -1 : 0;
}

/* The undo files, newest first, in a new array.  None if no directory. */
static int list_undo(const struct rp_paths *p, struct undo_entry **out,
		     size_t *count)
{
	struct undo_entry *v = NULL, *tmp;
	size_t n = 0, cap = 0;
	struct dirent *e;
	DIR *d;

	*out = NULL;
	*count = 0;
	if (p->bdev) {
		const struct bdev_area *a = p->bp ? bdev_points_area(p->bp) : NULL;
		char name[TAKE_TIME_LEN];
		size_t i;

		if (!a || !a->nlogs)
			return 0;
		v = calloc(a->nlogs, sizeof(*v));
		if (!v)
			return -ENOMEM;
		for (i = 0; i < a->nlogs; i++) {
			struct undo_entry *e = &v[a->nlogs - 1 - i];

			take_time_format_name(a->log[i].time, name);
			snprintf(e->name, sizeof(e->name), UNDO_PREFIX "%s", name);
			e->time = a->log[i].time;
		}
		*out = v;
		*count = a->nlogs;
		return 0;
	}
	d = opendir(p->dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((errno = 0, e = readdir(d))) {
		int64_t t;

		if (strncmp(e->d_name, UNDO_PREFIX, strlen(UNDO_PREFIX)) ||
		    take_time_parse(e->d_name + strlen(UNDO_PREFIX), &t))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			tmp = realloc(v, cap * sizeof(*v));
			if (!tmp) {
				free(v);
				closedir(d);
				return -ENOMEM;
			}
			v = tmp;
		}
		snprintf(v[n].name, sizeof(v[n].name), "%s", e->d_name);
		v[n++].time = t;
	}
	if (errno) {
		int err = -errno;

		free(v);
		closedir(d);
		return err;
	}
	closedir(d);
	if (n)
		qsort(v, n, sizeof(*v), newest_first);
	*out = v;
	*count = n;
	return 0;
}

/*
 * The chunks of an older point known damaged: named by a lost record,
 * until an older undo file's record puts that point's contents back.
 * Rare, so a short list.
 */
struct suspects {
	uint64_t *v;		/* chunk indexes */
	size_t n, cap;
	uint32_t chunk_size;
};

static int suspects_add(struct suspects *x, uint64_t offset, uint64_t len)
{
	uint64_t i, last = (offset + len - 1) / x->chunk_size;
	size_t k;

	for (i = offset / x->chunk_size; i <= last; i++) {
		for (k = 0; k < x->n && x->v[k] != i; k++)
			;
		if (k < x->n)
			continue;
		if (x->n == x->cap) {
			uint64_t *tmp = realloc(x->v, (x->cap ? 2 * x->cap : 16) *
						sizeof(*tmp));

			if (!tmp)
				return -ENOMEM;
			x->v = tmp;
			x->cap = x->cap ? 2 * x->cap : 16;
		}
		x->v[x->n++] = i;
	}
	return 0;
}

/* A record holds chunk @offset's contents at an older point: good there. */
static void suspects_clear(struct suspects *x, uint64_t offset)
{
	uint64_t i = offset / x->chunk_size;
	size_t k;

	for (k = 0; k < x->n; k++)
		if (x->v[k] == i) {
			x->v[k] = x->v[--x->n];
			return;
		}
}

static uint64_t suspects_first(const struct suspects *x)
{
	uint64_t first = UINT64_MAX;
	size_t k;

	for (k = 0; k < x->n; k++)
		first = x->v[k] < first ? x->v[k] : first;
	return first * x->chunk_size;
}

/* Suspect chunks as the heads of an older undo file go by. */
static int heads_clear(void *arg, uint64_t offset, uint64_t len)
{
	(void)len;
	suspects_clear(arg, offset);
	return 0;
}

static int heads_lost(void *arg, uint64_t offset, uint64_t len)
{
	return suspects_add(arg, offset, len);
}

/*
 * The header (and heads only) of undo file @name; with @lost, its
 * records' places and lost records keep that list of suspect chunks.
 */
static int scan_heads(const struct rp_paths *p, const char *name,
		      struct undo_scan *s, uint64_t *disk_bytes,
		      struct suspects *lost)
{
	const struct undo_visit v = {
		.head = heads_clear, .lost = heads_lost, .arg = lost,
	};

	return undo_read(p, name, s, lost ? &v : &(const struct undo_visit){ 0 },
			 disk_bytes);
}

/*
 * Without a checksum file only a first run can have been under way: a
 * later run's checksum file is only ever replaced, never removed.  An
 * undo file that restores an earlier point then means the checksum file
 * was lost, and rolling back would throw away every point: -EBADMSG.
 */
static int sums_lost(const struct rp_paths *p, const struct undo_entry *v,
		     size_t n, char *why, size_t whysize)
{
	struct undo_scan s;
	size_t i;

	for (i = 0; i < n; i++)
		if (!scan_heads(p, v[i].name, &s, NULL, NULL) && s.h.prev_time) {
			snprintf(why, whysize, "%s is missing, but %s restores an "
				 "earlier point: the medium is damaged; nothing "
				 "was rolled back", p->sums, v[i].name);
			return -EBADMSG;
		}
	return 0;
}

static int apply_to_fd(void *arg, uint64_t offset, const void *data, uint64_t len)
{
	return io_pwrite_full(*(int *)arg, data, len, offset);
}

/*
 * Undo what interrupted run @name did to DEST (@dest_fd): write back the
 * records it holds, cut DEST to its old size, make that durable, and only
 * then remove the undo file.  A crash on the way leaves the undo file, so
 * the next call does it all again (writing old contents twice is no harm).
 */
static int roll_back(const struct rp_paths *p, const char *name, int dest_fd,
		     struct undo_scan *s)
{
	int err;

	err = undo_read(p, name, s, &(const struct undo_visit){
		.data = apply_to_fd, .arg = &dest_fd }, NULL);
	/* A torn header: the run had not written DEST yet (see rp_begin()). */
	if (err && err != -EBADMSG)
		return err;
	if (!err) {
		/* A device keeps its size: the bytes past the image are not read. */
		if (!p->bdev && ftruncate(dest_fd, s->h.old_size))
			return -errno;
		if (fsync(dest_fd))
			return -errno;
	}
	err = undo_remove(p, name);
	return err ? err : sync_dir(p);
}

/* "T" of the latest point for messages; "(none)" before the first. */
static void time_str(int64_t t, char out[TAKE_TIME_LEN])
{
	if (!t || take_time_format(t, out))
		snprintf(out, TAKE_TIME_LEN, "(none)");
}

/* Append to the one line rp_recover() returns, "; " between parts. */
__attribute__((format(printf, 3, 4)))
static void say(char *msg, size_t size, const char *fmt, ...)
{
	size_t len = strlen(msg);
	va_list ap;

	if (len + 2 >= size)
		return;
	if (len)
		len += snprintf(msg + len, size - len, "; ");
	va_start(ap, fmt);
	vsnprintf(msg + len, size - len, fmt, ap);
	va_end(ap);
}

int rp_recover(const char *dest, char *msg, size_t msgsize)
{
	char tmp[PATH_MAX + 8], t1[TAKE_TIME_LEN], t2[TAKE_TIME_LEN], why[160];
	struct rp_paths p;
	struct block_sums sums;
	struct undo_entry *v = NULL;
	struct undo_scan s;
	bool have = false, did = false;
	int64_t latest = 0;
	size_t n = 0, i;
	int lock = -1, dest_fd = -1, err;

	msg[0] = '\0';
	err = paths_of(dest, &p);
	if (err)
		return err;
	if (!p.bdev && access(p.dir, F_OK))
		return errno == ENOENT ? 0 : -errno;
	err = lock_dir(&p, true, &lock);
	if (err)
		return err;
	if (p.bdev && !bdev_points_area(p.bp))
		goto out;	/* never a blksnap backup: nothing to finish */
	err = sums_read(&p, &sums, why, sizeof(why));
	if (!err) {
		have = true;
		latest = sums.take_time;
		block_sums_free(&sums);
	} else if (err == -EBADMSG) {
		/* Without the latest point's time, no run can be told apart. */
		snprintf(msg, msgsize, "%s: checksum file damaged: %s", p.sums, why);
		goto out;
	} else if (err != -ENOENT) {
		goto out;
	}
	err = list_undo(&p, &v, &n);
	if (!err && !have)
		err = sums_lost(&p, v, n, msg, msgsize);
	for (i = 0; !err && i < n; i++) {
		if (have && v[i].time <= latest) {
			/* Committed: only a first run's (no point before it) goes. */
			if (v[i].time == latest && !scan_heads(&p, v[i].name, &s, NULL, NULL) &&
			    !s.h.prev_time && !undo_remove(&p, v[i].name)) {
				sync_dir(&p);
				did = true;
				say(msg, msgsize, "removed the undo file of the "
				    "first run, which has no point before it");
			}
			continue;
		}
		if (dest_fd < 0) {
			dest_fd = dest_open(&p, O_RDWR);
			if (dest_fd < 0 && errno != ENOENT) {
				err = -errno;
				break;
			}
		}
		if (dest_fd < 0) {
			/* DEST was never made: nothing to roll back. */
			err = undo_remove(&p, v[i].name);
			if (!err)
				say(msg, msgsize, "removed the undo file of a run "
				    "interrupted before %s existed", p.dest);
			did = true;
			continue;
		}
		err = roll_back(&p, v[i].name, dest_fd, &s);
		if (err)
			break;
		did = true;
		time_str(v[i].time, t1);
		time_str(latest, t2);
		if (have)
			say(msg, msgsize, "rolled back the interrupted run of %s "
			    "(%llu bytes put back): %s is the point of %s again",
			    t1, (unsigned long long)s.bytes, p.dest, t2);
		else
			say(msg, msgsize, "rolled back the interrupted first run "
			    "of %s: %s holds no restore point yet", t1, p.dest);
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", p.sums);
	if (!err && !p.bdev && !unlink(tmp)) {
		did = true;
		say(msg, msgsize, "removed a half-written checksum file");
	}
	if (!err && did)
		err = 1;
out:
	if (dest_fd >= 0)
		close(dest_fd);
	free(v);
	unlock_dir(&p, lock);
	return err;
}

struct rp_run {
	struct rp_paths p;
	char undo[PATH_MAX];
	int dest_fd;
	int lock_fd;
	struct undo_writer w;
	struct undo_header h;
	struct block_sums old;	/* the latest point's; count 0 if none */
	uint8_t *saved;		/* a bit per chunk: old contents saved */
	/* A bit per chunk: saved, but not what the latest point's checksum says. */
	uint8_t *lost;
	uint64_t lost_bytes;
	/* A bit per chunk: the data to write is what DEST holds already. */
	uint8_t *same;
	uint64_t same_bytes, written_bytes;
	uint64_t nchunks;	/* of the larger of the two sizes */
	unsigned char *buf;	/* one chunk */
	bool unsynced;		/* appended by rp_save(), not yet fsynced */
	struct cache_behind cb;	/* DEST's writes */
	bool punch_unsupported;	/* DEST refused a hole once: write zeros */
	int failed;		/* the first error: only abort is left */
};

static bool is_saved(const struct rp_run *r, uint64_t i)
{
	return r->saved[i / 8] & (1U << (i % 8));
}

static void set_saved(struct rp_run *r, uint64_t i)
{
	r->saved[i / 8] |= 1U << (i % 8);
}

static bool is_same(const struct rp_run *r, uint64_t i)
{
	return r->same[i / 8] & (1U << (i % 8));
}

static void run_free(struct rp_run *r)
{
	undo_close(&r->w);
	if (r->dest_fd >= 0)
		close(r->dest_fd);
	unlock_dir(&r->p, r->lock_fd);
	block_sums_free(&r->old);
	free(r->saved);
	free(r->lost);
	free(r->same);
	free(r->buf);
	free(r);
}

/*
 * Append chunk @i's old contents to the undo file, once per run.  A chunk
 * wholly past the old end has none: the roll-back's truncation undoes it.
 */
static int save_chunk(struct rp_run *r, uint64_t i, bool *appended)
{
	uint64_t start = i * r->h.chunk_size, len;
	int err;

	if (is_saved(r, i))
		return 0;
	if (start < r->h.old_size) {
		len = r->h.old_size - start < r->h.chunk_size ?
		      r->h.old_size - start : r->h.chunk_size;
		err = io_pread_full(r->dest_fd, r->buf, len, start);
		if (!err)
			err = undo_append(&r->w, start, r->buf, len);
		if (err)
			return err;
		*appended = true;
		/*
		 * Damaged on the medium (or written behind the chain's back):
		 * the point before keeps what is saved here, so it is lost.
		 */
		if (i < r->old.count && len == block_sums_chunk_len(&r->old, i) &&
		    block_sum(r->buf, len) != r->old.sum[i]) {
			r->lost[i / 8] |= 1U << (i % 8);
			r->lost_bytes += len;
		}
	}
	set_saved(r, i);
	return 0;
}

/* Open DEST for the run and check it is the image the chain says. */
static int open_dest(struct rp_run *r, bool chain, char *why, size_t whysize)
{
	struct stat st;

	if (r->p.bdev) {
		/* The image is the device's first bytes, as large as the chain says. */
		r->dest_fd = dest_open(&r->p, O_RDWR);
		if (r->dest_fd < 0)
			return -errno;
		r->h.old_size = chain ? r->old.image_size : 0;
		return 0;
	}
	r->dest_fd = open(r->p.dest, O_RDWR | O_CLOEXEC);
	if (r->dest_fd < 0 && errno == ENOENT && !chain) {
		char *parent;
		int err;

		/* A device's data: its owner's alone, whatever the umask. */
		r->dest_fd = open(r->p.dest, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC,
				  0600);
		if (r->dest_fd < 0)
			return -errno;
		if (fchmod(r->dest_fd, 0600))
			return -errno;
		/* The checksum file's rename must not outlast DEST's name. */
		parent = strdup(r->p.dest);
		if (!parent)
			return -ENOMEM;
		err = io_fsync_dir(dirname(parent));
		free(parent);
		if (err)
			return err;
	}
	if (r->dest_fd < 0) {
		int err = -errno;

		if (err == -ENOENT)
			snprintf(why, whysize, "%s is missing, but %s holds its "
				 "restore points", r->p.dest, r->p.dir);
		return err;
	}
	if (fstat(r->dest_fd, &st))
		return -errno;
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, whysize, "%s is not a regular file", r->p.dest);
		return -EINVAL;
	}
	r->h.old_size = st.st_size;
	if (chain && r->h.old_size != r->old.image_size) {
		snprintf(why, whysize, "%s is %llu bytes, its latest point %llu: "
			 "changed by something else", r->p.dest,
			 (unsigned long long)r->h.old_size,
			 (unsigned long long)r->old.image_size);
		return -EBADMSG;
	}
	return 0;
}

/* Make DEST.blksnap (0700), durably, if it is not there. */
static int make_dir(const struct rp_paths *p)
{
	char *parent;
	int err;

	if (mkdir(p->dir, 0700)) {
		if (errno != EEXIST)
			return -errno;
		return 0;
	}
	if (chmod(p->dir, 0700))
		return -errno;
	parent = strdup(p->dir);
	if (!parent)
		return -ENOMEM;
	err = io_fsync_dir(dirname(parent));
	free(parent);
	return err;
}

int rp_dir(const char *dest, bool make, char dir[PATH_MAX])
{
	struct rp_paths p;
	int err = paths_of(dest, &p);

	/* A device has no directory beside it. */
	if (!err && p.bdev)
		err = -ENOTDIR;
	if (!err && make)
		err = make_dir(&p);
	if (!err)
		memcpy(dir, p.dir, PATH_MAX);
	return err;
}

int rp_begin(const char *dest, int64_t take_time, uint64_t image_size,
	     uint32_t chunk_size, struct rp_run **run, char *why, size_t whysize)
{
	return rp_begin_sized(dest, take_time, image_size, chunk_size, UINT64_MAX,
			      run, why, whysize);
}

/*
 * The most a run's undo log can take when it writes @expect bytes (whole
 * chunks) of an image of @old_size: each chunk's old contents once, a
 * head each, the lost records and the end.
 */
static uint64_t undo_bound(uint64_t expect, uint64_t old_size, uint32_t chunk)
{
	uint64_t data = expect < old_size ? expect : old_size;
	uint64_t chunks = data / chunk + 1;

	if (expect == UINT64_MAX)
		return UINT64_MAX;
	return UNDO_HEADER_SIZE + data + 2 * chunks * UNDO_RECORD_HEAD +
	       UNDO_RECORD_HEAD;
}

int rp_begin_sized(const char *dest, int64_t take_time, uint64_t image_size,
		   uint32_t chunk_size, uint64_t expect, struct rp_run **run,
		   char *why, size_t whysize)
{
	char name[TAKE_TIME_LEN], file[sizeof(UNDO_PREFIX) + TAKE_TIME_LEN];
	struct undo_entry *v = NULL;
	struct rp_run *r;
	bool chain = false, appended = false;
	size_t n = 0, i;
	uint64_t first;
	int err;

	*run = NULL;
	why[0] = '\0';
	if (take_time <= 0 || !chunk_size || chunk_size > UNDO_RECORD_MAX ||
	    image_size > INT64_MAX || take_time_format_name(take_time, name))
		return -EINVAL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->dest_fd = r->lock_fd = r->w.fd = -1;
	err = paths_of(dest, &r->p);
	if (!err && !r->p.bdev)
		err = make_dir(&r->p);
	if (!err)
		err = lock_dir(&r->p, true, &r->lock_fd);
	if (err)
		goto fail;
	err = sums_read(&r->p, &r->old, why, whysize);
	if (!err)
		chain = true;
	else if (err != -ENOENT)
		goto fail;
	err = list_undo(&r->p, &v, &n);
	if (!err && !chain)
		err = sums_lost(&r->p, v, n, why, whysize);
	if (err)
		goto fail;
	for (i = 0; i < n; i++)
		if (!chain || v[i].time > r->old.take_time) {
			snprintf(why, whysize, "an interrupted run (%s) is not "
				 "rolled back yet", v[i].name);
			err = -EUCLEAN;
			goto fail;
		}
	if (chain && take_time <= r->old.take_time) {
		snprintf(why, whysize, "the latest point is not older than this run");
		err = -EEXIST;
		goto fail;
	}
	r->h.chunk_size = chain ? r->old.chunk_size : chunk_size;
	r->h.take_time = take_time;
	r->h.prev_time = chain ? r->old.take_time : 0;
	r->h.new_size = image_size;
	err = open_dest(r, chain, why, whysize);
	if (err)
		goto fail;
	cache_behind_init(&r->cb, r->dest_fd);
	r->nchunks = block_sums_count(image_size > r->h.old_size ? image_size :
				      r->h.old_size, r->h.chunk_size);
	r->saved = calloc(r->nchunks / 8 + 1, 1);
	r->lost = calloc(r->nchunks / 8 + 1, 1);
	r->same = calloc(r->nchunks / 8 + 1, 1);
	r->buf = malloc(r->h.chunk_size);
	if (!r->saved || !r->lost || !r->same || !r->buf) {
		err = -ENOMEM;
		goto fail;
	}
	snprintf(file, sizeof(file), UNDO_PREFIX "%s", name);
	err = undo_path(&r->p, file, r->undo);
	if (!err && r->p.bdev)
		err = bdev_points_begin(r->p.bp, &r->h,
					undo_bound(expect, r->h.old_size,
						   r->h.chunk_size),
					&r->w, why, whysize);
	else if (!err)
		err = undo_create(r->undo, &r->h, &r->w);
	/* The name must last before DEST changes, or recovery cannot find it. */
	if (!err)
		err = sync_dir(&r->p);
	if (err)
		goto fail_undo;
	/* A smaller image: keep the tail it cuts off before cutting it. */
	for (first = image_size / r->h.chunk_size;
	     !err && image_size < r->h.old_size && first < r->nchunks; first++)
		err = save_chunk(r, first, &appended);
	if (!err && appended)
		err = undo_sync(&r->w);
	if (!err && !r->p.bdev && image_size != r->h.old_size &&
	    ftruncate(r->dest_fd, image_size))
		err = -errno;
	if (err)
		goto fail_undo;
	free(v);
	*run = r;
	return 0;
fail_undo:
	/* Nothing of DEST's data changed yet that the roll-back cannot undo. */
	if (r->w.fd >= 0) {
		struct undo_scan s;

		undo_close(&r->w);
		roll_back(&r->p, file, r->dest_fd, &s);
	}
fail:
	free(v);
	run_free(r);
	return err;
}

/* Save the old contents of the chunks under [@offset, +@len), unsynced. */
static int save_range(struct rp_run *r, uint64_t offset, uint64_t len)
{
	bool appended = false;
	uint64_t i, last;
	int err = 0;

	if (offset > r->h.new_size || len > r->h.new_size - offset)
		return -EINVAL;
	last = (offset + len - 1) / r->h.chunk_size;
	for (i = offset / r->h.chunk_size; !err && i <= last; i++)
		err = save_chunk(r, i, &appended);
	if (appended)
		r->unsynced = true;
	return err;
}

int rp_save(struct rp_run *r, uint64_t offset, uint64_t len)
{
	int err;

	if (r->failed)
		return r->failed;
	if (!len)
		return 0;
	err = save_range(r, offset, len);
	if (err && err != -EINVAL)
		r->failed = err;
	return err;
}

/*
 * Whether chunk @i, whole in @data (from byte @offset of DEST), is what
 * DEST holds now, byte for byte, and this run has not touched it.  DEST
 * itself is read, not the checksum file: a DEST changed behind the
 * chain's back (an image mounted read-write) must still be repaired.
 * A chunk DEST cannot be read at is changed (the save then fails).
 */
static bool chunk_unchanged(struct rp_run *r, uint64_t i, uint64_t offset,
			    const unsigned char *data, size_t len)
{
	uint64_t start = i * r->h.chunk_size, clen;

	if (is_saved(r, i) || start >= r->h.new_size)
		return false;
	clen = r->h.new_size - start < r->h.chunk_size ?
	       r->h.new_size - start : r->h.chunk_size;
	if (start < offset || start + clen > offset + len ||
	    start + clen > r->h.old_size)
		return false;
	if (io_pread_full(r->dest_fd, r->buf, clen, start))
		return false;
	return !memcmp(r->buf, data + (start - offset), clen);
}

int rp_save_data(struct rp_run *r, uint64_t offset, const void *data,
		 size_t len, bool compare)
{
	bool appended = false;
	uint64_t i, last;
	int err = 0;

	if (r->failed)
		return r->failed;
	if (!len)
		return 0;
	if (offset > r->h.new_size || len > r->h.new_size - offset)
		return -EINVAL;
	last = (offset + len - 1) / r->h.chunk_size;
	for (i = offset / r->h.chunk_size; !err && i <= last; i++) {
		if (is_same(r, i))
			continue;
		if (compare && chunk_unchanged(r, i, offset, data, len)) {
			r->same[i / 8] |= 1U << (i % 8);
			r->same_bytes += r->h.new_size - i * r->h.chunk_size <
					 r->h.chunk_size ?
					 r->h.new_size - i * r->h.chunk_size :
					 r->h.chunk_size;
			continue;
		}
		err = save_chunk(r, i, &appended);
	}
	if (appended)
		r->unsynced = true;
	if (err)
		r->failed = err;
	return err;
}

uint64_t rp_unchanged_bytes(const struct rp_run *r)
{
	return r->same_bytes;
}

uint64_t rp_written_bytes(const struct rp_run *r)
{
	return r->written_bytes;
}

/*
 * The next part of [*@offset, +*@len) to act on, in @part_len, skipping
 * chunks found unchanged first; false when none is left.
 */
static bool next_changed(const struct rp_run *r, uint64_t *offset,
			 uint64_t *len, uint64_t *part_len)
{
	uint64_t cs = r->h.chunk_size, end = *offset + *len, pos;

	while (*len && is_same(r, *offset / cs)) {
		uint64_t next = (*offset / cs + 1) * cs;

		next = next < end ? next : end;
		*len -= next - *offset;
		*offset = next;
	}
	if (!*len)
		return false;
	pos = *offset;
	while (pos < end && !is_same(r, pos / cs))
		pos = (pos / cs + 1) * cs;
	*part_len = (pos < end ? pos : end) - *offset;
	return true;
}

/* Save what a write of DEST's [@offset, +@len) overwrites, durably. */
static int before_write(struct rp_run *r, uint64_t offset, uint64_t len)
{
	int err;

	if (r->failed)
		return r->failed;
	err = save_range(r, offset, len);
	if (err == -EINVAL)
		return err;
	/* The old contents are on disk before DEST is touched: the rule. */
	if (!err && r->unsynced) {
		err = undo_sync(&r->w);
		/* On disk now: no reader needs it in the cache. */
		if (!err)
			cache_drop(r->w.fd, r->w.base, r->w.end);
	}
	if (!err)
		r->unsynced = false;
	else
		r->failed = err;
	return err;
}

static int write_part(struct rp_run *r, uint64_t offset, const void *data,
		      size_t len)
{
	int err = before_write(r, offset, len);

	if (err)
		return err;
	err = io_pwrite_full(r->dest_fd, data, len, offset);
	if (err) {
		r->failed = err;
	} else {
		r->written_bytes += len;
		cache_behind_written(&r->cb, len);
	}
	return err;
}

int rp_write(struct rp_run *r, uint64_t offset, const void *data, size_t len)
{
	uint64_t pos = offset, left = len, part;
	int err = 0;

	if (r->failed)
		return r->failed;
	if (offset > r->h.new_size || len > r->h.new_size - offset)
		return -EINVAL;
	/* Chunks rp_save_data() found unchanged are left as they are. */
	while (!err && next_changed(r, &pos, &left, &part)) {
		err = write_part(r, pos, (const char *)data + (pos - offset), part);
		pos += part;
		left -= part;
	}
	return err;
}

static int zero_part(struct rp_run *r, uint64_t offset, uint64_t len);

int rp_zero(struct rp_run *r, uint64_t offset, uint64_t len)
{
	uint64_t part;
	int err = 0;

	if (r->failed)
		return r->failed;
	if (offset > r->h.new_size || len > r->h.new_size - offset)
		return -EINVAL;
	while (!err && next_changed(r, &offset, &len, &part)) {
		err = zero_part(r, offset, part);
		offset += part;
		len -= part;
	}
	return err;
}

static int zero_part(struct rp_run *r, uint64_t offset, uint64_t len)
{
	int err;

	err = before_write(r, offset, len);
	if (err)
		return err;
	if (!r->punch_unsupported) {
		if (!fallocate(r->dest_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			       offset, len))
			return 0;
		if (errno != EOPNOTSUPP && errno != EINVAL) {
			r->failed = -errno;
			return r->failed;
		}
		r->punch_unsupported = true;
	}
	/* The chunk buffer is free once the old contents are saved. */
	memset(r->buf, 0, r->h.chunk_size);
	while (!err && len) {
		size_t n = len < r->h.chunk_size ? len : r->h.chunk_size;

		err = io_pwrite_full(r->dest_fd, r->buf, n, offset);
		if (!err)
			cache_behind_written(&r->cb, n);
		offset += n;
		len -= n;
	}
	if (err)
		r->failed = err;
	return err;
}

uint64_t rp_saved_bytes(const struct rp_run *r)
{
	return r->w.bytes;
}

/*
 * The checksums of the image the run leaves: the latest point's for a
 * chunk the run did not touch and whose length did not change, read from
 * DEST and hashed for the others.
 */
static int new_sums(struct rp_run *r, struct block_sums *s)
{
	uint64_t i;
	int err;

	err = block_sums_init(s, r->h.chunk_size, r->h.new_size, r->h.take_time);
	for (i = 0; !err && i < s->count; i++) {
		uint64_t len = block_sums_chunk_len(s, i);

		/* A chunk found unchanged in DEST: unchanged, but hashed anew. */
		if (i < r->old.count && !is_saved(r, i) && !is_same(r, i) &&
		    block_sums_chunk_len(&r->old, i) == len) {
			s->sum[i] = r->old.sum[i];
			continue;
		}
		err = io_pread_full(r->dest_fd, r->buf, len, i * r->h.chunk_size);
		if (!err)
			s->sum[i] = block_sum(r->buf, len);
	}
	if (err)
		block_sums_free(s);
	return err;
}

/* The chunks found lost, as ranges, after every data record. */
static int append_lost(struct rp_run *r)
{
	uint64_t i, from = 0, len = 0, cs = r->h.chunk_size;
	int err = 0;

	for (i = 0; !err && i <= r->nchunks; i++) {
		bool lost = i < r->nchunks && (r->lost[i / 8] & (1U << (i % 8)));

		if (lost) {
			if (!len)
				from = i * cs;
			len = (i + 1) * cs > r->h.old_size ? r->h.old_size - from :
			      (i + 1) * cs - from;
		} else if (len) {
			err = undo_append_lost(&r->w, from, len);
			len = 0;
		}
	}
	return err;
}

uint64_t rp_lost_bytes(const struct rp_run *r)
{
	return r->lost_bytes;
}

int rp_commit(struct rp_run *r)
{
	struct block_sums s = { 0 };
	int err = r->failed;

	if (err)
		goto out;
	if (fsync(r->dest_fd)) {
		err = -errno;
		goto out;
	}
	err = new_sums(r, &s);
	if (!err)
		err = append_lost(r);
	if (!err)
		err = undo_finish(&r->w);
	/* The commit: from this rename on, the run is the latest point. */
	if (!err && r->p.bdev)
		err = bdev_points_commit(r->p.bp, &s, &r->w);
	else if (!err)
		err = block_sums_write(r->p.sums, &s);
	if (!err && !r->h.prev_time && !undo_remove(&r->p, strrchr(r->undo, '/') + 1))
		sync_dir(&r->p);
out:
	block_sums_free(&s);
	run_free(r);
	return err;
}

void rp_leave(struct rp_run *r)
{
	run_free(r);
}

int rp_abort(struct rp_run *r)
{
	char *name = strrchr(r->undo, '/') + 1;
	struct undo_scan s;
	int err;

	undo_close(&r->w);
	err = roll_back(&r->p, name, r->dest_fd, &s);
	run_free(r);
	return err;
}

static uint64_t disk_bytes_of(const char *path)
{
	struct stat st;

	return stat(path, &st) ? 0 : (uint64_t)st.st_blocks * 512;
}

static int by_time(const void *a, const void *b)
{
	const struct rp_point *x = a, *y = b;

	return x->time < y->time ? -1 : x->time > y->time;
}

int rp_list(const char *dest, struct rp_point **points, size_t *count)
{
	char why[160];
	struct rp_paths p;
	struct block_sums sums = { 0 };
	struct undo_entry *v = NULL;
	struct rp_point *out = NULL;
	struct suspects lost = { 0 };
	struct stat st;
	bool have = false, missing = false, chain = true;
	int64_t expect = 0;
	size_t n = 0, k = 0, i;
	int lock = -1, err;

	*points = NULL;
	*count = 0;
	err = paths_of(dest, &p);
	if (!err)
		err = lock_dir(&p, false, &lock);
	if (err)
		return err;
	err = sums_read(&p, &sums, why, sizeof(why));
	if (!err)
		have = true;
	else if (err == -ENOENT)
		missing = true;
	else if (err != -EBADMSG)
		goto out;
	lost.chunk_size = sums.chunk_size;
	err = list_undo(&p, &v, &n);
	if (err)
		goto out;
	out = calloc(n + 1, sizeof(*out));
	if (!out) {
		err = -ENOMEM;
		goto out;
	}
	if (have) {
		struct rp_point *pt = &out[k++];
		/* An interrupted run may have resized DEST: restore undoes it. */
		bool pending = n && v[0].time > sums.take_time;

		pt->time = expect = sums.take_time;
		pt->image_size = sums.image_size;
		pt->latest = true;
		pt->disk_bytes = disk_bytes_of(p.sums);
		if (p.bdev) {
			/* Its image: the device's first bytes, and its checksums. */
			pt->complete = true;
			pt->disk_bytes = sums.image_size + block_sums_bytes(sums.count);
		} else if (stat(p.dest, &st)) {
			snprintf(pt->why, sizeof(pt->why), "the image: %s",
				 strerror(errno));
		} else if ((uint64_t)st.st_size != sums.image_size && !pending) {
			snprintf(pt->why, sizeof(pt->why), "the image is not the "
				 "size its checksum file records");
		} else {
			pt->complete = true;
			pt->disk_bytes += (uint64_t)st.st_blocks * 512;
		}
	} else {
		chain = false;	/* whatever the undo files say, unchecked */
	}
	err = 0;
	for (i = 0; i < n; i++) {
		struct rp_point *pt = &out[k];
		struct undo_scan s;
		uint64_t bytes = 0;
		int serr = scan_heads(&p, v[i].name, &s, &bytes,
				      have && v[i].time <= sums.take_time ? &lost : NULL);

		if (serr && serr != -EBADMSG) {
			err = serr;
			goto out;
		}
		/* A committed run always leaves a checksum file. */
		if ((missing && (serr || !s.h.prev_time)) ||
		    (have && v[i].time > sums.take_time)) {
			/* A run that did not commit: its own point, not complete. */
			pt->time = v[i].time;
			pt->image_size = serr ? 0 : s.h.new_size;
			pt->disk_bytes = bytes;
			snprintf(pt->why, sizeof(pt->why), "interrupted run: the "
				 "next 'backup list' or 'backup restore' rolls it back");
			k++;
			continue;
		}
		if (serr) {
			/* Which point it restores is unknown: the chain ends. */
			chain = false;
			continue;
		}
		if (!s.h.prev_time)
			continue;	/* a first run's: no point before it */
		pt->time = s.h.prev_time;
		pt->image_size = s.h.old_size;
		pt->disk_bytes = bytes;
		if (!chain)
			snprintf(pt->why, sizeof(pt->why), "%s", have ?
				 "a newer undo file is damaged or missing" :
				 "the checksum file is damaged or missing");
		else if (s.h.take_time != expect)
			snprintf(pt->why, sizeof(pt->why), "%s does not follow "
				 "the next newer point (one is missing)", v[i].name);
		else if (!s.complete)
			snprintf(pt->why, sizeof(pt->why), "%s: %s", v[i].name, s.why);
		else if (s.lost || lost.n)
			snprintf(pt->why, sizeof(pt->why), "holds chunks damaged or "
				 "changed on the backup medium before a later run "
				 "saved them ('blksnap backup verify' lists them)");
		else
			pt->complete = true;
		/* Lost chunks take this point, not the chain to older ones. */
		chain = pt->complete || (chain && s.h.take_time == expect &&
					 s.complete);
		expect = s.h.prev_time;
		k++;
	}
	qsort(out, k, sizeof(*out), by_time);
	if (!k) {
		err = -ENOENT;
		goto out;
	}
	*points = out;
	*count = k;
	out = NULL;
out:
	free(out);
	free(v);
	free(lost.v);
	block_sums_free(&sums);
	unlock_dir(&p, lock);
	return err;
}

/* Where materialise() writes, and what it has checked so far. */
struct out_image {
	int fd;
	bool file;		/* a regular file: sized with ftruncate() */
	const struct block_sums *sums;
	uint8_t *bad;		/* a bit per chunk: DEST's differs from sums */
	int64_t at_least;	/* 0, or the bad chunk that is not repaired */
	struct suspects lost;	/* of the point written out so far */
	struct cache_behind cb;	/* @fd's writes */
};

static int apply_older(void *arg, uint64_t offset, const void *data, uint64_t len)
{
	struct out_image *o = arg;

	suspects_clear(&o->lost, offset);
	return io_pwrite_full(o->fd, data, len, offset);
}

static int older_lost(void *arg, uint64_t offset, uint64_t len)
{
	return suspects_add(&((struct out_image *)arg)->lost, offset, len);
}

static bool is_bad(const struct out_image *o, uint64_t i)
{
	return o->bad[i / 8] & (1U << (i % 8));
}

/*
 * A record of the interrupted run holds the latest point's contents of
 * one whole chunk: with it in place, that chunk must match its checksum.
 */
static int apply_pending(void *arg, uint64_t offset, const void *data, uint64_t len)
{
	struct out_image *o = arg;
	uint64_t i = offset / o->sums->chunk_size;

	if (offset % o->sums->chunk_size == 0 && i < o->sums->count &&
	    len == block_sums_chunk_len(o->sums, i) &&
	    block_sum(data, len) == o->sums->sum[i])
		o->bad[i / 8] &= ~(1U << (i % 8));
	return io_pwrite_full(o->fd, data, len, offset);
}

static bool all_zero(const unsigned char *p, size_t len)
{
	return !p[0] && !memcmp(p, p + 1, len - 1);
}

/*
 * DEST into @o, each chunk checked; zeros left as holes in a new file.
 * An interrupted run that shrank DEST left it short: what is missing
 * reads as zeros here, fails its check, and must come from that run's
 * undo file.
 */
static int copy_latest(struct out_image *o, int dest_fd, uint64_t size,
		       unsigned char *buf)
{
	const struct block_sums *s = o->sums;
	uint64_t i;
	int err;

	if (o->file && (ftruncate(o->fd, 0) || ftruncate(o->fd, s->image_size)))
		return -errno;
	for (i = 0; i < s->count; i++) {
		uint64_t len = block_sums_chunk_len(s, i), start = i * s->chunk_size;
		uint64_t have = size <= start ? 0 : size - start < len ?
				size - start : len;

		memset(buf + have, 0, len - have);
		err = have ? io_pread_full(dest_fd, buf, have, start) : 0;
		if (err)
			return err;
		cache_drop(dest_fd, start, have);
		if (block_sum(buf, len) != s->sum[i])
			o->bad[i / 8] |= 1U << (i % 8);
		if (o->file && all_zero(buf, len))
			continue;
		err = io_pwrite_full(o->fd, buf, len, i * s->chunk_size);
		if (err)
			return err;
		cache_behind_written(&o->cb, len);
	}
	return 0;
}

/* Apply undo file @name to @o; it must be whole.  -EBADMSG with @why. */
static int apply_undo(const struct rp_paths *p, const char *name,
		      struct out_image *o, bool pending, struct undo_scan *s,
		      char *why, size_t whysize)
{
	char path[PATH_MAX];
	int err;

	err = undo_path(p, name, path);
	if (err)
		return err;
	if (pending)
		err = undo_read(p, name, s, &(const struct undo_visit){
			.data = apply_pending, .arg = o }, NULL);
	else
		err = undo_read(p, name, s, &(const struct undo_visit){
			.data = apply_older, .lost = older_lost, .arg = o }, NULL);
	/* An interrupted run with a torn header had not written DEST yet. */
	if (pending && err == -EBADMSG)
		return 0;
	if (err == -EBADMSG || (!err && !pending && !s->complete)) {
		snprintf(why, whysize, "%s: %s", path, s->why);
		return -EBADMSG;
	}
	if (!err && o->file && ftruncate(o->fd, s->h.old_size))
		err = -errno;
	return err;
}

int rp_materialise(const char *dest, int64_t at, int out_fd,
		   char *why, size_t whysize)
{
	struct rp_paths p;
	struct block_sums sums = { 0 };
	struct undo_entry *v = NULL;
	struct out_image o = { .fd = out_fd, .sums = &sums };
	struct undo_scan s;
	unsigned char *buf = NULL;
	struct stat st;
	int64_t expect;
	uint64_t size;
	size_t n = 0, i;
	int lock = -1, dest_fd = -1, err;

	why[0] = '\0';
	err = paths_of(dest, &p);
	if (!err)
		err = lock_dir(&p, false, &lock);
	if (err)
		return err;
	err = sums_read(&p, &sums, why, whysize);
	if (err == -EBADMSG) {
		char what[160];

		snprintf(what, sizeof(what), "%s", why);
		snprintf(why, whysize, "%s: %s", p.sums, what);
	}
	if (!err)
		err = list_undo(&p, &v, &n);
	if (err)
		goto out;
	/* The point must exist before anything is written. */
	expect = sums.take_time;
	for (i = 0; at && at != sums.take_time && i < n; i++) {
		if (v[i].time > sums.take_time)
			continue;
		err = scan_heads(&p, v[i].name, &s, NULL, NULL);
		if (err || s.h.take_time != expect || !s.h.prev_time)
			break;
		if (s.h.prev_time == at)
			break;
		expect = s.h.prev_time;
	}
	if (at && at != sums.take_time && (i == n || err || s.h.prev_time != at)) {
		char t[TAKE_TIME_LEN];

		time_str(at, t);
		snprintf(why, whysize, "no restore point of %s in %s", t, p.dir);
		err = -ENOENT;
		goto out;
	}
	if (fstat(out_fd, &st)) {
		err = -errno;
		goto out;
	}
	o.file = S_ISREG(st.st_mode);
	cache_behind_init(&o.cb, out_fd);
	dest_fd = dest_open(&p, O_RDONLY);
	buf = malloc(sums.chunk_size);
	o.bad = calloc(sums.count / 8 + 1, 1);
	if (dest_fd < 0) {
		err = -errno;
		snprintf(why, whysize, "%s: %s", p.dest, strerror(errno));
		goto out;
	}
	if (!buf || !o.bad) {
		err = -ENOMEM;
		goto out;
	}
	err = dest_bytes(&p, dest_fd, &size);
	if (!err)
		err = copy_latest(&o, dest_fd, size, buf);
	/* An interrupted run's writes are undone in the copy, not in DEST. */
	for (i = 0; !err && i < n && v[i].time > sums.take_time; i++)
		err = apply_undo(&p, v[i].name, &o, true, &s, why, whysize);
	for (i = 0; !err && i < sums.count; i++)
		if (is_bad(&o, i)) {
			snprintf(why, whysize, "%s: chunk at byte %llu does not match "
				 "its checksum (damaged on the backup medium)",
				 p.dest, (unsigned long long)(i * sums.chunk_size));
			err = -EBADMSG;
		}
	o.lost.chunk_size = sums.chunk_size;
	for (i = 0; !err && at && at != sums.take_time && i < n; i++) {
		if (v[i].time > sums.take_time)
			continue;
		err = apply_undo(&p, v[i].name, &o, false, &s, why, whysize);
		if (!err && s.h.prev_time == at)
			break;
	}
	if (!err && o.lost.n) {
		char t[TAKE_TIME_LEN];

		time_str(at, t);
		snprintf(why, whysize, "the point of %s holds %zu chunk(s) damaged or "
			 "changed on the backup medium before a later run saved them, "
			 "the first at byte %llu ('blksnap backup verify' lists them)", t,
			 o.lost.n, (unsigned long long)suspects_first(&o.lost));
		err = -EBADMSG;
	}
	if (!err && fsync(out_fd))
		err = -errno;
out:
	if (dest_fd >= 0)
		close(dest_fd);
	free(o.bad);
	free(o.lost.v);
	free(buf);
	free(v);
	block_sums_free(&sums);
	unlock_dir(&p, lock);
	return err;
}

int rp_latest_time(const char *dest, int64_t *t)
{
	char why[160];
	struct rp_paths p;
	struct block_sums sums;
	int err;

	int lock = -1;

	err = paths_of(dest, &p);
	/* A device's area is read under its lock: only its fd has it. */
	if (!err && p.bdev)
		err = lock_dir(&p, false, &lock);
	if (!err)
		err = sums_read(&p, &sums, why, sizeof(why));
	unlock_dir(&p, lock);
	if (err)
		return err;
	*t = sums.take_time;
	block_sums_free(&sums);
	return 0;
}

int rp_retain(const char *dest, unsigned int keep, unsigned int *removed,
	      unsigned int *points)
{
	char why[160];
	struct rp_paths p;
	struct block_sums sums;
	struct undo_entry *v = NULL;
	unsigned int kept = 1;
	bool have = false;
	size_t n = 0, i;
	int lock = -1, err;

	*removed = 0;
	if (points)
		*points = 0;
	if (!keep)
		return -EINVAL;
	err = paths_of(dest, &p);
	if (!err)
		err = lock_dir(&p, true, &lock);
	if (err)
		return err;
	err = sums_read(&p, &sums, why, sizeof(why));
	if (!err) {
		have = true;
		block_sums_free(&sums);
		err = list_undo(&p, &v, &n);
	}
	/* Newest first: the first keep - 1 committed ones stay. */
	for (i = 0; !err && i < n; i++) {
		if (v[i].time > sums.take_time)
			continue;	/* an interrupted run: rp_recover()'s */
		if (kept < keep) {
			kept++;
			continue;
		}
		err = undo_remove(&p, v[i].name);
		if (!err)
			(*removed)++;
	}
	if (*removed) {
		int serr = sync_dir(&p);

		err = err ? err : serr;
	}
	if (points && have && !err)
		*points = kept;
	free(v);
	unlock_dir(&p, lock);
	return err == -ENOENT && !*removed ? 0 : err;
}

/* What rp_verify() goes through. */
struct verify {
	const struct block_sums *sums;
	uint8_t *held;		/* a bit per chunk: an interrupted run holds it */
	rp_damage_fn fn;
	void *arg;
	uint64_t bytes_read;
	bool damaged;
	struct suspects lost;	/* of the point checked last */
	/* The lost records of the undo file being read, said after it. */
	struct { uint64_t offset, len; } *said;
	size_t nsaid, capsaid;
};

static void damage(struct verify *c, const char *file, bool in_image,
		   uint64_t offset, uint64_t length, const char *why)
{
	struct rp_damage d = { file, in_image, offset, length, why };

	c->damaged = true;
	if (c->fn)
		c->fn(c->arg, &d);
}

/*
 * A record of an interrupted run holding the latest point's contents of
 * a whole chunk, checked: restore takes that chunk from it, not DEST.
 */
static int verify_held(void *arg, uint64_t offset, const void *data, uint64_t len)
{
	struct verify *c = arg;
	uint64_t i = offset / c->sums->chunk_size;

	c->bytes_read += len;
	if (offset % c->sums->chunk_size == 0 && i < c->sums->count &&
	    len == block_sums_chunk_len(c->sums, i) &&
	    block_sum(data, len) == c->sums->sum[i])
		c->held[i / 8] |= 1U << (i % 8);
	return 0;
}

/* undo_scan() checks each record's data against its hash; count it. */
static int verify_record(void *arg, uint64_t offset, const void *data,
			 uint64_t len)
{
	struct verify *c = arg;

	(void)data;
	c->bytes_read += len;
	suspects_clear(&c->lost, offset);
	return 0;
}

static int verify_lost(void *arg, uint64_t offset, uint64_t len)
{
	struct verify *c = arg;

	if (c->nsaid == c->capsaid) {
		size_t cap = c->capsaid ? 2 * c->capsaid : 8;
		void *tmp = realloc(c->said, cap * sizeof(*c->said));

		if (!tmp)
			return -ENOMEM;
		c->said = tmp;
		c->capsaid = cap;
	}
	c->said[c->nsaid].offset = offset;
	c->said[c->nsaid++].len = len;
	return suspects_add(&c->lost, offset, len);
}

/* Every chunk of DEST against the checksum file, bad ones as ranges. */
static int verify_image(struct verify *c, const struct rp_paths *p,
			unsigned char *buf)
{
	const struct block_sums *s = c->sums;
	const char *path = p->dest;
	uint64_t i, bad_from = 0, bad_len = 0, size;
	int fd, err = 0;

	fd = dest_open(p, O_RDONLY);
	if (fd < 0)
		return -errno;
	err = dest_bytes(p, fd, &size);
	if (err) {
		close(fd);
		return err;
	}
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	for (i = 0; !err && i <= s->count; i++) {
		uint64_t len = i < s->count ? block_sums_chunk_len(s, i) : 0;
		uint64_t start = i * s->chunk_size, have;
		bool bad = false;

		if (i < s->count) {
			/* An interrupted run that shrank DEST: read short, as zeros. */
			have = size <= start ? 0 : size - start < len ?
			       size - start : len;
			memset(buf + have, 0, len - have);
			err = have ? io_pread_full(fd, buf, have, start) : 0;
			cache_drop(fd, start, have);
			c->bytes_read += have;
			bad = !err && block_sum(buf, len) != s->sum[i] &&
			      !(c->held[i / 8] & (1U << (i % 8)));
		}
		if (bad) {
			if (!bad_len)
				bad_from = start;
			bad_len += len;
		} else if (bad_len) {
			damage(c, path, true, bad_from, bad_len,
			       "does not match the checksum file");
			bad_len = 0;
		}
	}
	close(fd);
	return err;
}

int rp_verify(const char *dest, int64_t at, rp_damage_fn fn, void *arg,
	      struct rp_verify_result *res, char *why, size_t whysize)
{
	struct verify c = { .fn = fn, .arg = arg };
	struct block_sums sums = { 0 };
	struct undo_entry *v = NULL;
	struct rp_checked *pts = NULL;
	unsigned char *buf = NULL;
	struct undo_scan s;
	struct rp_paths p;
	char path[PATH_MAX];
	bool chain_ok, lost_link = false, found = !at;
	int64_t expect;
	size_t n = 0, k = 0, i;
	int lock = -1, err;

	memset(res, 0, sizeof(*res));
	why[0] = '\0';
	err = paths_of(dest, &p);
	if (!err)
		err = lock_dir(&p, false, &lock);
	if (err)
		return err;
	err = sums_read(&p, &sums, why, whysize);
	if (err == -EBADMSG) {
		/* Nothing can be checked without it, nor restored. */
		damage(&c, p.sums, false, 0, 0, why);
		why[0] = '\0';
		goto out;
	}
	if (err == -ENOENT)
		snprintf(why, whysize, "no checksum file %s", p.sums);
	if (!err)
		err = list_undo(&p, &v, &n);
	if (err)
		goto out;
	c.sums = &sums;
	c.lost.chunk_size = sums.chunk_size;
	c.held = calloc(sums.count / 8 + 1, 1);
	buf = malloc(sums.chunk_size);
	pts = calloc(n + 1, sizeof(*pts));
	if (!c.held || !buf || !pts) {
		err = -ENOMEM;
		goto out;
	}
	/* The point must exist before anything is read. */
	expect = sums.take_time;
	for (i = 0; at && at != sums.take_time && i < n; i++) {
		if (v[i].time > sums.take_time)
			continue;
		if (scan_heads(&p, v[i].name, &s, NULL, NULL) ||
		    s.h.take_time != expect || !s.h.prev_time)
			break;
		if (s.h.prev_time == at) {
			found = true;
			break;
		}
		expect = s.h.prev_time;
	}
	if (at == sums.take_time)
		found = true;
	if (!found) {
		char t[TAKE_TIME_LEN];

		time_str(at, t);
		snprintf(why, whysize, "no restore point of %s in %s", t, p.dir);
		err = -ENOENT;
		goto out;
	}
	/* An interrupted run's records: their own hashes, then DEST. */
	for (i = 0; !err && i < n && v[i].time > sums.take_time; i++) {
		err = undo_read(&p, v[i].name, &s, &(const struct undo_visit){
			.data = verify_held, .arg = &c }, NULL);
		/* Torn where it was cut: the run's own end, not damage. */
		if (err == -EBADMSG)
			err = 0;
	}
	if (!err)
		err = verify_image(&c, &p, buf);
	if (err)
		goto out;
	chain_ok = !c.damaged;
	pts[k++] = (struct rp_checked){ sums.take_time, chain_ok };
	expect = sums.take_time;
	for (i = 0; !err && at != sums.take_time && i < n; i++) {
		if (v[i].time > sums.take_time)
			continue;
		err = undo_path(&p, v[i].name, path);
		if (err)
			break;
		c.nsaid = 0;
		err = undo_read(&p, v[i].name, &s, &(const struct undo_visit){
			.data = verify_record, .lost = verify_lost, .arg = &c }, NULL);
		if (!err && !s.h.prev_time)
			continue;	/* a first run's, left by a crash: no point */
		for (size_t l = 0; !err && l < c.nsaid; l++) {
			char t[TAKE_TIME_LEN], msg[TAKE_TIME_LEN + 160];

			time_str(s.h.prev_time, t);
			snprintf(msg, sizeof(msg), "bytes %llu-%llu of the point of %s "
				 "were damaged or changed in DEST before this run "
				 "saved them",
				 (unsigned long long)c.said[l].offset,
				 (unsigned long long)(c.said[l].offset + c.said[l].len - 1), t);
			damage(&c, path, false, 0, 0, msg);
		}
		if (err == -EBADMSG) {
			damage(&c, path, false, 0, 0, s.why);
			chain_ok = false;
			/* Which point it restores is unknown: so is the next link. */
			lost_link = true;
			err = 0;
			continue;
		}
		if (err)
			break;
		if (!lost_link && s.h.take_time != expect) {
			char t[TAKE_TIME_LEN], msg[TAKE_TIME_LEN + 80];

			time_str(expect, t);
			snprintf(msg, sizeof(msg), "does not follow the point of %s "
				 "(an undo file between them is missing)", t);
			damage(&c, path, false, 0, 0, msg);
			chain_ok = false;
		} else if (!s.complete) {
			damage(&c, path, false, 0, 0, s.why);
			chain_ok = false;
		}
		pts[k++] = (struct rp_checked){ s.h.prev_time, chain_ok && !c.lost.n };
		expect = s.h.prev_time;
		lost_link = false;
		if (at && s.h.prev_time == at)
			break;
	}
out:
	res->bytes_read = c.bytes_read;
	if (!err || err == -EBADMSG) {
		res->points = pts;
		res->npoints = k;
		pts = NULL;
	}
	if (!err && c.damaged)
		err = -EBADMSG;
	free(pts);
	free(buf);
	free(c.held);
	free(c.lost.v);
	free(c.said);
	free(v);
	block_sums_free(&sums);
	unlock_dir(&p, lock);
	return err;
}

bool rp_exists(const char *dest)
{
	struct rp_paths p;
	bool yes;
	int lock = -1, err;

	if (paths_of(dest, &p))
		return false;
	if (!p.bdev)
		return !access(p.dir, F_OK);
	err = lock_dir(&p, false, &lock);
	if (err)
		return err == -EBUSY || err == -EBADMSG;
	yes = bdev_points_area(p.bp) != NULL;
	unlock_dir(&p, lock);
	return yes;
}

void rp_area_uuid(const char *dest, char out[37])
{
	const struct bdev_area *a;
	struct rp_paths p;
	int lock = -1;

	out[0] = '\0';
	if (paths_of(dest, &p) || !p.bdev || lock_dir(&p, false, &lock))
		return;
	a = bdev_points_area(p.bp);
	if (a)
		uuid_unparse_lower(a->uuid, out);
	unlock_dir(&p, lock);
}
