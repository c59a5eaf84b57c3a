// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Restore points of a backup image: a full run and two incremental ones
 * give three points, each restored byte for byte; a run killed at any
 * step of its writes, fsyncs, truncations, renames and removals (whole
 * or with its last write torn), or failing at any of them (ENOSPC, EIO),
 * leaves exactly the last complete point, restorable from the medium
 * alone; the old contents are durable before DEST is touched; damage in
 * undo, checksum and image files is found; retention; file modes.
 *
 * The file calls are wrapped at link time (-Wl,--wrap=, see
 * CMakeLists.txt): each is a numbered step that a test can kill or fail.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include "backup/restore_point.h"
#include "scratch_tree.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define CHUNK	(64U << 10)
#define T1	1764450000	/* 2025-11-29T21:00:00Z */
#define T2	(T1 + 86400)
#define T3	(T2 + 86400)
#define T4	(T3 + 86400)
/* A short last chunk, and growth by more than a chunk at the third run. */
#define SIZE1	(16 * CHUNK + 5000)
#define SIZE3	(19 * CHUNK + 123)
/* And a fourth that shrinks it, into the middle of a chunk. */
#define SIZE4	(5 * CHUNK + 77)

/*
 * In memory where there is a tmpfs: durability is the wrappers' model
 * (HOOK_POWER), not the disk's, and a thousand runs' fsyncs on a busy
 * disk take minutes.
 */
static char top[] = "/dev/shm/test_restore_point.XXXXXX";
static char top_tmp[] = "/tmp/test_restore_point.XXXXXX";
/* Short, so that every path made from them fits PATH_MAX. */
static char medium[256], dest[512];

/* The images the runs leave. */
static unsigned char *p1, *p2, *p3, *p4;

/* ---- the wrapped file calls ---- */

enum hook_mode {
	HOOK_OFF,
	HOOK_KILL,	/* SIGKILL before step hook_at */
	HOOK_TEAR,	/* pwrite number hook_at writes half, then SIGKILL */
	HOOK_FAIL,	/* step hook_at fails with hook_errno */
	HOOK_WATCH,	/* check the order of writes and fsyncs */
	HOOK_POWER,	/* at step hook_at, lose what was not fsynced, SIGKILL */
};

static enum hook_mode hook_mode;
static long hook_at, hook_steps;
static int hook_errno;

/* HOOK_WATCH: what has been written and not yet fsynced. */
static bool undo_dirty, dest_dirty, dir_synced_after_undo, undo_seen;
static long watch_violations, watch_dest_writes, watch_renames, watch_undo_syncs;

ssize_t __real_pwrite(int fd, const void *buf, size_t n, off_t off);
int __real_fsync(int fd);
int __real_ftruncate(int fd, off_t len);
int __real_rename(const char *a, const char *b);
int __real_unlink(const char *path);

enum fd_kind { FD_OTHER, FD_DEST, FD_UNDO, FD_DIR, FD_SUMS };

static enum fd_kind kind_of(int fd)
{
	char link[64], path[PATH_MAX], dir[PATH_MAX];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	if (n < 0)
		return FD_OTHER;
	path[n] = '\0';
	snprintf(dir, sizeof(dir), "%s" RP_DIR_SUFFIX, dest);
	if (!strcmp(path, dest))
		return FD_DEST;
	if (!strcmp(path, dir))
		return FD_DIR;
	if (strstr(path, RP_DIR_SUFFIX "/undo-"))
		return FD_UNDO;
	if (strstr(path, RP_DIR_SUFFIX "/sums.tmp"))
		return FD_SUMS;
	return FD_OTHER;
}

/*
 * HOOK_POWER: a power cut loses what the page cache held.  Each write and
 * truncation not yet fsynced is kept with what it replaced; at the cut,
 * those of the files in hook_lose (a bit per fd_kind) are undone, newest
 * first, as if they never reached the disk, and an undo file whose name
 * no directory fsync made durable is gone.  Every subset of files is
 * tried, so that one file's writes reach the disk and another's do not.
 */
struct pending {
	enum fd_kind kind;
	char path[PATH_MAX];
	off_t off;		/* the write's; or the truncation's length */
	size_t len;		/* bytes of @old */
	unsigned char *old;	/* what the write replaced */
	off_t old_size;		/* the file's size before */
};

static struct pending pend[4096];
static size_t npend;
static unsigned int hook_lose;
static char undo_name[PATH_MAX];
static bool undo_name_durable;

/* In the child: a cmocka assert there would run the other tests in it. */
static void remember(int fd, off_t off, size_t len)
{
	enum fd_kind kind = kind_of(fd);
	struct pending *p;
	char link[64];
	struct stat st;
	ssize_t n;
	int rfd;

	if (kind != FD_DEST && kind != FD_UNDO && kind != FD_SUMS)
		return;
	if (npend == ARRAY_SIZE(pend))
		abort();
	p = &pend[npend++];
	p->kind = kind;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, p->path, sizeof(p->path) - 1);
	if (n <= 0 || fstat(fd, &st))
		abort();
	p->path[n] = '\0';
	p->old_size = st.st_size;
	p->off = off;
	p->len = off < st.st_size ? (size_t)(st.st_size - off) : 0;
	if (p->len > len)
		p->len = len;
	p->old = malloc(p->len + 1);
	/* The checksum file is written through a write-only descriptor. */
	rfd = open(p->path, O_RDONLY);
	if (!p->old || rfd < 0 || pread(rfd, p->old, p->len, off) != (ssize_t)p->len)
		abort();
	close(rfd);
	if (kind == FD_UNDO && !undo_name[0])
		snprintf(undo_name, sizeof(undo_name), "%s", p->path);
}

static void forget(int fd)
{
	enum fd_kind kind = kind_of(fd);
	size_t i, k = 0;

	if (kind == FD_DIR && undo_name[0])
		undo_name_durable = true;
	for (i = 0; i < npend; i++)
		if (pend[i].kind != kind)
			pend[k++] = pend[i];
	npend = k;
}

static void power_cut(void)
{
	size_t i = npend;

	while (i--) {
		struct pending *p = &pend[i];
		int fd;

		if (!(hook_lose & (1U << p->kind)))
			continue;
		fd = open(p->path, O_WRONLY);
		if (fd < 0)
			continue;
		__real_pwrite(fd, p->old, p->len, p->off);
		__real_ftruncate(fd, p->old_size);
		close(fd);
	}
	if ((hook_lose & (1U << FD_UNDO)) && undo_name[0] && !undo_name_durable)
		__real_unlink(undo_name);
}

