// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The JSON writer: the shape 'snapshot create --json' promises, laid out
 * as libsmartcols lays out the other commands' JSON, and strings that
 * stay valid JSON whatever bytes they hold.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>
#include "json.h"

static char *buf;
static size_t len;
static FILE *mem;
static struct json_writer w;

static int before(void **state)
{
	(void)state;
	mem = open_memstream(&buf, &len);
	if (!mem)
		return -1;
	json_open(&w, mem);
	return 0;
}

static int after(void **state)
{
	(void)state;
	free(buf);
	return 0;
}

static const char *finish(void)
{
	assert_int_equal(json_close(&w), 0);
	fclose(mem);
	return buf;
}

static const char *string_member(const char *value)
{
	json_string(&w, "k", value);
	finish();
	/* Strip the "{\n   \"k\": " before and "\n}\n" after. */
	buf[len - 3] = '\0';
	return buf + 10;
}

static void object_with_array_of_objects_has_snapshot_create_shape(void **state)
{
	(void)state;
	json_string(&w, "id", "6f1c2f0e-5b7d-4c1e-9a7b-2d0c4c8e1f3a");
	json_array_start(&w, "devices");
	json_object_start(&w, NULL);
	json_string(&w, "device", "/dev/vda1");
	json_string(&w, "image", "/dev/blksnap-vda1");
	json_object_end(&w);
	json_object_start(&w, NULL);
	json_string(&w, "device", "/dev/vdb");
	json_string(&w, "image", "/dev/blksnap-vdb");
	json_object_end(&w);
	json_array_end(&w);
	assert_string_equal(finish(),
		"{\n"
		"   \"id\": \"6f1c2f0e-5b7d-4c1e-9a7b-2d0c4c8e1f3a\",\n"
		"   \"devices\": [\n"
		"      {\n"
		"         \"device\": \"/dev/vda1\",\n"
		"         \"image\": \"/dev/blksnap-vda1\"\n"
		"      },\n"
		"      {\n"
		"         \"device\": \"/dev/vdb\",\n"
		"         \"image\": \"/dev/blksnap-vdb\"\n"
		"      }\n"
		"   ]\n"
		"}\n");
}

static void empty_containers_are_written_inline(void **state)
{
	(void)state;
	json_array_start(&w, "snapshots");
	json_array_end(&w);
	json_object_start(&w, "o");
	json_object_end(&w);
	assert_string_equal(finish(), "{\n   \"snapshots\": [],\n   \"o\": {}\n}\n");
}

static void empty_root_is_braces(void **state)
{
	(void)state;
	assert_string_equal(finish(), "{}\n");
}

static void close_ends_what_is_still_open(void **state)
{
	(void)state;
	json_array_start(&w, "a");
	json_object_start(&w, NULL);
	json_uint(&w, "n", 18446744073709551615ULL);
	assert_string_equal(finish(),
		"{\n   \"a\": [\n      {\n         \"n\": 18446744073709551615\n"
		"      }\n   ]\n}\n");
}

static void null_string_is_json_null(void **state)
{
	(void)state;
	assert_string_equal(string_member(NULL), "null");
}

static void quotes_backslashes_and_controls_are_escaped(void **state)
{
	(void)state;
	assert_string_equal(string_member("a\"b\\c\nd\te\x01\x1f\x7f"),
			    "\"a\\\"b\\\\c\\nd\\te\\u0001\\u001f\\u007f\"");
}

static void utf8_passes_through(void **state)
{
	(void)state;
	/* é, €, U+1F4BE */
	assert_string_equal(string_member("/mnt/\xc3\xa9\xe2\x82\xac\xf0\x9f\x92\xbe"),
			    "\"/mnt/\xc3\xa9\xe2\x82\xac\xf0\x9f\x92\xbe\"");
}

static void bytes_that_are_not_utf8_become_replacement_characters(void **state)
{
	(void)state;
	/* Latin-1 é, an overlong '/', a surrogate, a truncated sequence. */
	assert_string_equal(string_member("\xe9|\xc0\xaf|\xed\xa0\x80|\xe2\x82"),
			    "\"\\ufffd|\\ufffd\\ufffd|\\ufffd\\ufffd\\ufffd|"
			    "\\ufffd\\ufffd\"");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, before, after)
		T(object_with_array_of_objects_has_snapshot_create_shape),
		T(empty_containers_are_written_inline),
		T(empty_root_is_braces),
		T(close_ends_what_is_still_open),
		T(null_string_is_json_null),
		T(quotes_backslashes_and_controls_are_escaped),
		T(utf8_passes_through),
		T(bytes_that_are_not_utf8_become_replacement_characters),
#undef T
	};

	return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
