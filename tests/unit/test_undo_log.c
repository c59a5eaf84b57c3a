// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The undo file format: records read back in order and whole; a file cut
 * at any byte reads as the records before the cut and never as complete;
 * a damaged head, damaged data or bytes after the end record stop it;
 * a record outside the old image is refused, and a damaged header; lost
 * records read back apart from the data, outside the counts of the end
 * record; the file is 0600 whatever the umask.
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
#include "backup/undo_log.h"

#define CHUNK	4096U

static char dir[] = "/tmp/test_undo_log.XXXXXX";
static char path[PATH_MAX];

static const struct undo_header header = {
	.chunk_size = CHUNK,
	.take_time = 1764678896,
	.prev_time = 1764592496,
	.old_size = 10 * CHUNK,
	.new_size = 12 * CHUNK,
};

/* Record i: CHUNK - i bytes of i + 1 at i chunks. */
#define RECORDS	3

static uint64_t record_len(unsigned int i)
{
	return CHUNK - i;
}

static uint64_t write_file(bool finish)
{
	unsigned char data[CHUNK];
	struct undo_writer w;
	struct stat st;
	unsigned int i;

	unlink(path);
	assert_int_equal(undo_create(path, &header, &w), 0);
	for (i = 0; i < RECORDS; i++) {
		memset(data, i + 1, sizeof(data));
		assert_int_equal(undo_append(&w, (uint64_t)i * CHUNK, data,
					     record_len(i)), 0);
	}
	assert_int_equal(undo_append(&w, 0, data, CHUNK + 1), -EINVAL);
	if (finish)
		assert_int_equal(undo_finish(&w), 0);
	else
		assert_int_equal(undo_sync(&w), 0);
	assert_int_equal(undo_close(&w), 0);
	assert_int_equal(stat(path, &st), 0);
	return st.st_size;
}

struct seen {
	unsigned int n;
	bool wrong;
};

static int check_record(void *arg, uint64_t offset, const void *data, uint64_t len)
{
	struct seen *seen = arg;
	const unsigned char *p = data;
	uint64_t k;

	if (offset != (uint64_t)seen->n * CHUNK || len != record_len(seen->n))
		seen->wrong = true;
	for (k = 0; k < len; k++)
		if (p[k] != seen->n + 1)
			seen->wrong = true;
	seen->n++;
	return 0;
}

static int scan(struct undo_scan *s, struct seen *seen)
{
	int fd = open(path, O_RDONLY), err;

	assert_true(fd >= 0);
	memset(seen, 0, sizeof(*seen));
	err = undo_scan(fd, s, check_record, seen);
	close(fd);
	return err;
}

struct lost_seen {
	unsigned int n;
	uint64_t offset[4], len[4];
};

static int count_lost(void *arg, uint64_t offset, uint64_t len)
{
	struct lost_seen *l = arg;

	if (l->n < 4) {
		l->offset[l->n] = offset;
		l->len[l->n] = len;
	}
	l->n++;
	return 0;
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/undo", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	return rmdir(dir);
}

static void records_read_back_in_order(void **state)
{
	struct undo_scan s;
	struct seen seen;

	(void)state;
	write_file(true);
	assert_int_equal(scan(&s, &seen), 0);
	assert_true(s.complete);
	assert_int_equal(s.records, RECORDS);
	assert_int_equal(seen.n, RECORDS);
	assert_false(seen.wrong);
	assert_int_equal(s.h.take_time, header.take_time);
	assert_int_equal(s.h.prev_time, header.prev_time);
	assert_int_equal(s.h.old_size, header.old_size);
	assert_int_equal(s.h.new_size, header.new_size);
	assert_int_equal(s.h.chunk_size, CHUNK);
}

static void header_holds_rfc3339_times(void **state)
{
	char text[UNDO_HEADER_SIZE];
	int fd;

	(void)state;
	write_file(true);
	fd = open(path, O_RDONLY);
	assert_int_equal(pread(fd, text, sizeof(text), 0), sizeof(text));
	close(fd);
	assert_memory_equal(text, "BLKSNUND", 8);
	assert_string_equal(text + 48, "2025-12-02T12:34:56Z");
	assert_string_equal(text + 80, "2025-12-01T12:34:56Z");
}