/* 0 to go on, -1 (errno set) to fail the call; may not return. */
static int step(void)
{
	/* HOOK_TEAR counts the pwrites alone: the others are HOOK_KILL's. */
	if (hook_mode == HOOK_OFF || hook_mode == HOOK_WATCH ||
	    hook_mode == HOOK_TEAR)
		return 0;
	if (hook_steps++ != hook_at)
		return 0;
	if (hook_mode == HOOK_POWER)
		power_cut();
	if (hook_mode == HOOK_KILL || hook_mode == HOOK_POWER)
		raise(SIGKILL);
	if (hook_mode == HOOK_FAIL) {
		errno = hook_errno;
		return -1;
	}
	return 0;
}

ssize_t __wrap_pwrite(int fd, const void *buf, size_t n, off_t off)
{
	if (hook_mode == HOOK_WATCH) {
		switch (kind_of(fd)) {
		case FD_DEST:
			watch_dest_writes++;
			if (undo_dirty || (undo_seen && !dir_synced_after_undo))
				watch_violations++;
			dest_dirty = true;
			break;
		case FD_UNDO:
			undo_dirty = undo_seen = true;
			break;
		default:
			break;
		}
	}
	if (hook_mode == HOOK_TEAR && hook_steps++ == hook_at) {
		__real_pwrite(fd, buf, n / 2, off);
		raise(SIGKILL);
	}
	if (step())
		return -1;
	if (hook_mode == HOOK_POWER)
		remember(fd, off, n);
	return __real_pwrite(fd, buf, n, off);
}

int __wrap_fsync(int fd)
{
	if (hook_mode == HOOK_WATCH) {
		switch (kind_of(fd)) {
		case FD_DEST:
			dest_dirty = false;
			break;
		case FD_UNDO:
			undo_dirty = false;
			watch_undo_syncs++;
			break;
		case FD_DIR:
			dir_synced_after_undo = undo_seen;
			break;
		default:
			break;
		}
	}
	if (step())
		return -1;
	if (hook_mode == HOOK_POWER)
		forget(fd);
	return __real_fsync(fd);
}

int __wrap_ftruncate(int fd, off_t len)
{
	if (hook_mode == HOOK_WATCH && kind_of(fd) == FD_DEST)
		dest_dirty = true;
	if (step())
		return -1;
	/* What a shrink cuts off comes back with the old size. */
	if (hook_mode == HOOK_POWER)
		remember(fd, len, SIZE_MAX);
	return __real_ftruncate(fd, len);
}

int __wrap_rename(const char *a, const char *b)
{
	/* The commit: DEST and the undo file are on disk before it. */
	if (hook_mode == HOOK_WATCH) {
		watch_renames++;
		if (dest_dirty || undo_dirty)
			watch_violations++;
	}
	if (step())
		return -1;
	return __real_rename(a, b);
}

int __wrap_unlink(const char *path)
{
	if (step())
		return -1;
	return __real_unlink(path);
}

static void hooks_off(void)
{
	hook_mode = HOOK_OFF;
	hook_steps = 0;
}

/* ---- images and runs ---- */

static void fill(unsigned char *p, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++) {
		seed = seed * 1103515245U + 12345U;
		p[i] = (unsigned char)(seed >> 16);
	}
}

/* What the runs write: P1 whole; P2 and P3 ranges of P1 and P2. */
struct range {
	uint64_t off, len;
};

static const struct range changes2[] = {
	{ 100, 10 },				/* inside chunk 0 */
	{ 3 * CHUNK - 7, 20 },			/* straddles chunks 2 and 3 */
	{ 8 * CHUNK, CHUNK },			/* chunk 8 exactly */
	{ 3 * CHUNK + 100, 50 },		/* chunk 3 again */
	{ SIZE1 - 30, 30 },			/* the short last chunk */
};

static const struct range changes3[] = {
	{ 5 * CHUNK + 1, 2 * CHUNK },		/* chunks 5 to 7 */
	{ SIZE1 - 100, 300 },			/* across the old end */
	{ 18 * CHUNK, SIZE3 - 18 * CHUNK },	/* the new tail */
	{ 0, 1 },
};

static const struct range changes4[] = {
	{ 10, 10 },
	{ 5 * CHUNK, 77 },			/* the new short last chunk */
};

static void build_expected(void)
{
	size_t i;

	p1 = malloc(SIZE3);
	p2 = malloc(SIZE3);
	p3 = calloc(1, SIZE3);
	assert_non_null(p1);
	assert_non_null(p2);
	assert_non_null(p3);
	fill(p1, SIZE1, 1);
	/* A zero run, so that holes and zeros are restored as well. */
	memset(p1 + 10 * CHUNK, 0, 2 * CHUNK);
	memcpy(p2, p1, SIZE1);
	for (i = 0; i < ARRAY_SIZE(changes2); i++)
		fill(p2 + changes2[i].off, changes2[i].len, 100 + i);
	memcpy(p3, p2, SIZE1);
	for (i = 0; i < ARRAY_SIZE(changes3); i++)
		fill(p3 + changes3[i].off, changes3[i].len, 200 + i);
	p4 = malloc(SIZE4);
	assert_non_null(p4);
	memcpy(p4, p3, SIZE4);
	for (i = 0; i < ARRAY_SIZE(changes4); i++)
		fill(p4 + changes4[i].off, changes4[i].len, 300 + i);
}

/* A run writing @ranges of @image; returns the first error. */
static int run(int64_t t, uint64_t size, const unsigned char *image,
	       const struct range *ranges, size_t n)
{
	char why[RP_MSG_LEN];
	struct rp_run *r;
	size_t i;
	int err;

	err = rp_begin(dest, t, size, CHUNK, &r, why, sizeof(why));
	if (err)
		return err;
	for (i = 0; !err && i < n; i++)
		err = rp_write(r, ranges[i].off, image + ranges[i].off, ranges[i].len);
	if (err) {
		rp_abort(r);
		return err;
	}
	return rp_commit(r);
}

static int run1(void)
{
	/* In pieces, as a copy in chunks of another size would write. */
	static const struct range whole[] = {
		{ 0, 5 * CHUNK + 17 }, { 5 * CHUNK + 17, SIZE1 - 5 * CHUNK - 17 },
	};

	return run(T1, SIZE1, p1, whole, ARRAY_SIZE(whole));
}

