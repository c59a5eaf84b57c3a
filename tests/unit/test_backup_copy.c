// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Copying ranges of an image: the destination ends byte-identical; runs
 * of zeros are left as holes in a fresh file and punched (or written)
 * over old data; a stop request ends the copy between chunks; a long
 * copy leaves none of its source and little of its destination in the
 * page cache.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include <cmocka.h>
#include "backup/backup_copy.h"

#define SIZE	(8U << 20)
#define MiB	(1U << 20)

static char dir[] = "/tmp/test_backup_copy.XXXXXX";
static char src_path[PATH_MAX], dst_path[PATH_MAX];
static unsigned char *want;

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(src_path, sizeof(src_path), "%s/src", dir);
	snprintf(dst_path, sizeof(dst_path), "%s/dst", dir);
	want = calloc(1, SIZE);
	return want ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	unlink(src_path);
	unlink(dst_path);
	rmdir(dir);
	free(want);
	return 0;
}

/* A source of data and zero runs: 1 MiB data, 3 MiB zeros, ... */
static int make_src(void)
{
	int fd = open(src_path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	size_t i;

	assert_true(fd >= 0);
	memset(want, 0, SIZE);
	for (i = 0; i < MiB; i++)
		want[i] = (unsigned char)(i * 7 + 1);
	for (i = 5 * MiB; i < 5 * MiB + 12288; i++)
		want[i] = (unsigned char)(i * 13 + 3);
	assert_int_equal(pwrite(fd, want, SIZE, 0), SIZE);
	return fd;
}

static void assert_dst_is(const unsigned char *expect)
{
	unsigned char *got = malloc(SIZE);
	int fd = open(dst_path, O_RDONLY);

	assert_non_null(got);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, got, SIZE, 0), SIZE);
	close(fd);
	assert_memory_equal(got, expect, SIZE);
	free(got);
}

static uint64_t allocated(void)
{
	struct stat st;

	assert_int_equal(stat(dst_path, &st), 0);
	return (uint64_t)st.st_blocks * 512;
}