static void unfinished_file_is_not_complete(void **state)
{
	struct undo_scan s;
	struct seen seen;

	(void)state;
	write_file(false);
	assert_int_equal(scan(&s, &seen), 0);
	assert_false(s.complete);
	assert_int_equal(s.records, RECORDS);
	assert_non_null(strstr(s.why, "no end record"));
}

/* Cut at every byte: the records wholly before the cut, never complete. */
static void file_cut_at_any_byte_reads_as_its_whole_records(void **state)
{
	uint64_t size, cut, ends[RECORDS];
	unsigned char *whole_file;
	struct undo_scan s;
	struct seen seen;
	unsigned int i, whole;
	int fd, err;

	(void)state;
	ends[0] = UNDO_HEADER_SIZE + UNDO_RECORD_HEAD + record_len(0);
	for (i = 1; i < RECORDS; i++)
		ends[i] = ends[i - 1] + UNDO_RECORD_HEAD + record_len(i);
	size = write_file(true);
	assert_int_equal(size, ends[RECORDS - 1] + UNDO_RECORD_HEAD);
	whole_file = malloc(size);
	assert_non_null(whole_file);
	fd = open(path, O_RDONLY);
	assert_int_equal(read(fd, whole_file, size), (ssize_t)size);
	close(fd);
	for (cut = 0; cut < size; cut++) {
		/* The file's first @cut bytes, as a crash could leave it. */
		fd = open(path, O_WRONLY | O_TRUNC);
		assert_int_equal(write(fd, whole_file, cut), (ssize_t)cut);
		close(fd);
		err = scan(&s, &seen);
		if (cut < UNDO_HEADER_SIZE) {
			assert_int_equal(err, -EBADMSG);
			continue;
		}
		for (whole = 0; whole < RECORDS && ends[whole] <= cut; whole++)
			;
		assert_int_equal(err, 0);
		assert_false(s.complete);
		assert_int_equal(s.records, whole);
		assert_int_equal(seen.n, whole);
		assert_false(seen.wrong);
	}
	free(whole_file);
}

static void flip(uint64_t at)
{
	unsigned char c;
	int fd = open(path, O_RDWR);

	assert_int_equal(pread(fd, &c, 1, at), 1);
	c ^= 1;
	assert_int_equal(pwrite(fd, &c, 1, at), 1);
	close(fd);
}

static void damaged_head_or_data_stops_the_records(void **state)
{
	uint64_t second = UNDO_HEADER_SIZE + UNDO_RECORD_HEAD + record_len(0);
	struct undo_scan s;
	struct seen seen;
	int fd;

	(void)state;
	write_file(true);
	flip(second + 12);		/* the second record's offset */
	assert_int_equal(scan(&s, &seen), 0);
	assert_false(s.complete);
	assert_int_equal(s.records, 1);
	assert_non_null(strstr(s.why, "head torn or damaged"));

	write_file(true);
	flip(second + UNDO_RECORD_HEAD + 100);	/* its data */
	assert_int_equal(scan(&s, &seen), 0);
	assert_false(s.complete);
	assert_int_equal(seen.n, 1);
	assert_non_null(strstr(s.why, "data damaged"));
	/* Heads alone do not see damaged data: restore reads the data. */
	fd = open(path, O_RDONLY);
	assert_int_equal(undo_scan(fd, &s, NULL, NULL), 0);
	close(fd);
	assert_true(s.complete);
}

static void damaged_header_is_refused(void **state)
{
	struct undo_scan s;
	struct seen seen;

	(void)state;
	write_file(true);
	flip(20);
	assert_int_equal(scan(&s, &seen), -EBADMSG);
	assert_non_null(strstr(s.why, "header damaged"));
	assert_int_equal(seen.n, 0);
}

static void bytes_after_the_end_record_are_not_complete(void **state)
{
	struct undo_scan s;
	struct seen seen;
	uint64_t size;
	int fd;

	(void)state;
	size = write_file(true);
	fd = open(path, O_WRONLY);
	assert_int_equal(pwrite(fd, "x", 1, size), 1);
	close(fd);
	assert_int_equal(scan(&s, &seen), 0);
	assert_false(s.complete);
	assert_non_null(strstr(s.why, "after the end record"));
}