static int run2(void)
{
	return run(T2, SIZE1, p2, changes2, ARRAY_SIZE(changes2));
}

static int run3(void)
{
	return run(T3, SIZE3, p3, changes3, ARRAY_SIZE(changes3));
}

static int run4(void)
{
	return run(T4, SIZE4, p4, changes4, ARRAY_SIZE(changes4));
}

/* A new, empty medium: DEST in a fresh directory of its own. */
static void fresh_medium(const char *name)
{
	snprintf(medium, sizeof(medium), "%s/%s", top, name);
	assert_int_equal(mkdir(medium, 0700), 0);
	snprintf(dest, sizeof(dest), "%s/img", medium);
}

static void assert_file_is(const char *path, const unsigned char *want,
			   uint64_t size)
{
	unsigned char *got = malloc(size + 1);
	struct stat st;
	int fd = open(path, O_RDONLY);

	assert_non_null(got);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_size, size);
	assert_int_equal(pread(fd, got, size, 0), (ssize_t)size);
	close(fd);
	assert_memory_equal(got, want, size);
	free(got);
}

/* Materialise the point of @t (0: latest) and compare it with @want. */
static void assert_point_is(int64_t t, const unsigned char *want, uint64_t size)
{
	char out[PATH_MAX], why[RP_MSG_LEN];
	int fd, err;

	snprintf(out, sizeof(out), "%s.out", dest);
	fd = open(out, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	err = rp_materialise(dest, t, fd, why, sizeof(why));
	if (err)
		print_error("materialise %lld: %s (%s)\n", (long long)t,
			    strerror(-err), why);
	assert_int_equal(err, 0);
	close(fd);
	assert_file_is(out, want, size);
	unlink(out);
}

static int materialise_err(int64_t t, char *why, size_t whysize)
{
	char out[PATH_MAX];
	int fd, err;

	snprintf(out, sizeof(out), "%s.out", dest);
	fd = open(out, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	err = rp_materialise(dest, t, fd, why, whysize);
	close(fd);
	unlink(out);
	return err;
}

/* The points listed: their times oldest first, all complete. */
static void assert_points(const int64_t *times, size_t n)
{
	struct rp_point *v;
	size_t count, i;

	assert_int_equal(rp_list(dest, &v, &count), 0);
	assert_int_equal(count, n);
	for (i = 0; i < n; i++) {
		assert_int_equal(v[i].time, times[i]);
		if (!v[i].complete)
			print_error("point %zu: %s\n", i, v[i].why);
		assert_true(v[i].complete);
		assert_int_equal(v[i].latest, i == n - 1);
		assert_true(v[i].disk_bytes > 0);
	}
	free(v);
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(top)) {
		if (!mkdtemp(top_tmp))
			return -1;
		memcpy(top, top_tmp, sizeof(top_tmp));
	}
	build_expected();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(p1);
	free(p2);
	free(p3);
	free(p4);
	return scratch_tree_remove(top);
}

/* ---- the tests ---- */

static void full_and_two_incrementals_give_three_points(void **state)
{
	static const int64_t times[] = { T1, T2, T3 };
	struct rp_point *v;
	size_t n;

	(void)state;
	fresh_medium("three");
	assert_int_equal(run1(), 0);
	assert_int_equal(run2(), 0);
	assert_int_equal(run3(), 0);
	assert_points(times, 3);
	assert_int_equal(rp_list(dest, &v, &n), 0);
	assert_int_equal(v[0].image_size, SIZE1);
	assert_int_equal(v[2].image_size, SIZE3);
	free(v);
	/* DEST itself is the plain image of the latest point. */
	assert_file_is(dest, p3, SIZE3);
	assert_point_is(0, p3, SIZE3);
	assert_point_is(T3, p3, SIZE3);
	assert_point_is(T2, p2, SIZE1);
	assert_point_is(T1, p1, SIZE1);
}

static void point_not_kept_is_not_found(void **state)
{
	char why[RP_MSG_LEN];

	(void)state;
	fresh_medium("notfound");
	assert_int_equal(run1(), 0);
	assert_int_equal(run2(), 0);
	assert_int_equal(materialise_err(T1 + 1, why, sizeof(why)), -ENOENT);
	assert_non_null(strstr(why, "no restore point of 2025-11-29T21:00:01Z"));
	assert_int_equal(materialise_err(T3, why, sizeof(why)), -ENOENT);
}

static void smaller_image_keeps_the_cut_tail_in_its_point(void **state)
{
	static const struct range none[] = { { 0, 1 } };
	static const int64_t times[] = { T1, T2 };
	unsigned char *small = malloc(3 * CHUNK + 10);

	(void)state;
	assert_non_null(small);
	fresh_medium("shrink");
	assert_int_equal(run1(), 0);
	memcpy(small, p1, 3 * CHUNK + 10);
	small[0] ^= 0xff;
	assert_int_equal(run(T2, 3 * CHUNK + 10, small, none, 1), 0);
	assert_points(times, 2);
	assert_file_is(dest, small, 3 * CHUNK + 10);
	assert_point_is(T1, p1, SIZE1);
	free(small);
}

static void begin_refuses_an_older_time_a_second_run_and_a_changed_dest(void **state)
{
	char why[RP_MSG_LEN];
	struct rp_run *r, *r2;

	(void)state;
	fresh_medium("refuse");
	assert_int_equal(run1(), 0);
	assert_int_equal(rp_begin(dest, T1, SIZE1, CHUNK, &r, why, sizeof(why)),
			 -EEXIST);
	assert_int_equal(rp_begin(dest, T2, SIZE1, CHUNK, &r, why, sizeof(why)), 0);
	assert_int_equal(rp_begin(dest, T3, SIZE1, CHUNK, &r2, why, sizeof(why)),
			 -EBUSY);
	assert_int_equal(rp_abort(r), 0);
	assert_int_equal(truncate(dest, SIZE1 - 1), 0);
	assert_int_equal(rp_begin(dest, T2, SIZE1, CHUNK, &r, why, sizeof(why)),
			 -EBADMSG);
	assert_non_null(strstr(why, "changed by something else"));
}

/* The run a crash test kills, and the points before and after it. */
struct victim {
	const char *name;
	int (*prepare)(void);	/* the runs before it */
	int (*run)(void);
	const int64_t *before;	/* the points before it, oldest first */
	size_t nbefore;
	const int64_t *after;	/* and after it */
	size_t nafter;
};

/* The image of the point of @t, and its size. */
static const unsigned char *image_of(int64_t t, uint64_t *size)
{
	switch (t) {
	case T1:
		*size = SIZE1;
		return p1;
	case T2:
		*size = SIZE1;
		return p2;
	case T3:
		*size = SIZE3;
		return p3;
	default:
		*size = SIZE4;
		return p4;
	}
}

/* Run @v in a child under @mode at step @k; true if it died. */
static bool victim_dies(const struct victim *v, enum hook_mode mode, long k)
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		hook_mode = mode;
		hook_at = k;
		hook_steps = 0;
		_exit(v->run() ? 1 : 0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status)) {
		assert_int_equal(WTERMSIG(status), SIGKILL);
		return true;
	}
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	return false;
}

