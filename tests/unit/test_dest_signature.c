// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dest_signature: what libblkid finds on a DEST before a backup writes
 * over it, on files made here byte by byte (no mkfs needed).
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "backup/dest_signature.h"
#include "scratch_tree.h"

#define SIZE	(1U << 20)

static char top[] = "/tmp/test_dest_signature.XXXXXX";
static char path[sizeof(top) + 16];
static unsigned char img[SIZE];

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

static void write_img(void)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, img, SIZE), SIZE);
	close(fd);
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(top))
		return -1;
	snprintf(path, sizeof(path), "%s/dest.img", top);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return scratch_tree_remove(top);
}

static void zeros_hold_nothing(void **state)
{
	char what[128];

	(void)state;
	memset(img, 0, SIZE);
	write_img();
	assert_int_equal(dest_signature(path, what, sizeof(what)), 0);
	assert_string_equal(what, "");
}

/* A version-1 swap header: its UUID at byte 1036, the magic ending page 0. */
static void swap_is_named_with_its_uuid(void **state)
{
	char what[128];
	int i;

	(void)state;
	memset(img, 0, SIZE);
	put32(img + 1024, 1);		/* version */
	put32(img + 1028, SIZE / 4096 - 1);	/* last page */
	for (i = 0; i < 16; i++)
		img[1036 + i] = 0x10 + i;
	memcpy(img + 4096 - 10, "SWAPSPACE2", 10);
	write_img();
	assert_int_equal(dest_signature(path, what, sizeof(what)), 1);
	assert_string_equal(what, "swap (UUID 10111213-1415-1617-1819-1a1b1c1d1e1f)");
}

/* An MBR with one Linux partition. */
static void partition_table_is_named(void **state)
{
	char what[128];

	(void)state;
	memset(img, 0, SIZE);
	img[446 + 4] = 0x83;		/* type */
	put32(img + 446 + 8, 64);	/* first sector */
	put32(img + 446 + 12, 100);	/* sectors */
	img[510] = 0x55;
	img[511] = 0xaa;
	write_img();
	assert_int_equal(dest_signature(path, what, sizeof(what)), 1);
	assert_string_equal(what, "a dos partition table");
}

static void missing_file_is_an_error(void **state)
{
	char what[128], missing[sizeof(top) + 16];

	(void)state;
	snprintf(missing, sizeof(missing), "%s/none.img", top);
	assert_int_equal(dest_signature(missing, what, sizeof(what)), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(zeros_hold_nothing),
		cmocka_unit_test(swap_is_named_with_its_uuid),
		cmocka_unit_test(partition_table_is_named),
		cmocka_unit_test(missing_file_is_an_error),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