static void full_copy_to_a_fresh_file_stays_sparse(void **state)
{
	struct backup_copy c;
	int src = make_src(), dst;

	(void)state;
	dst = open(dst_path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_int_equal(ftruncate(dst, SIZE), 0);
	assert_int_equal(backup_copy_init(&c, src, dst, true), 0);
	assert_int_equal(backup_copy_range(&c, 0, SIZE), 0);
	assert_int_equal(c.done, SIZE);
	assert_int_equal(c.written, MiB + 12288);
	backup_copy_free(&c);
	close(dst);
	close(src);
	assert_dst_is(want);
	/* Some slack for filesystem metadata blocks. */
	assert_true(allocated() <= MiB + 12288 + 65536);
}

static void changed_range_now_zero_reaches_the_destination(void **state)
{
	struct backup_copy c;
	unsigned char *old = malloc(SIZE);
	int src = make_src(), dst;
	size_t i;

	(void)state;
	assert_non_null(old);
	/* An older backup with data everywhere. */
	for (i = 0; i < SIZE; i++)
		old[i] = 0xa5;
	dst = open(dst_path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_int_equal(pwrite(dst, old, SIZE, 0), SIZE);
	/* The changed ranges: the data run and part of the zeros after it. */
	assert_int_equal(backup_copy_init(&c, src, dst, false), 0);
	assert_int_equal(backup_copy_range(&c, 0, 2 * MiB), 0);
	assert_int_equal(backup_copy_range(&c, 5 * MiB, 64 * 1024), 0);
	backup_copy_free(&c);
	close(dst);
	close(src);
	memcpy(old, want, 2 * MiB);
	memcpy(old + 5 * MiB, want + 5 * MiB, 64 * 1024);
	assert_dst_is(old);
	free(old);
}

static bool stop_now(void)
{
	return true;
}

static void stop_request_ends_the_copy(void **state)
{
	struct backup_copy c;
	int src = make_src(), dst;

	(void)state;
	dst = open(dst_path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_int_equal(backup_copy_init(&c, src, dst, true), 0);
	c.stop = stop_now;
	assert_int_equal(backup_copy_range(&c, 0, SIZE), -EINTR);
	assert_int_equal(c.done, 0);
	backup_copy_free(&c);
	close(dst);
	close(src);
}

static void short_source_is_an_error(void **state)
{
	struct backup_copy c;
	int src = make_src(), dst;

	(void)state;
	dst = open(dst_path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_int_equal(backup_copy_init(&c, src, dst, true), 0);
	assert_int_equal(backup_copy_range(&c, SIZE - 4096, 8192), -EIO);
	assert_false(c.failed_on_dst);
	backup_copy_free(&c);
	close(dst);
	close(src);
}

/* The hooks' record: a memory image and what reached it, in order. */
struct hooked {
	unsigned char *img;
	uint64_t put_bytes, zero_bytes;
	unsigned int puts, zeros;
	int fail_put;		/* returned by the next put, if set */
};

static int put_hook(void *arg, uint64_t offset, const void *data, size_t len)
{
	struct hooked *h = arg;

	if (h->fail_put)
		return h->fail_put;
	memcpy(h->img + offset, data, len);
	h->put_bytes += len;
	h->puts++;
	return 0;
}

static int zero_hook(void *arg, uint64_t offset, uint64_t len)
{
	struct hooked *h = arg;

	memset(h->img + offset, 0, len);
	h->zero_bytes += len;
	h->zeros++;
	return 0;
}

/*
 * Through hooks (restore points), data runs go to put and zero runs to
 * zero, never to the descriptor; on a zeroed destination zero runs are
 * skipped as for a fresh file.
 */
static void hooks_take_data_and_zero_runs(void **state)
{
	struct hooked h = { 0 };
	struct backup_copy c;
	int src = make_src();
	size_t i;

	(void)state;
	h.img = malloc(SIZE);
	assert_non_null(h.img);
	for (i = 0; i < SIZE; i++)
		h.img[i] = 0x5a;
	/* -1: a write to the descriptor would fail the copy with EBADF. */
	assert_int_equal(backup_copy_init(&c, src, -1, false), 0);
	c.put = put_hook;
	c.zero = zero_hook;
	c.put_arg = &h;
	assert_int_equal(backup_copy_range(&c, 0, SIZE), 0);
	assert_memory_equal(h.img, want, SIZE);
	assert_int_equal(h.put_bytes, MiB + 12288);
	assert_int_equal(h.zero_bytes, SIZE - MiB - 12288);
	assert_int_equal(c.written, MiB + 12288);
	backup_copy_free(&c);
	free(h.img);

	memset(&h, 0, sizeof(h));
	h.img = calloc(1, SIZE);
	assert_non_null(h.img);
	assert_int_equal(backup_copy_init(&c, src, -1, true), 0);
	c.put = put_hook;
	c.zero = zero_hook;
	c.put_arg = &h;
	assert_int_equal(backup_copy_range(&c, 0, SIZE), 0);
	assert_memory_equal(h.img, want, SIZE);
	assert_int_equal(h.zeros, 0);
	/* A failing put is the destination's failure. */
	h.fail_put = -ENOSPC;
	assert_int_equal(backup_copy_range(&c, 0, MiB), -ENOSPC);
	assert_true(c.failed_on_dst);
	backup_copy_free(&c);
	free(h.img);
	close(src);
}

/*
 * The two halves: read into the caller's buffer (a stop request ends it
 * before anything is read), put from it, counted done only once put.
 */
static void read_then_put_is_the_copy(void **state)
{
	struct hooked h = { 0 };
	struct backup_copy c;
	unsigned char *buf = malloc(2 * MiB);
	int src = make_src();

	(void)state;
	assert_non_null(buf);
	h.img = calloc(1, SIZE);
	assert_non_null(h.img);
	assert_int_equal(backup_copy_init(&c, src, -1, false), 0);
	c.put = put_hook;
	c.zero = zero_hook;
	c.put_arg = &h;
	assert_int_equal(backup_copy_read(&c, MiB / 2, buf, 2 * MiB), 0);
	assert_int_equal(c.done, 0);
	assert_memory_equal(buf, want + MiB / 2, 2 * MiB);
	assert_int_equal(backup_copy_put(&c, MiB / 2, buf, 2 * MiB), 0);
	assert_int_equal(c.done, 2 * MiB);
	assert_memory_equal(h.img + MiB / 2, want + MiB / 2, 2 * MiB);
	assert_int_equal(h.put_bytes, MiB / 2);
	assert_int_equal(h.zero_bytes, 3 * MiB / 2);
	c.stop = stop_now;
	memset(buf, 0xee, 4096);
	assert_int_equal(backup_copy_read(&c, 0, buf, 4096), -EINTR);
	assert_int_equal(buf[0], 0xee);
	assert_false(c.failed_on_dst);
	backup_copy_free(&c);
	free(h.img);
	free(buf);
	close(src);
}

/* Bytes of @path in the page cache (mincore(2) of a mapping of it). */
static uint64_t resident(const char *path, uint64_t size)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t pages = (size + page - 1) / page, i;
	unsigned char *vec = malloc(pages);
	uint64_t n = 0;
	void *map;
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_non_null(vec);
	map = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	assert_true(map != MAP_FAILED);
	assert_int_equal(mincore(map, size, vec), 0);
	for (i = 0; i < pages; i++)
		n += vec[i] & 1;
	munmap(map, size);
	close(fd);
	free(vec);
	return n * page;
}

/*
 * 128 MiB copied: the source's pages are dropped as they are read, the
 * destination's written back and dropped every step, so at most a few
 * steps of it stay cached (all 256 MiB would without the advice).
 */
static void long_copy_leaves_little_in_the_page_cache(void **state)
{
	const uint64_t size = 128ULL * MiB;
	unsigned char *block = malloc(MiB);
	struct backup_copy c;
	struct statfs fs;
	uint64_t i, src_left, dst_left;
	int src, dst;

	(void)state;
	assert_int_equal(statfs(dir, &fs), 0);
	if (fs.f_type == TMPFS_MAGIC)
		skip();		/* on tmpfs the page cache is the file */
	assert_non_null(block);
	src = open(src_path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(src >= 0);
	for (i = 0; i < size / MiB; i++) {
		memset(block, (int)(i % 251) + 1, MiB);
		assert_int_equal(pwrite(src, block, MiB, i * MiB), MiB);
	}
	/* The source starts out of the cache, as a device not read lately. */
	assert_int_equal(fsync(src), 0);
	assert_int_equal(posix_fadvise(src, 0, 0, POSIX_FADV_DONTNEED), 0);
	dst = open(dst_path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(dst >= 0);
	assert_int_equal(ftruncate(dst, size), 0);
	assert_int_equal(backup_copy_init(&c, src, dst, true), 0);
	assert_int_equal(backup_copy_range(&c, 0, size), 0);
	backup_copy_free(&c);
	src_left = resident(src_path, size);
	dst_left = resident(dst_path, size);
	print_message("cached after the copy: source %llu KiB, destination %llu KiB\n",
		      (unsigned long long)(src_left >> 10),
		      (unsigned long long)(dst_left >> 10));
	assert_true(src_left <= 4 * MiB);
	assert_true(dst_left <= 4 * CACHE_BEHIND_STEP);
	assert_int_equal(fsync(dst), 0);
	close(src);
	close(dst);
	unlink(src_path);
	unlink(dst_path);
	free(block);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(full_copy_to_a_fresh_file_stays_sparse),
		cmocka_unit_test(changed_range_now_zero_reaches_the_destination),
		cmocka_unit_test(stop_request_ends_the_copy),
		cmocka_unit_test(long_copy_leaves_little_in_the_page_cache),
		cmocka_unit_test(short_source_is_an_error),
		cmocka_unit_test(hooks_take_data_and_zero_runs),
		cmocka_unit_test(read_then_put_is_the_copy),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