/* Recovery in a child killed at step @k; true if it died. */
static bool recovery_dies(long k)
{
	char msg[RP_MSG_LEN];
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		hook_mode = HOOK_KILL;
		hook_at = k;
		hook_steps = 0;
		_exit(rp_recover(dest, msg, sizeof(msg)) < 0 ? 1 : 0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status))
		return true;
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	return false;
}

/* Every one of @times listed, complete, and restored exactly. */
static void assert_all_points(const int64_t *times, size_t n)
{
	const unsigned char *img;
	uint64_t size;
	size_t i;

	if (!n) {
		struct rp_point *v;
		char why[RP_MSG_LEN];

		assert_int_equal(rp_list(dest, &v, &i), -ENOENT);
		assert_int_equal(materialise_err(0, why, sizeof(why)), -ENOENT);
		return;
	}
	assert_points(times, n);
	for (i = 0; i < n; i++) {
		img = image_of(times[i], &size);
		assert_point_is(times[i], img, size);
	}
	assert_point_is(0, img, size);
}

/* After a crash of @v: the last complete point, exactly. */
static void assert_crash_left_a_complete_point(const struct victim *v,
					       bool *committed)
{
	const int64_t *times;
	const unsigned char *img;
	char msg[RP_MSG_LEN];
	struct rp_point *pts;
	uint64_t size;
	size_t n = 0, i;
	bool pending = false;

	/* Before any repair, read-only: what a restore would give. */
	if (!rp_list(dest, &pts, &n)) {
		for (i = 0; i < n; i++) {
			if (!pts[i].complete && !pts[i].latest)
				pending = true;
			/* Even with DEST resized by the run: restore undoes it. */
			if (pts[i].latest && !pts[i].complete)
				fail_msg("latest point incomplete: %s", pts[i].why);
		}
		*committed = !pending && pts[n - 1].time == v->after[v->nafter - 1];
		free(pts);
	} else {
		*committed = false;
	}
	times = *committed ? v->after : v->before;
	n = *committed ? v->nafter : v->nbefore;
	if (n) {
		img = image_of(times[n - 1], &size);
		assert_point_is(0, img, size);
		if (n > 1) {
			img = image_of(times[0], &size);
			assert_point_is(times[0], img, size);
		}
	}
	/* Then the repair, itself killed at every step first. */
	for (i = 0; pending && recovery_dies(i); i++)
		;
	assert_true(rp_recover(dest, msg, sizeof(msg)) >= 0);
	assert_all_points(times, n);
	if (n) {
		img = image_of(times[n - 1], &size);
		assert_file_is(dest, img, size);
	}
	/* And the next run goes on as if nothing had happened. */
	if (!*committed) {
		assert_int_equal(v->run(), 0);
		assert_all_points(v->after, v->nafter);
	}
}

static void crash_at_every_step(const struct victim *v, enum hook_mode mode)
{
	char name[64];
	long k, before = 0, after = 0;
	bool committed;

	for (k = 0;; k++) {
		snprintf(name, sizeof(name), "crash-%s%d.%ld", v->name, (int)mode, k);
		fresh_medium(name);
		assert_int_equal(v->prepare(), 0);
		if (!victim_dies(v, mode, k))
			break;
		assert_crash_left_a_complete_point(v, &committed);
		if (committed)
			after++;
		else
			before++;
		assert_int_equal(scratch_tree_remove(medium), 0);
	}
	print_message("%s run %s at each of %ld steps: %ld before the "
		      "commit, %ld after\n", v->name, mode == HOOK_TEAR ?
		      "torn and killed" : "killed", k, before, after);
	/* The run's every step was reached, on both sides of the commit. */
	assert_true(before >= 5);
	assert_true(after >= (mode == HOOK_TEAR ? 0 : 1));
}

static int none(void)
{
	return 0;
}

static int run1_2(void)
{
	return run1() || run2();
}

static int run1_2_3(void)
{
	return run1() || run2() || run3();
}

static const int64_t points1[] = { T1 }, points2[] = { T1, T2 };
static const int64_t points3[] = { T1, T2, T3 }, points4[] = { T1, T2, T3, T4 };

static const struct victim first = {
	"first", none, run1, NULL, 0, points1, 1,
};
static const struct victim third = {
	"third", run1_2, run3, points2, 2, points3, 3,
};
static const struct victim shrinking = {
	"shrinking", run1_2_3, run4, points3, 3, points4, 4,
};

static void victims_at_every_step(enum hook_mode mode)
{
	crash_at_every_step(&first, mode);
	crash_at_every_step(&third, mode);
	crash_at_every_step(&shrinking, mode);
}

static void killed_run_at_any_step_leaves_the_last_complete_point(void **state)
{
	(void)state;
	victims_at_every_step(HOOK_KILL);
}

static void torn_write_at_any_step_leaves_the_last_complete_point(void **state)
{
	(void)state;
	victims_at_every_step(HOOK_TEAR);
}

/* Whether the latest point is the third run's. */
static bool last_is_t3(void)
{
	struct rp_point *v;
	size_t n;
	bool t3;

	assert_int_equal(rp_list(dest, &v, &n), 0);
	t3 = v[n - 1].latest && v[n - 1].time == T3;
	free(v);
	return t3;
}

