// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * 'snapshot watch' lines: which events end the watch, and their wording.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "snapshot/event.h"

#define ID	"6f1c2f0e-5b7d-4c1e-9a7b-2d0c4c8e1f3a"

static struct blksnap_snapshot_event ev;
static char line[512];

static void event(unsigned int code, const void *data, size_t size)
{
	memset(&ev, 0, sizeof(ev));
	ev.code = code;
	memcpy(ev.data, data, size);
}

static void low_free_space_is_a_notice_in_bytes(void **state)
{
	struct blksnap_event_low_free_space low = { .requested_nr_sect = 2048 };

	(void)state;
	event(blksnap_event_code_low_free_space, &low, sizeof(low));
	assert_int_equal(event_format(line, sizeof(line), ID, &ev), EVENT_NOTICE);
	assert_string_equal(line, ID ": difference storage running low; "
			    "the module asks for 1048576 more bytes");
}

static void corrupted_is_fatal_and_names_device_and_error(void **state)
{
	struct blksnap_event_corrupted bad = { 253, 1, -EIO };

	(void)state;
	event(blksnap_event_code_corrupted, &bad, sizeof(bad));
	assert_int_equal(event_format(line, sizeof(line), ID, &ev), EVENT_FATAL);
	assert_string_equal(line, ID ": corrupted by an error on 253:1 "
			    "(Input/output error); destroy the snapshot and "
			    "create a new one");
}

static void no_space_is_fatal_and_suggests_larger_limit(void **state)
{
	struct blksnap_event_corrupted bad = { 253, 1, -ENOSPC };

	(void)state;
	event(blksnap_event_code_no_space, &bad, sizeof(bad));
	assert_int_equal(event_format(line, sizeof(line), ID, &ev), EVENT_FATAL);
	assert_non_null(strstr(line, "with a larger --limit"));
}

static void unknown_event_is_a_notice(void **state)
{
	(void)state;
	event(77, NULL, 0);
	assert_int_equal(event_format(line, sizeof(line), ID, &ev), EVENT_NOTICE);
	assert_string_equal(line, ID ": unknown event 77 ignored");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(low_free_space_is_a_notice_in_bytes),
		cmocka_unit_test(corrupted_is_fatal_and_names_device_and_error),
		cmocka_unit_test(no_space_is_fatal_and_suggests_larger_limit),
		cmocka_unit_test(unknown_event_is_a_notice),
	};

	return cmocka_run_group_tests_name("event", tests, NULL, NULL);
}
