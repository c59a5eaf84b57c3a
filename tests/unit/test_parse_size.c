// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Sizes and OFFSET:LENGTH extents as `blksnap cbt mark-dirty` takes them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include "common/parse_size.h"

static uint64_t size_of(const char *s)
{
	uint64_t v = 0;

	assert_int_equal(parse_size(s, &v), PARSE_OK);
	return v;
}

static void parses_plain_bytes(void **state)
{
	(void)state;
	assert_true(size_of("0") == 0);
	assert_true(size_of("4096") == 4096);
	assert_true(size_of("18446744073709551615") == UINT64_MAX);
}

static void parses_binary_suffixes(void **state)
{
	(void)state;
	assert_true(size_of("1K") == 1024);
	assert_true(size_of("3M") == 3ull << 20);
	assert_true(size_of("2G") == 2ull << 30);
	assert_true(size_of("5T") == 5ull << 40);
	assert_true(size_of("64KiB") == 64ull << 10);
	assert_true(size_of("1g") == 1ull << 30);
}

static void rejects_what_is_not_a_size(void **state)
{
	static const char *const bad[] = {
		"", "K", "-1", "+1", " 1", "1 ", "0x10", "1.5M", "1KB", "1Q", "1KiBx",
	};
	uint64_t v;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(parse_size(bad[i], &v), PARSE_SYNTAX);
}

static void rejects_sizes_beyond_64_bits(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(parse_size("18446744073709551616", &v), PARSE_TOO_LARGE);
	assert_int_equal(parse_size("16777216T", &v), PARSE_TOO_LARGE);
}

static void extent_becomes_sectors(void **state)
{
	struct blksnap_sectors s;

	(void)state;
	assert_int_equal(parse_extent("1M:64K", &s), PARSE_OK);
	assert_true(s.offset == 2048);
	assert_true(s.count == 128);
	assert_int_equal(parse_extent("0:512", &s), PARSE_OK);
	assert_true(s.offset == 0 && s.count == 1);
}

static void extent_must_be_sector_aligned(void **state)
{
	struct blksnap_sectors s;

	(void)state;
	assert_int_equal(parse_extent("4097:512", &s), PARSE_UNALIGNED);
	assert_int_equal(parse_extent("4096:100", &s), PARSE_UNALIGNED);
}

static void extent_needs_offset_colon_length(void **state)
{
	struct blksnap_sectors s;

	(void)state;
	assert_int_equal(parse_extent("4096", &s), PARSE_NOT_EXTENT);
	assert_int_equal(parse_extent(":4096", &s), PARSE_SYNTAX);
	assert_int_equal(parse_extent("4096:", &s), PARSE_SYNTAX);
	assert_int_equal(parse_extent("4K:1M:1M", &s), PARSE_SYNTAX);
}

static void extent_of_zero_length_is_refused(void **state)
{
	struct blksnap_sectors s;

	(void)state;
	assert_int_equal(parse_extent("4096:0", &s), PARSE_EMPTY);
}

static void extent_ending_beyond_64_bits_is_refused(void **state)
{
	struct blksnap_sectors s;

	(void)state;
	assert_int_equal(parse_extent("16777215T:2T", &s), PARSE_TOO_LARGE);
}

static void percentage_is_a_whole_number_from_1_to_100(void **state)
{
	unsigned int pct = 0;

	(void)state;
	assert_int_equal(parse_percent("20%", &pct), PARSE_OK);
	assert_int_equal(pct, 20);
	assert_int_equal(parse_percent("100%", &pct), PARSE_OK);
	assert_int_equal(pct, 100);
	assert_int_equal(parse_percent("101%", &pct), PARSE_TOO_LARGE);
	assert_int_equal(parse_percent("0%", &pct), PARSE_EMPTY);
	assert_int_equal(parse_percent("%", &pct), PARSE_SYNTAX);
	assert_int_equal(parse_percent("2.5%", &pct), PARSE_SYNTAX);
	assert_int_equal(parse_percent("1G%", &pct), PARSE_SYNTAX);
	assert_int_equal(parse_percent("-5%", &pct), PARSE_SYNTAX);
	/* Without '%' it is no percentage: a size, for parse_size(). */
	assert_int_equal(parse_percent("20", &pct), PARSE_SYNTAX);
	assert_int_equal(parse_percent("", &pct), PARSE_SYNTAX);
}

static void sizes_print_for_people(void **state)
{
	static const struct {
		uint64_t bytes;
		const char *text;
	} cases[] = {
		{ 0, "0" }, { 512, "512" }, { 1023, "1023" }, { 1024, "1K" },
		{ 1536, "1.5K" }, { 10 * 1024 + 512, "10K" },
		{ 1ULL << 30, "1G" }, { 77ULL << 30, "77G" },
		{ (5ULL << 40) + (1ULL << 39), "5.5T" },
		{ UINT64_MAX, "15E" },
	};
	char buf[32];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_format(cases[i].bytes, buf, sizeof(buf));
		assert_string_equal(buf, cases[i].text);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_plain_bytes),
		cmocka_unit_test(parses_binary_suffixes),
		cmocka_unit_test(rejects_what_is_not_a_size),
		cmocka_unit_test(rejects_sizes_beyond_64_bits),
		cmocka_unit_test(extent_becomes_sectors),
		cmocka_unit_test(extent_must_be_sector_aligned),
		cmocka_unit_test(extent_needs_offset_colon_length),
		cmocka_unit_test(extent_of_zero_length_is_refused),
		cmocka_unit_test(extent_ending_beyond_64_bits_is_refused),
		cmocka_unit_test(percentage_is_a_whole_number_from_1_to_100),
		cmocka_unit_test(sizes_print_for_people),
	};

	return cmocka_run_group_tests_name("parse_size", tests, NULL, NULL);
}