static void failing_step(int err_no)
{
	static const int64_t two[] = { T1, T2 }, three[] = { T1, T2, T3 };
	char name[64], msg[RP_MSG_LEN];
	long k, failed = 0, after = 0;
	int err;

	for (k = 0;; k++) {
		snprintf(name, sizeof(name), "fail%d.%ld", err_no, k);
		fresh_medium(name);
		assert_int_equal(run1(), 0);
		assert_int_equal(run2(), 0);
		hook_mode = HOOK_FAIL;
		hook_at = k;
		hook_steps = 0;
		hook_errno = err_no;
		err = run3();
		hooks_off();
		if (!err)
			break;
		failed++;
		assert_int_equal(err, -err_no);
		/* Aborted, or left for recovery when the abort failed too. */
		assert_true(rp_recover(dest, msg, sizeof(msg)) >= 0);
		if (last_is_t3()) {
			/* Only the directory's fsync after the commit's rename. */
			after++;
			assert_points(three, 3);
			assert_file_is(dest, p3, SIZE3);
		} else {
			assert_points(two, 2);
			assert_file_is(dest, p2, SIZE1);
		}
		assert_point_is(T1, p1, SIZE1);
		assert_int_equal(scratch_tree_remove(medium), 0);
	}
	print_message("%s at each of %ld steps (%ld after the commit)\n",
		      strerror(err_no), failed, after);
	assert_true(failed >= 10);
	assert_true(after <= 1);
}

static void power_cut_at_any_step_leaves_the_last_complete_point(void **state)
{
	static const struct victim *const victims[] = { &third, &shrinking };
	static const unsigned int losses[] = {
		1U << FD_DEST, 1U << FD_UNDO, 1U << FD_DEST | 1U << FD_UNDO,
		1U << FD_DEST | 1U << FD_UNDO | 1U << FD_SUMS,
	};
	char name[80];
	long k, cuts = 0, committed_n = 0;
	unsigned int lose;
	size_t i;
	bool committed;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(victims); i++) {
		const struct victim *v = victims[i];

		for (k = 0;; k++) {
			bool died = false;

			/*
			 * Lost: DEST's writes, the undo file's, both, all
			 * three with the checksum file's (none lost is the
			 * kill test).
			 */
			for (lose = 0; lose < ARRAY_SIZE(losses); lose++) {
				snprintf(name, sizeof(name), "power-%s.%ld.%u",
					 v->name, k, lose);
				fresh_medium(name);
				assert_int_equal(v->prepare(), 0);
				hook_lose = losses[lose];
				died = victim_dies(v, HOOK_POWER, k);
				if (!died)
					break;
				cuts++;
				assert_crash_left_a_complete_point(v, &committed);
				committed_n += committed;
				assert_int_equal(scratch_tree_remove(medium), 0);
			}
			if (!died)
				break;
		}
	}
	print_message("%ld power cuts, %ld after the commit\n", cuts, committed_n);
	assert_true(cuts >= 4 * 60);
	assert_true(committed_n >= 4);
}

static void enospc_at_any_step_leaves_the_last_complete_point(void **state)
{
	(void)state;
	failing_step(ENOSPC);
}

static void eio_at_any_step_leaves_the_last_complete_point(void **state)
{
	(void)state;
	failing_step(EIO);
}

static void old_contents_are_durable_before_dest_is_written(void **state)
{
	(void)state;
	fresh_medium("order");
	assert_int_equal(run1(), 0);
	assert_int_equal(run2(), 0);
	undo_dirty = dest_dirty = dir_synced_after_undo = undo_seen = false;
	watch_violations = watch_dest_writes = watch_renames = 0;
	hook_mode = HOOK_WATCH;
	assert_int_equal(run3(), 0);
	hooks_off();
	/* Would be 0 writes if the watch did not see DEST: then it proves nothing. */
	assert_int_equal(watch_dest_writes, ARRAY_SIZE(changes3));
	assert_int_equal(watch_renames, 1);
	assert_int_equal(watch_violations, 0);
}

/* The undo file of the run at @t. */
static void undo_file(int64_t t, char *out, size_t size)
{
	static const char *const names[] = {
		"20251129T210000Z", "20251130T210000Z", "20251201T210000Z",
		"20251202T210000Z",
	};

	snprintf(out, size, "%s" RP_DIR_SUFFIX "/undo-%s", dest,
		 names[(t - T1) / 86400]);
}

static void flip_byte(const char *path, off_t at)
{
	unsigned char c;
	int fd = open(path, O_RDWR);

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &c, 1, at), 1);
	c ^= 0x40;
	assert_int_equal(pwrite(fd, &c, 1, at), 1);
	close(fd);
}

static void three_points(const char *name)
{
	fresh_medium(name);
	assert_int_equal(run1(), 0);
	assert_int_equal(run2(), 0);
	assert_int_equal(run3(), 0);
}

/*
 * What blksnap backup does: rp_save() a batch of ranges, then write and
 * zero them.  The batch costs one undo fsync, before the first DEST write;
 * a zeroed range's old contents come back with the point before.
 */
static const struct range batch[] = {
	{ 2 * CHUNK + 9, 3 * CHUNK },		/* chunks 2-5: written */
	{ 10 * CHUNK, 2 * CHUNK + 40 },		/* chunks 10-12: zeroed */
	{ 17 * CHUNK, 100 },			/* chunk 17: written */
};

static void batch_image(unsigned char *p5)
{
	memcpy(p5, p3, SIZE3);
	fill(p5 + batch[0].off, batch[0].len, 500);
	memset(p5 + batch[1].off, 0, batch[1].len);
	fill(p5 + batch[2].off, batch[2].len, 502);
}

static struct rp_run *batch_run(const unsigned char *p5)
{
	char why[RP_MSG_LEN];
	struct rp_run *r;
	size_t i;

	assert_int_equal(rp_begin(dest, T4, SIZE3, CHUNK, &r, why, sizeof(why)), 0);
	for (i = 0; i < ARRAY_SIZE(batch); i++)
		assert_int_equal(rp_save(r, batch[i].off, batch[i].len), 0);
	/* rp_begin() made and fsynced the undo file and the directory ... */
	undo_seen = dir_synced_after_undo = true;
	dest_dirty = false;
	/* ... and the saves above are not fsynced yet. */
	undo_dirty = true;
	watch_violations = watch_dest_writes = watch_undo_syncs = 0;
	hook_mode = HOOK_WATCH;
	assert_int_equal(rp_write(r, batch[0].off, p5 + batch[0].off,
				  batch[0].len), 0);
	assert_int_equal(rp_zero(r, batch[1].off, batch[1].len), 0);
	assert_int_equal(rp_write(r, batch[2].off, p5 + batch[2].off,
				  batch[2].len), 0);
	hooks_off();
	return r;
}