/* A record past the old image would write where no old contents were. */
static void record_past_the_old_size_stops_the_records(void **state)
{
	unsigned char data[CHUNK] = { 0 };
	struct undo_writer w;
	struct undo_scan s;
	int fd;

	(void)state;
	unlink(path);
	assert_int_equal(undo_create(path, &header, &w), 0);
	assert_int_equal(undo_append(&w, 0, data, CHUNK), 0);
	assert_int_equal(undo_append(&w, header.old_size - 10, data, 11), 0);
	assert_int_equal(undo_finish(&w), 0);
	assert_int_equal(undo_close(&w), 0);
	fd = open(path, O_RDONLY);
	assert_int_equal(undo_scan(fd, &s, NULL, NULL), 0);
	close(fd);
	assert_false(s.complete);
	assert_int_equal(s.records, 1);
	assert_non_null(strstr(s.why, "record out of range"));
}

static void file_is_0600_whatever_the_umask(void **state)
{
	static const mode_t masks[] = { 0, 0277 };
	struct undo_writer w;
	struct stat st;
	size_t i;

	(void)state;
	for (i = 0; i < 2; i++) {
		mode_t old = umask(masks[i]);

		unlink(path);
		assert_int_equal(undo_create(path, &header, &w), 0);
		umask(old);
		assert_int_equal(undo_close(&w), 0);
		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_mode & 07777, 0600);
	}
	/* And an existing one is never taken over. */
	assert_int_equal(undo_create(path, &header, &w), -EEXIST);
}

/* The data records, then two lost ranges, then the end record. */
static void lost_records_read_back_apart_from_the_data(void **state)
{
	unsigned char data[CHUNK];
	struct undo_writer w;
	struct lost_seen l = { 0 };
	struct undo_scan s;
	int fd;

	(void)state;
	unlink(path);
	memset(data, 7, sizeof(data));
	assert_int_equal(undo_create(path, &header, &w), 0);
	assert_int_equal(undo_append(&w, CHUNK, data, CHUNK), 0);
	assert_int_equal(undo_append_lost(&w, CHUNK, CHUNK), 0);
	assert_int_equal(undo_append_lost(&w, 4 * CHUNK, 2 * CHUNK), 0);
	assert_int_equal(undo_append_lost(&w, 0, 0), -EINVAL);
	assert_int_equal(undo_finish(&w), 0);
	assert_int_equal(undo_close(&w), 0);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(undo_scan_visit(fd, &s, &(const struct undo_visit){
		.lost = count_lost, .arg = &l }), 0);
	assert_true(s.complete);
	assert_int_equal(s.records, 1);
	assert_int_equal(s.bytes, CHUNK);
	assert_int_equal(s.lost, 2);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.offset[0], CHUNK);
	assert_int_equal(l.len[0], CHUNK);
	assert_int_equal(l.offset[1], 4 * CHUNK);
	assert_int_equal(l.len[1], 2 * CHUNK);
	/* Without a lost callback they are read, counted and passed over. */
	assert_int_equal(undo_scan(fd, &s, NULL, NULL), 0);
	assert_true(s.complete);
	assert_int_equal(s.lost, 2);
	close(fd);
}

/* A lost range past the old image is a damaged file, as a data record's. */
static void lost_record_past_the_old_size_stops_the_records(void **state)
{
	struct undo_writer w;
	struct undo_scan s;
	int fd;

	(void)state;
	unlink(path);
	assert_int_equal(undo_create(path, &header, &w), 0);
	assert_int_equal(undo_append_lost(&w, 9 * CHUNK, 2 * CHUNK), 0);
	assert_int_equal(undo_finish(&w), 0);
	assert_int_equal(undo_close(&w), 0);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(undo_scan(fd, &s, NULL, NULL), 0);
	close(fd);
	assert_false(s.complete);
	assert_int_equal(s.lost, 0);
	assert_non_null(strstr(s.why, "lost record out of range"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lost_records_read_back_apart_from_the_data),
		cmocka_unit_test(lost_record_past_the_old_size_stops_the_records),
		cmocka_unit_test(records_read_back_in_order),
		cmocka_unit_test(header_holds_rfc3339_times),
		cmocka_unit_test(unfinished_file_is_not_complete),
		cmocka_unit_test(file_cut_at_any_byte_reads_as_its_whole_records),
		cmocka_unit_test(damaged_head_or_data_stops_the_records),
		cmocka_unit_test(damaged_header_is_refused),
		cmocka_unit_test(bytes_after_the_end_record_are_not_complete),
		cmocka_unit_test(record_past_the_old_size_stops_the_records),
		cmocka_unit_test(file_is_0600_whatever_the_umask),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
