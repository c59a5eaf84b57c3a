// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The checksum file: what is written reads back the same; a file cut
 * short or grown, or with a byte changed anywhere, is refused; the
 * replacement leaves no temporary file and is 0600 whatever the umask.
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
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "backup/block_sums.h"

static char dir[] = "/tmp/test_block_sums.XXXXXX";
static char path[PATH_MAX], tmp[PATH_MAX + 8];
static char why[160];

static void sample(struct block_sums *s)
{
	uint64_t i;

	/* 5 chunks and 7 bytes: a short last chunk. */
	assert_int_equal(block_sums_init(s, 4096, 5 * 4096 + 7, 1764678896), 0);
	assert_int_equal(s->count, 6);
	assert_int_equal(block_sums_chunk_len(s, 5), 7);
	for (i = 0; i < s->count; i++)
		s->sum[i] = block_sum(&i, sizeof(i));
}

static uint64_t write_sample(void)
{
	struct block_sums s;
	struct stat st;

	sample(&s);
	assert_int_equal(block_sums_write(path, &s), 0);
	block_sums_free(&s);
	assert_int_equal(stat(path, &st), 0);
	return st.st_size;
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/sums", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	return rmdir(dir);
}

static void written_sums_read_back_the_same(void **state)
{
	struct block_sums a, b;

	(void)state;
	write_sample();
	sample(&a);
	assert_int_equal(block_sums_read(path, &b, why, sizeof(why)), 0);
	assert_int_equal(b.chunk_size, a.chunk_size);
	assert_int_equal(b.take_time, a.take_time);
	assert_int_equal(b.image_size, a.image_size);
	assert_int_equal(b.count, a.count);
	assert_memory_equal(b.sum, a.sum, a.count * sizeof(*a.sum));
	block_sums_free(&a);
	block_sums_free(&b);
	assert_int_equal(access(tmp, F_OK), -1);
}

static void cut_or_grown_file_is_refused(void **state)
{
	struct block_sums s;
	uint64_t size, cut;
	int fd;

	(void)state;
	size = write_sample();
	assert_int_equal(size, BLOCK_SUMS_HEADER + 7 * 8);
	for (cut = 0; cut < size; cut++) {
		write_sample();
		assert_int_equal(truncate(path, cut), 0);
		assert_int_equal(block_sums_read(path, &s, why, sizeof(why)),
				 -EBADMSG);
		assert_null(s.sum);
	}
	write_sample();
	fd = open(path, O_WRONLY | O_APPEND);
	assert_int_equal(write(fd, "\0", 1), 1);
	close(fd);
	assert_int_equal(block_sums_read(path, &s, why, sizeof(why)), -EBADMSG);
	assert_non_null(strstr(why, "expected"));
}

static void any_changed_byte_is_refused(void **state)
{
	struct block_sums s;
	uint64_t size, at;
	unsigned char c;
	int fd;

	(void)state;
	size = write_sample();
	for (at = 0; at < size; at++) {
		/* Reserved bytes are covered by the header's hash as well. */
		write_sample();
		fd = open(path, O_RDWR);
		assert_int_equal(pread(fd, &c, 1, at), 1);
		c ^= 0x10;
		assert_int_equal(pwrite(fd, &c, 1, at), 1);
		close(fd);
		assert_int_equal(block_sums_read(path, &s, why, sizeof(why)),
				 -EBADMSG);
	}
}

static void missing_file_is_enoent(void **state)
{
	struct block_sums s;

	(void)state;
	unlink(path);
	assert_int_equal(block_sums_read(path, &s, why, sizeof(why)), -ENOENT);
}

static void file_is_0600_whatever_the_umask(void **state)
{
	static const mode_t masks[] = { 0, 0277 };
	struct stat st;
	size_t i;

	(void)state;
	for (i = 0; i < 2; i++) {
		mode_t old = umask(masks[i]);

		unlink(path);
		write_sample();
		umask(old);
		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_mode & 07777, 0600);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(written_sums_read_back_the_same),
		cmocka_unit_test(cut_or_grown_file_is_refused),
		cmocka_unit_test(any_changed_byte_is_refused),
		cmocka_unit_test(missing_file_is_enoent),
		cmocka_unit_test(file_is_0600_whatever_the_umask),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