static void saved_batch_costs_one_fsync_and_zeros_keep_old_data(void **state)
{
	static const int64_t times[] = { T1, T2, T3, T4 };
	unsigned char *p5 = malloc(SIZE3);
	struct rp_run *r;

	(void)state;
	assert_non_null(p5);
	three_points("batch");
	batch_image(p5);
	r = batch_run(p5);
	assert_int_equal(watch_dest_writes, 2);
	assert_int_equal(watch_undo_syncs, 1);
	assert_int_equal(watch_violations, 0);
	/* Every chunk the batch touches, whole: 3 + 3 + 1 chunks. */
	assert_true(rp_saved_bytes(r) >= 7 * CHUNK);
	assert_int_equal(rp_commit(r), 0);
	assert_points(times, 4);
	assert_file_is(dest, p5, SIZE3);
	assert_point_is(T4, p5, SIZE3);
	assert_point_is(T3, p3, SIZE3);
	assert_point_is(T2, p2, SIZE1);
	/* A zeroed range aborted is the old data again. */
	fresh_medium("batchabort");
	assert_int_equal(run1(), 0);
	assert_int_equal(run2(), 0);
	assert_int_equal(run3(), 0);
	r = batch_run(p5);
	assert_int_equal(rp_abort(r), 0);
	assert_file_is(dest, p3, SIZE3);
	free(p5);
}

/*
 * A full copy after tracking was lost: the whole image goes through
 * rp_save_data() with compare, and only the chunks that differ from DEST
 * are saved and written.  A chunk changed in DEST behind the chain's back
 * (its checksum stale) is found by reading DEST, and repaired.
 */
/* Each of @times listed, oldest first, complete but those in bit mask @bad. */
static void assert_points_but(const int64_t *times, size_t n, unsigned int bad)
{
	struct rp_point *v;
	size_t k, i;

	assert_int_equal(rp_list(dest, &v, &k), 0);
	assert_int_equal(k, n);
	for (i = 0; i < n; i++) {
		assert_int_equal(v[i].time, times[i]);
		assert_int_equal(v[i].complete, !(bad & (1U << i)));
		if (bad & (1U << i))
			assert_non_null(strstr(v[i].why, "damaged"));
	}
	free(v);
}

/* Point @t cannot be restored: its chunk at @byte was lost. */
static void assert_lost_at(int64_t t, uint64_t byte)
{
	char why[RP_MSG_LEN], want[64];

	assert_int_equal(materialise_err(t, why, sizeof(why)), -EBADMSG);
	snprintf(want, sizeof(want), "the first at byte %llu", (unsigned long long)byte);
	if (!strstr(why, want))
		fail_msg("materialise %lld: %s; wanted '%s'", (long long)t, why, want);
}

/*
 * A chunk of DEST damaged on the medium and rewritten by the next run
 * (it differs from the source) is lost for the point before that run,
 * and for every older one, until an older undo file holds it: T2's run
 * saved T1's chunk 8, so T1 comes back whole; T3 and T2 do not.
 */
static void damaged_chunk_rewritten_is_lost_until_an_older_undo_holds_it(void **state)
{
	static const int64_t times[] = { T1, T2, T3, T4 };
	char why[RP_MSG_LEN];
	struct rp_run *r;

	(void)state;
	three_points("lost");
	flip_byte(dest, 8 * CHUNK + 1000);
	assert_int_equal(rp_begin(dest, T4, SIZE3, CHUNK, &r, why, sizeof(why)), 0);
	assert_int_equal(rp_save_data(r, 0, p3, SIZE3, true), 0);
	assert_int_equal(rp_write(r, 0, p3, SIZE3), 0);
	assert_int_equal(rp_written_bytes(r), CHUNK);
	assert_int_equal(rp_lost_bytes(r), CHUNK);
	assert_int_equal(rp_commit(r), 0);
	assert_point_is(0, p3, SIZE3);
	assert_lost_at(T3, 8 * CHUNK);
	assert_lost_at(T2, 8 * CHUNK);
	assert_point_is(T1, p1, SIZE1);
	assert_points_but(times, 4, 0x6);
}

static void full_copy_writes_only_changed_chunks(void **state)
{
	static const int64_t times[] = { T1, T2, T3, T4 };
	unsigned char *p5 = malloc(SIZE3);
	char why[RP_MSG_LEN];
	struct rp_run *r;

	(void)state;
	assert_non_null(p5);
	three_points("compare");
	memcpy(p5, p3, SIZE3);
	fill(p5 + 4 * CHUNK + 10, 20, 600);		/* chunk 4 */
	fill(p5 + SIZE3 - 5, 5, 601);			/* the short last chunk */
	/* DEST's chunk 9 changed by someone else; the source's is p3's. */
	flip_byte(dest, 9 * CHUNK + 77);
	assert_int_equal(rp_begin(dest, T4, SIZE3, CHUNK, &r, why, sizeof(why)), 0);
	/* In two pieces, as batches cut a copy, and the whole image. */
	assert_int_equal(rp_save_data(r, 0, p5, 7 * CHUNK, true), 0);
	assert_int_equal(rp_save_data(r, 7 * CHUNK, p5 + 7 * CHUNK,
				      SIZE3 - 7 * CHUNK, true), 0);
	undo_seen = dir_synced_after_undo = true;
	dest_dirty = false;
	undo_dirty = true;
	watch_violations = watch_dest_writes = watch_undo_syncs = 0;
	hook_mode = HOOK_WATCH;
	assert_int_equal(rp_write(r, 0, p5, SIZE3), 0);
	hooks_off();
	assert_int_equal(watch_violations, 0);
	assert_int_equal(watch_undo_syncs, 1);
	/* Chunks 4, 9 and the last (123 bytes): three writes, nothing else. */
	assert_int_equal(watch_dest_writes, 3);
	assert_int_equal(rp_written_bytes(r), 2 * CHUNK + 123);
	assert_int_equal(rp_unchanged_bytes(r), SIZE3 - 2 * CHUNK - 123);
	/* Three undo records' worth, not the image's. */
	assert_true(rp_saved_bytes(r) >= 2 * CHUNK + 123);
	assert_true(rp_saved_bytes(r) < 3 * CHUNK);
	/* DEST's chunk 9 was not T3's: T3's is lost there. */
	assert_int_equal(rp_lost_bytes(r), CHUNK);
	assert_int_equal(rp_commit(r), 0);
	/* No older undo file holds chunk 9: T1 and T2 lost it too. */
	assert_points_but(times, 4, 0x7);
	assert_file_is(dest, p5, SIZE3);
	/* The checksums of the chunks left as they were are right too. */
	assert_point_is(0, p5, SIZE3);
	/*
	 * T3 does not come back as DEST held it (the changed byte) as if
	 * it were T3's: restore fails and names the chunk.
	 */
	assert_lost_at(T3, 9 * CHUNK);
	assert_lost_at(T1, 9 * CHUNK);
	free(p5);
}

