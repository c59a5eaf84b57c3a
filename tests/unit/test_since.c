// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * --since GENERATION:NUMBER: parsing, printing generations, and deciding
 * whether a device's change history still reaches back to the point.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "common/generation.h"
#include "common/since.h"

#define GEN	"6f1c2f0e-5b7d-4c1e-9a7b-2d0c4c8e1f3a"
#define OTHER	"00000000-5b7d-4c1e-9a7b-2d0c4c8e1f3a"

static struct blksnap_cbtinfo info_at(const char *gen, uint8_t changes)
{
	struct blksnap_cbtinfo info = { .changes_number = changes };

	assert_int_equal(generation_parse(gen, &info.generation_id), 0);
	return info;
}

static void generation_prints_as_lowercase_uuid(void **state)
{
	struct blksnap_uuid id;
	char s[GENERATION_STR_LEN];

	(void)state;
	assert_int_equal(generation_parse("6F1C2F0E-5B7D-4C1E-9A7B-2D0C4C8E1F3A",
					  &id), 0);
	assert_int_equal(id.b[0], 0x6f);
	assert_int_equal(id.b[15], 0x3a);
	generation_format(&id, s);
	assert_string_equal(s, GEN);
}

static void generation_rejects_non_uuid(void **state)
{
	struct blksnap_uuid id;

	(void)state;
	assert_int_equal(generation_parse("", &id), -EINVAL);
	assert_int_equal(generation_parse(GEN "0", &id), -EINVAL);
	assert_int_equal(generation_parse("6f1c2f0e-5b7d-4c1e-9a7b-2d0c4c8e1f3g",
					  &id), -EINVAL);
}

static void since_parses_generation_and_number(void **state)
{
	struct blksnap_cbtinfo info = info_at(GEN, 0);
	struct since s;

	(void)state;
	assert_int_equal(since_parse(GEN ":4", &s), 0);
	assert_int_equal(s.number, 4);
	assert_true(generation_equal(&s.generation, &info.generation_id));
	assert_int_equal(since_parse(GEN ":255", &s), 0);
	assert_int_equal(s.number, 255);
}

static void since_rejects_malformed_points(void **state)
{
	static const char *const bad[] = {
		GEN, GEN ":", GEN ":256", GEN ":-1", GEN ": 4", GEN ":4x",
		":4", "6f1c2f0e:4", GEN "0:4",
	};
	struct since s;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(since_parse(bad[i], &s), -EINVAL);
}

static void since_continues_in_same_generation(void **state)
{
	struct blksnap_cbtinfo info = info_at(GEN, 5);
	struct since s;

	(void)state;
	assert_int_equal(since_parse(GEN ":4", &s), 0);
	assert_int_equal(since_check(&s, &info), SINCE_CONTINUES);
	assert_int_equal(since_parse(GEN ":5", &s), 0);
	assert_int_equal(since_check(&s, &info), SINCE_CONTINUES);
}

static void since_refuses_other_generation(void **state)
{
	struct blksnap_cbtinfo info = info_at(OTHER, 5);
	struct since s;

	(void)state;
	assert_int_equal(since_parse(GEN ":4", &s), 0);
	assert_int_equal(since_check(&s, &info), SINCE_OTHER_GENERATION);
}

static void since_refuses_number_the_device_never_reached(void **state)
{
	struct blksnap_cbtinfo info = info_at(GEN, 5);
	struct since s;

	(void)state;
	assert_int_equal(since_parse(GEN ":6", &s), 0);
	assert_int_equal(since_check(&s, &info), SINCE_AHEAD);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(generation_prints_as_lowercase_uuid),
		cmocka_unit_test(generation_rejects_non_uuid),
		cmocka_unit_test(since_parses_generation_and_number),
		cmocka_unit_test(since_rejects_malformed_points),
		cmocka_unit_test(since_continues_in_same_generation),
		cmocka_unit_test(since_refuses_other_generation),
		cmocka_unit_test(since_refuses_number_the_device_never_reached),
	};

	return cmocka_run_group_tests_name("since", tests, NULL, NULL);
}
