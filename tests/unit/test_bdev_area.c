// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The blksnap area of a block-device DEST (bdev_area.h): a header reads
 * back as written; a torn, truncated or damaged copy falls back to the
 * other; both bad is refused, no header at all is "none"; another version
 * or a resized device is refused; a device without room is -ENOSPC; a
 * new undo log goes after the newest or wraps, up to the oldest, which
 * retention drops.  And the undo log and checksum file at a place in a
 * device (undo_log.h, block_sums.h) as the area holds them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <xxhash.h>
#include "backup/bdev_area.h"
#include "backup/block_sums.h"
#include "backup/undo_log.h"

#define MIB		(1ULL << 20)
#define DEV_SIZE	(96 * MIB)
#define IMAGE		(64 * MIB)
#define CHUNK		(64U << 10)
#define T0		1764678896

static char why[160];

static void sample(struct bdev_area *a, uint64_t seq)
{
	uint32_t i;

	assert_int_equal(bdev_area_layout(DEV_SIZE, IMAGE, CHUNK, a), 0);
	memset(a->uuid, 0xab, sizeof(a->uuid));
	a->seq = seq;
	a->sums_cur = 1;
	a->sums_len = block_sums_bytes(block_sums_count(IMAGE, CHUNK));
	a->nlogs = 3;
	for (i = 0; i < 3; i++)
		a->log[i] = (struct bdev_area_log){
			.time = T0 + i, .offset = a->log_start + i * MIB,
			.length = i < 2 ? MIB / 2 : 0,
		};
}

static void header_reads_back_as_written(void **state)
{
	unsigned char b[BDEV_AREA_HEADER];
	struct bdev_area a, r;

	(void)state;
	sample(&a, 7);
	bdev_area_encode(&a, b);
	assert_int_equal(bdev_area_decode(b, DEV_SIZE, &r, why, sizeof(why)), 0);
	assert_memory_equal(&a, &r, sizeof(a));
	/* The copies: the last 8 KiB, the image below the area. */
	assert_int_equal(bdev_area_header_at(DEV_SIZE, 1), DEV_SIZE - 4096);
	assert_int_equal(bdev_area_header_at(DEV_SIZE, 0), DEV_SIZE - 8192);
	assert_int_equal(a.area_start, IMAGE);
	assert_int_equal(a.log_end, DEV_SIZE - 8192);
}

static void torn_or_truncated_copy_falls_back_to_the_other(void **state)
{
	unsigned char old[BDEV_AREA_HEADER], new[BDEV_AREA_HEADER];
	struct bdev_area a, r;

	(void)state;
	sample(&a, 4);
	bdev_area_encode(&a, old);
	a.nlogs = 2;
	a.seq = 5;
	bdev_area_encode(&a, new);
	assert_int_equal(bdev_area_pick(old, new, DEV_SIZE, &r, why, sizeof(why)), 0);
	assert_int_equal(r.seq, 5);
	/* Torn: the write of seq 5 reached only its first half. */
	memset(new + BDEV_AREA_HEADER / 2, 0, BDEV_AREA_HEADER / 2);
	assert_int_equal(bdev_area_pick(old, new, DEV_SIZE, &r, why, sizeof(why)), 0);
	assert_int_equal(r.seq, 4);
	assert_int_equal(r.nlogs, 3);
	/* Truncated to nothing (a fresh device's zeros): the other one. */
	memset(new, 0, sizeof(new));
	assert_int_equal(bdev_area_pick(new, old, DEV_SIZE, &r, why, sizeof(why)), 0);
	assert_int_equal(r.seq, 4);
}

static void wrong_checksum_is_refused(void **state)
{
	unsigned char b[BDEV_AREA_HEADER], c[BDEV_AREA_HEADER];
	struct bdev_area a, r;
	size_t at;

	(void)state;
	sample(&a, 3);
	bdev_area_encode(&a, b);
	/* Any byte past the magic, the checksum itself included. */
	for (at = 8; at < BDEV_AREA_HEADER; at += 509) {
		memcpy(c, b, sizeof(c));
		c[at] ^= 0x10;
		assert_int_equal(bdev_area_decode(c, DEV_SIZE, &r, why, sizeof(why)),
				 -EBADMSG);
	}
	c[BDEV_AREA_HEADER - 1] ^= 1;
	assert_int_equal(bdev_area_decode(c, DEV_SIZE, &r, why, sizeof(why)), -EBADMSG);
	assert_non_null(strstr(why, "checksum"));
	/* Both copies bad: refused, not taken for a device without an area. */
	assert_int_equal(bdev_area_pick(c, c, DEV_SIZE, &r, why, sizeof(why)), -EBADMSG);
	assert_non_null(strstr(why, "both header copies"));
}

static void no_header_at_all_is_none(void **state)
{
	unsigned char z[BDEV_AREA_HEADER] = { 0 };
	struct bdev_area r;

	(void)state;
	assert_int_equal(bdev_area_pick(z, z, DEV_SIZE, &r, why, sizeof(why)), -ENOENT);
}