/* Without compare, rp_save_data() saves all it covers, as rp_save(). */
static void save_data_without_compare_saves_everything(void **state)
{
	char why[RP_MSG_LEN];
	struct rp_run *r;

	(void)state;
	three_points("nocompare");
	assert_int_equal(rp_begin(dest, T4, SIZE3, CHUNK, &r, why, sizeof(why)), 0);
	assert_int_equal(rp_save_data(r, 0, p3, SIZE3, false), 0);
	assert_int_equal(rp_unchanged_bytes(r), 0);
	assert_true(rp_saved_bytes(r) >= SIZE1);
	assert_int_equal(rp_write(r, 0, p3, SIZE3), 0);
	assert_int_equal(rp_written_bytes(r), SIZE3);
	assert_int_equal(rp_commit(r), 0);
	assert_point_is(T3, p3, SIZE3);
}

/* A range past the image is refused and writes nothing. */
static void save_outside_the_image_is_refused(void **state)
{
	char why[RP_MSG_LEN];
	struct rp_run *r;

	(void)state;
	three_points("saveout");
	assert_int_equal(rp_begin(dest, T4, SIZE3, CHUNK, &r, why, sizeof(why)), 0);
	assert_int_equal(rp_save(r, SIZE3 - 10, 11), -EINVAL);
	assert_int_equal(rp_zero(r, SIZE3, 1), -EINVAL);
	assert_int_equal(rp_saved_bytes(r), 0);
	/* Refused, not failed: the run goes on. */
	assert_int_equal(rp_zero(r, 0, 10), 0);
	assert_int_equal(rp_commit(r), 0);
	assert_point_is(T3, p3, SIZE3);
}

