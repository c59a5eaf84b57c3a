// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * From a CBT map to the changed byte ranges `blksnap cbt map` prints.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include "common/ranges.h"

#define BS	65536u

/* Collect every range of @map; returns how many there were. */
static size_t collect(const uint8_t *map, size_t count, uint64_t capacity,
		      uint8_t above, struct byte_range *out, size_t max)
{
	struct cbt_range_iter it;
	size_t n = 0;

	cbt_range_iter_init(&it, map, count, BS, capacity, above);
	while (n < max && cbt_range_next(&it, &out[n]))
		n++;
	return n;
}

static void merges_adjacent_changed_blocks(void **state)
{
	const uint8_t map[] = { 0, 1, 2, 1, 0 };
	struct byte_range r[4];

	(void)state;
	assert_int_equal(collect(map, 5, 5ull * BS, 0, r, 4), 1);
	assert_int_equal(r[0].offset, BS);
	assert_int_equal(r[0].length, 3 * BS);
}

static void unchanged_block_splits_ranges(void **state)
{
	const uint8_t map[] = { 1, 0, 1, 1 };
	struct byte_range r[4];

	(void)state;
	assert_int_equal(collect(map, 4, 4ull * BS, 0, r, 4), 2);
	assert_int_equal(r[0].offset, 0);
	assert_int_equal(r[0].length, BS);
	assert_int_equal(r[1].offset, 2 * BS);
	assert_int_equal(r[1].length, 2 * BS);
}

static void clean_map_has_no_ranges(void **state)
{
	const uint8_t map[] = { 0, 0, 0 };
	struct byte_range r[1];

	(void)state;
	assert_int_equal(collect(map, 3, 3ull * BS, 0, r, 1), 0);
}

static void empty_map_has_no_ranges(void **state)
{
	struct byte_range r[1];

	(void)state;
	assert_int_equal(collect(NULL, 0, 0, 0, r, 1), 0);
}

static void last_block_is_clipped_to_capacity(void **state)
{
	const uint8_t map[] = { 0, 1 };
	struct byte_range r[2];

	(void)state;
	/* The device ends 4 KiB into its second tracking block. */
	assert_int_equal(collect(map, 2, BS + 4096, 0, r, 2), 1);
	assert_int_equal(r[0].offset, BS);
	assert_int_equal(r[0].length, 4096);
}

static void since_keeps_only_blocks_above_number(void **state)
{
	const uint8_t map[] = { 3, 4, 5, 2, 5 };
	struct byte_range r[4];

	(void)state;
	assert_int_equal(collect(map, 5, 5ull * BS, 4, r, 4), 2);
	assert_int_equal(r[0].offset, 2 * BS);
	assert_int_equal(r[0].length, BS);
	assert_int_equal(r[1].offset, 4 * BS);
	assert_int_equal(r[1].length, BS);
}

static void offsets_beyond_4GiB_do_not_overflow(void **state)
{
	static uint8_t map[70000];
	struct byte_range r[1];

	(void)state;
	map[69999] = 1;
	assert_int_equal(collect(map, 70000, 70000ull * BS, 0, r, 1), 1);
	assert_true(r[0].offset == 69999ull * BS);
}

/* All batches of @v: each within max bytes and cap pieces, the pieces in order. */
static size_t batches(const struct byte_range *v, size_t n, uint64_t max,
		      size_t cap, struct byte_range *all, size_t *npieces)
{
	struct range_batcher b;
	struct byte_range out[8];
	size_t k, i, count = 0;

	assert_true(cap <= 8);
	*npieces = 0;
	range_batcher_init(&b, v, n, max);
	while ((k = range_batch_next(&b, out, cap))) {
		uint64_t sum = 0;

		assert_true(k <= cap);
		for (i = 0; i < k; i++) {
			assert_true(out[i].length > 0);
			sum += out[i].length;
			all[(*npieces)++] = out[i];
		}
		assert_true(sum <= max);
		count++;
	}
	return count;
}

static void batches_cut_long_ranges_and_group_short_ones(void **state)
{
	const struct byte_range v[] = {
		{ 0, 10 * BS },			/* cut: 4 + 4 + 2 blocks */
		{ 20 * BS, BS }, { 30 * BS, 0 }, { 40 * BS, BS }, { 50 * BS, 3 * BS },
	};
	struct byte_range all[16];
	size_t n;

	(void)state;
	/* 4 blocks a batch: [0,4) [4,8) [8,10)+20+40 (4 blocks) [50,53). */
	assert_int_equal(batches(v, 5, 4 * BS, 8, all, &n), 4);
	assert_int_equal(n, 6);
	assert_int_equal(all[0].offset, 0);
	assert_int_equal(all[0].length, 4 * BS);
	assert_int_equal(all[1].offset, 4 * BS);
	assert_int_equal(all[2].offset, 8 * BS);
	assert_int_equal(all[2].length, 2 * BS);
	assert_int_equal(all[3].offset, 20 * BS);
	assert_int_equal(all[4].offset, 40 * BS);
	assert_int_equal(all[5].offset, 50 * BS);
	assert_int_equal(all[5].length, 3 * BS);
	/* Two pieces a batch: [8,10)+20, then 40+[50,53) fills one. */
	assert_int_equal(batches(v, 5, 4 * BS, 2, all, &n), 4);
	assert_int_equal(n, 6);
	/* One piece a batch. */
	assert_int_equal(batches(v, 5, 4 * BS, 1, all, &n), 6);
	assert_int_equal(n, 6);
	/* Nothing to batch. */
	assert_int_equal(batches(v, 0, 4 * BS, 8, all, &n), 0);
	assert_int_equal(batches(&v[2], 1, 4 * BS, 8, all, &n), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(merges_adjacent_changed_blocks),
		cmocka_unit_test(unchanged_block_splits_ranges),
		cmocka_unit_test(clean_map_has_no_ranges),
		cmocka_unit_test(empty_map_has_no_ranges),
		cmocka_unit_test(last_block_is_clipped_to_capacity),
		cmocka_unit_test(since_keeps_only_blocks_above_number),
		cmocka_unit_test(offsets_beyond_4GiB_do_not_overflow),
		cmocka_unit_test(batches_cut_long_ranges_and_group_short_ones),
	};

	return cmocka_run_group_tests_name("ranges", tests, NULL, NULL);
}