/* @b re-sealed after a change, as a writer of another format would. */
static void reseal(unsigned char b[BDEV_AREA_HEADER])
{
	uint64_t h = XXH3_64bits(b, BDEV_AREA_HEADER - 8);

	for (int i = 0; i < 8; i++)
		b[BDEV_AREA_HEADER - 8 + i] = h >> (8 * i);
}

static void other_version_or_resized_device_is_refused(void **state)
{
	unsigned char b[BDEV_AREA_HEADER];
	struct bdev_area a, r;

	(void)state;
	sample(&a, 1);
	bdev_area_encode(&a, b);
	assert_int_equal(bdev_area_decode(b, DEV_SIZE + MIB, &r, why, sizeof(why)),
			 -EBADMSG);
	assert_non_null(strstr(why, "resized"));
	b[8] = 2;
	reseal(b);
	assert_int_equal(bdev_area_decode(b, DEV_SIZE, &r, why, sizeof(why)), -EBADMSG);
	assert_non_null(strstr(why, "area format 2"));
	/* A log past the region, sealed right: out of range. */
	bdev_area_encode(&a, b);
	memset(b + 128 + 8, 0xff, 8);
	reseal(b);
	assert_int_equal(bdev_area_decode(b, DEV_SIZE, &r, why, sizeof(why)), -EBADMSG);
	assert_non_null(strstr(why, "out of range"));
}

static void device_without_room_is_enospc(void **state)
{
	uint64_t min = bdev_area_min_dev_size(IMAGE, CHUNK);
	struct bdev_area a;

	(void)state;
	assert_true(min > IMAGE + BDEV_AREA_MIN_LOG);
	assert_true(min < IMAGE + BDEV_AREA_MIN_LOG + MIB);
	assert_int_equal(bdev_area_layout(min - 1, IMAGE, CHUNK, &a), -ENOSPC);
	assert_int_equal(bdev_area_layout(min, IMAGE, CHUNK, &a), 0);
	assert_true(a.log_end - a.log_start >= BDEV_AREA_MIN_LOG);
	/* A source of 66 MiB on the 96 MiB device still fits, 91 MiB not. */
	assert_int_equal(bdev_area_layout(DEV_SIZE, 66 * MIB, CHUNK, &a), 0);
	assert_int_equal(bdev_area_layout(DEV_SIZE, 91 * MIB + 1, CHUNK, &a), -ENOSPC);
}

static void logs_go_after_the_newest_then_wrap_and_drop_the_oldest(void **state)
{
	uint64_t start, limit, region;
	struct bdev_area a;

	(void)state;
	assert_int_equal(bdev_area_layout(DEV_SIZE, IMAGE, CHUNK, &a), 0);
	region = a.log_end - a.log_start;
	bdev_area_place(&a, UINT64_MAX, &start, &limit);
	assert_int_equal(start, a.log_start);
	assert_int_equal(limit, region);
	a.log[a.nlogs++] = (struct bdev_area_log){ T0, a.log_start, 10 * MIB };
	a.log[a.nlogs++] = (struct bdev_area_log){ T0 + 1, a.log_start + 10 * MIB,
						   5 * MIB + 1 };
	/* Fits after the newest (rounded up to 4 KiB): there, to the end. */
	bdev_area_place(&a, MIB, &start, &limit);
	assert_int_equal(start, a.log_start + 15 * MIB + 4096);
	assert_int_equal(limit, a.log_end - start);
	/* Does not: back to the start, up to the oldest log. */
	bdev_area_place(&a, region - 15 * MIB, &start, &limit);
	assert_int_equal(start, a.log_start);
	assert_int_equal(limit, 0);
	/* Retention drops the oldest: the room reaches the next one. */
	bdev_area_remove(&a, 0);
	assert_int_equal(a.nlogs, 1);
	assert_int_equal(a.log[0].time, T0 + 1);
	assert_int_equal(bdev_area_room_from(&a, a.log_start), 10 * MIB);
	bdev_area_remove(&a, 0);
	assert_int_equal(bdev_area_room_from(&a, a.log_start), region);
}

/* The undo log's room callback: 1 MiB more per call, at most twice. */
static int grow(void *arg, struct undo_writer *w, uint64_t need)
{
	int *calls = arg;

	(void)need;
	if (++*calls > 2)
		return -ENOSPC;
	w->limit += MIB;
	return 0;
}