static void truncated_undo_file_makes_its_point_incomplete(void **state)
{
	char path[PATH_MAX], why[RP_MSG_LEN];
	struct rp_point *v;
	struct stat st;
	size_t n;

	(void)state;
	three_points("truncundo");
	/* The undo of run 2 holds point 1. */
	undo_file(T2, path, sizeof(path));
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(truncate(path, st.st_size - 41), 0);
	assert_int_equal(rp_list(dest, &v, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(v[0].time, T1);
	assert_false(v[0].complete);
	assert_non_null(strstr(v[0].why, "truncated"));
	assert_true(v[1].complete);
	assert_true(v[2].complete);
	free(v);
	assert_int_equal(materialise_err(T1, why, sizeof(why)), -EBADMSG);
	assert_point_is(T2, p2, SIZE1);
	assert_point_is(T3, p3, SIZE3);
}

static void damaged_undo_data_is_found_at_restore(void **state)
{
	char path[PATH_MAX], why[RP_MSG_LEN];

	(void)state;
	three_points("badundo");
	undo_file(T3, path, sizeof(path));
	/* Into the first record's data: after the header and its head. */
	flip_byte(path, 128 + 40 + 3);
	assert_int_equal(materialise_err(T2, why, sizeof(why)), -EBADMSG);
	assert_non_null(strstr(why, "record data damaged"));
	/* The point older than the damage is out of reach too, the latest not. */
	assert_int_equal(materialise_err(T1, why, sizeof(why)), -EBADMSG);
	assert_point_is(0, p3, SIZE3);
}

static void torn_undo_head_stops_the_chain(void **state)
{
	char path[PATH_MAX];
	struct rp_point *v;
	size_t n;

	(void)state;
	three_points("tornhead");
	undo_file(T3, path, sizeof(path));
	flip_byte(path, 128 + 9);
	assert_int_equal(rp_list(dest, &v, &n), 0);
	assert_int_equal(n, 3);
	assert_false(v[0].complete);	/* behind the damage */
	assert_false(v[1].complete);
	assert_non_null(strstr(v[1].why, "torn or damaged"));
	assert_true(v[2].complete);
	free(v);
}

static void damaged_checksum_file_is_refused(void **state)
{
	char path[PATH_MAX], why[RP_MSG_LEN];
	struct rp_point *v;
	struct rp_run *r;
	struct stat st;
	size_t n;

	(void)state;
	three_points("badsums");
	snprintf(path, sizeof(path), "%s" RP_DIR_SUFFIX "/sums", dest);
	flip_byte(path, 128 + 8 * 3);
	assert_int_equal(materialise_err(0, why, sizeof(why)), -EBADMSG);
	assert_non_null(strstr(why, "hashes damaged"));
	assert_int_equal(rp_begin(dest, T4, SIZE3, CHUNK, &r, why, sizeof(why)),
			 -EBADMSG);
	flip_byte(path, 128 + 8 * 3);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(truncate(path, st.st_size - 1), 0);
	assert_int_equal(materialise_err(0, why, sizeof(why)), -EBADMSG);
	assert_non_null(strstr(why, "truncated"));
	/* No point is complete without it. */
	assert_int_equal(rp_list(dest, &v, &n), 0);
	for (size_t i = 0; i < n; i++)
		assert_false(v[i].complete);
	free(v);
}

static void lost_checksum_file_rolls_nothing_back(void **state)
{
	char path[PATH_MAX], msg[RP_MSG_LEN];
	struct rp_point *v;
	struct rp_run *r;
	size_t n, i;

	(void)state;
	three_points("lostsums");
	snprintf(path, sizeof(path), "%s" RP_DIR_SUFFIX "/sums", dest);
	assert_int_equal(unlink(path), 0);
	/* Rolling back every undo file would leave the first point alone. */
	assert_int_equal(rp_recover(dest, msg, sizeof(msg)), -EBADMSG);
	assert_non_null(strstr(msg, "the medium is damaged; nothing was rolled back"));
	assert_file_is(dest, p3, SIZE3);
	assert_int_equal(rp_begin(dest, T4, SIZE3, CHUNK, &r, msg, sizeof(msg)),
			 -EBADMSG);
	assert_file_is(dest, p3, SIZE3);
	assert_int_equal(rp_list(dest, &v, &n), 0);
	assert_int_equal(n, 2);
	for (i = 0; i < n; i++) {
		assert_false(v[i].complete);
		assert_non_null(strstr(v[i].why, "checksum file is damaged or missing"));
	}
	free(v);
}

static void damaged_image_chunk_is_named_at_restore(void **state)
{
	char why[RP_MSG_LEN];

	(void)state;
	three_points("badimage");
	flip_byte(dest, 7 * CHUNK + 5);
	assert_int_equal(materialise_err(0, why, sizeof(why)), -EBADMSG);
	assert_non_null(strstr(why, "chunk at byte 458752 does not match"));
}

static void retention_removes_the_oldest_points(void **state)
{
	static const struct range one[] = { { 4, 4 } };
	static const int64_t last3[] = { T2, T3, T4 }, last1[] = { T4 };
	char why[RP_MSG_LEN];
	unsigned int removed, points;
	int64_t latest;

	(void)state;
	three_points("retain");
	assert_int_equal(run(T4, SIZE3, p3, one, 1), 0);
	assert_int_equal(rp_latest_time(dest, &latest), 0);
	assert_int_equal(latest, T4);
	assert_int_equal(rp_retain(dest, 3, &removed, &points), 0);
	assert_int_equal(removed, 1);
	assert_int_equal(points, 3);
	assert_points(last3, 3);
	assert_point_is(T2, p2, SIZE1);
	assert_int_equal(materialise_err(T1, why, sizeof(why)), -ENOENT);
	assert_int_equal(rp_retain(dest, 3, &removed, &points), 0);
	assert_int_equal(removed, 0);
	assert_int_equal(points, 3);
	assert_int_equal(rp_retain(dest, 1, &removed, NULL), 0);
	assert_int_equal(removed, 2);
	assert_points(last1, 1);
	assert_point_is(0, p3, SIZE3);
	assert_int_equal(rp_retain(dest, 0, &removed, &points), -EINVAL);
}

static mode_t mode_of(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_mode & 07777;
}

static void files_are_private_whatever_the_umask(void **state)
{
	static const mode_t masks[] = { 0, 0277 };
	char path[PATH_MAX], name[32];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(masks); i++) {
		mode_t old;

		snprintf(name, sizeof(name), "modes%zu", i);
		fresh_medium(name);
		old = umask(masks[i]);
		assert_int_equal(run1(), 0);
		assert_int_equal(run2(), 0);
		umask(old);
		assert_int_equal(mode_of(dest), 0600);
		snprintf(path, sizeof(path), "%s" RP_DIR_SUFFIX, dest);
		assert_int_equal(mode_of(path), 0700);
		snprintf(path, sizeof(path), "%s" RP_DIR_SUFFIX "/sums", dest);
		assert_int_equal(mode_of(path), 0600);
		undo_file(T2, path, sizeof(path));
		assert_int_equal(mode_of(path), 0600);
	}
}

static void recovery_says_what_it_rolled_back(void **state)
{
	static const int64_t two[] = { T1, T2 };
	char why[RP_MSG_LEN], msg[RP_MSG_LEN], want[RP_MSG_LEN + PATH_MAX];
	struct rp_run *r;

	(void)state;
	fresh_medium("say");
	assert_int_equal(run1(), 0);
	assert_int_equal(run2(), 0);
	assert_int_equal(rp_begin(dest, T3, SIZE3, CHUNK, &r, why, sizeof(why)), 0);
	assert_int_equal(rp_write(r, 0, p3, CHUNK), 0);
	/* As a crash would leave it: the run is simply gone. */
	hook_mode = HOOK_FAIL;
	hook_at = 0;
	hook_steps = 0;
	hook_errno = EIO;
	assert_int_equal(rp_commit(r), -EIO);
	hooks_off();
	assert_int_equal(rp_begin(dest, T3, SIZE3, CHUNK, &r, why, sizeof(why)),
			 -EUCLEAN);
	assert_int_equal(rp_recover(dest, msg, sizeof(msg)), 1);
	snprintf(want, sizeof(want), "rolled back the interrupted run of "
		 "2025-12-01T21:00:00Z (65536 bytes put back): %s is the point "
		 "of 2025-11-30T21:00:00Z again", dest);
	assert_string_equal(msg, want);
	assert_points(two, 2);
	assert_int_equal(rp_recover(dest, msg, sizeof(msg)), 0);
	assert_string_equal(msg, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(full_and_two_incrementals_give_three_points),
		cmocka_unit_test(point_not_kept_is_not_found),
		cmocka_unit_test(smaller_image_keeps_the_cut_tail_in_its_point),
		cmocka_unit_test(begin_refuses_an_older_time_a_second_run_and_a_changed_dest),
		cmocka_unit_test(killed_run_at_any_step_leaves_the_last_complete_point),
		cmocka_unit_test(torn_write_at_any_step_leaves_the_last_complete_point),
		cmocka_unit_test(power_cut_at_any_step_leaves_the_last_complete_point),
		cmocka_unit_test(enospc_at_any_step_leaves_the_last_complete_point),
		cmocka_unit_test(eio_at_any_step_leaves_the_last_complete_point),
		cmocka_unit_test(old_contents_are_durable_before_dest_is_written),
		cmocka_unit_test(truncated_undo_file_makes_its_point_incomplete),
		cmocka_unit_test(damaged_undo_data_is_found_at_restore),
		cmocka_unit_test(torn_undo_head_stops_the_chain),
		cmocka_unit_test(damaged_checksum_file_is_refused),
		cmocka_unit_test(lost_checksum_file_rolls_nothing_back),
		cmocka_unit_test(damaged_image_chunk_is_named_at_restore),
		cmocka_unit_test(retention_removes_the_oldest_points),
		cmocka_unit_test(saved_batch_costs_one_fsync_and_zeros_keep_old_data),
		cmocka_unit_test(save_outside_the_image_is_refused),
		cmocka_unit_test(full_copy_writes_only_changed_chunks),
		cmocka_unit_test(damaged_chunk_rewritten_is_lost_until_an_older_undo_holds_it),
		cmocka_unit_test(save_data_without_compare_saves_everything),
		cmocka_unit_test(files_are_private_whatever_the_umask),
		cmocka_unit_test(recovery_says_what_it_rolled_back),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