static void undo_log_in_a_region_grows_and_reads_back(void **state)
{
	char path[] = "/tmp/test_bdev_area.XXXXXX";
	struct undo_header h = {
		.chunk_size = CHUNK, .take_time = T0 + 9, .prev_time = T0,
		.old_size = IMAGE, .new_size = IMAGE,
	};
	static unsigned char chunk[CHUNK], junk[4 * MIB];
	const uint64_t base = 3 * MIB;
	struct undo_writer w;
	struct undo_scan s;
	int fd, calls = 0, i;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	/* Stale bytes (an older log's) all over the region. */
	memset(junk, 0x5a, sizeof(junk));
	assert_int_equal(pwrite(fd, junk, sizeof(junk), base), sizeof(junk));
	assert_int_equal(undo_create_at(fd, base, 64, &h, &w), -ENOSPC);
	assert_int_equal(undo_create_at(fd, base, MIB / 2, &h, &w), 0);
	w.room = grow;
	w.room_arg = &calls;
	memset(chunk, 0xc3, sizeof(chunk));
	/* 2.5 MiB after two growths: 39 records of a chunk and a head. */
	for (i = 0; i < 100 && !undo_append(&w, (uint64_t)(i % 64) * CHUNK,
					    chunk, CHUNK); i++)
		;
	assert_int_equal(i, 39);
	assert_int_equal(calls, 3);
	assert_int_equal(w.limit, MIB / 2 + 2 * MIB);
	assert_true(w.end <= w.limit);
	assert_int_equal(undo_finish(&w), 0);
	undo_close(&w);
	/* The caller's fd stays open. */
	assert_true(fcntl(fd, F_GETFD) >= 0);
	assert_int_equal(undo_scan_region(fd, base, w.end, &s,
					  &(const struct undo_visit){ 0 }), 0);
	assert_true(s.complete);
	assert_int_equal(s.records, 39);
	/* Read on into the stale bytes: the records are the same, not whole. */
	assert_int_equal(undo_scan_region(fd, base, w.limit, &s,
					  &(const struct undo_visit){ 0 }), 0);
	assert_false(s.complete);
	assert_int_equal(s.records, 39);
	close(fd);
}

static void undo_log_of_exact_length_is_complete(void **state)
{
	char path[] = "/tmp/test_bdev_area.XXXXXX";
	struct undo_header h = {
		.chunk_size = CHUNK, .take_time = T0 + 9, .prev_time = T0,
		.old_size = IMAGE, .new_size = IMAGE,
	};
	static unsigned char chunk[CHUNK];
	const uint64_t base = MIB;
	struct undo_writer w;
	struct undo_scan s;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(undo_create_at(fd, base, 4 * MIB, &h, &w), 0);
	assert_int_equal(undo_append(&w, CHUNK, chunk, CHUNK), 0);
	assert_int_equal(undo_finish(&w), 0);
	assert_int_equal(undo_scan_region(fd, base, w.end, &s,
					  &(const struct undo_visit){ 0 }), 0);
	assert_true(s.complete);
	assert_int_equal(s.records, 1);
	/* Read to the region's end (a run not committed): not complete. */
	assert_int_equal(undo_scan_region(fd, base, 4 * MIB, &s,
					  &(const struct undo_visit){ 0 }), 0);
	assert_false(s.complete);
	assert_int_equal(s.records, 1);
	/* A torn header: not a log. */
	assert_int_equal(pwrite(fd, "X", 1, base + 20), 1);
	assert_int_equal(undo_scan_region(fd, base, w.end, &s,
					  &(const struct undo_visit){ 0 }), -EBADMSG);
	close(fd);
}

static void checksums_at_a_place_read_back_and_refuse_truncation(void **state)
{
	char path[] = "/tmp/test_bdev_area.XXXXXX";
	struct block_sums s, r;
	uint64_t i, len;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(block_sums_init(&s, CHUNK, IMAGE, T0), 0);
	for (i = 0; i < s.count; i++)
		s.sum[i] = i * 77;
	len = block_sums_bytes(s.count);
	assert_int_equal(block_sums_write_at(fd, 5 * MIB, &s), 0);
	assert_int_equal(block_sums_read_at(fd, 5 * MIB, len, &r, why, sizeof(why)), 0);
	assert_int_equal(r.count, s.count);
	assert_memory_equal(r.sum, s.sum, s.count * 8);
	block_sums_free(&r);
	assert_int_equal(block_sums_read_at(fd, 5 * MIB, len - 8, &r, why, sizeof(why)),
			 -EBADMSG);
	assert_int_equal(pwrite(fd, "\1", 1, 5 * MIB + len - 3), 1);
	assert_int_equal(block_sums_read_at(fd, 5 * MIB, len, &r, why, sizeof(why)),
			 -EBADMSG);
	block_sums_free(&s);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(header_reads_back_as_written),
		cmocka_unit_test(torn_or_truncated_copy_falls_back_to_the_other),
		cmocka_unit_test(wrong_checksum_is_refused),
		cmocka_unit_test(no_header_at_all_is_none),
		cmocka_unit_test(other_version_or_resized_device_is_refused),
		cmocka_unit_test(device_without_room_is_enospc),
		cmocka_unit_test(logs_go_after_the_newest_then_wrap_and_drop_the_oldest),
		cmocka_unit_test(undo_log_in_a_region_grows_and_reads_back),
		cmocka_unit_test(undo_log_of_exact_length_is_complete),
		cmocka_unit_test(checksums_at_a_place_read_back_and_refuse_truncation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
