// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * 'blksnap backup list' and 'blksnap backup restore' end to end: the
 * binary on a backup medium the restore point engine wrote (no module,
 * no state directory).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <json-c/json.h>
#include "backup/restore_point.h"
#include "backup/undo_log.h"
#include "run_cli.h"
#include "scratch_tree.h"

#define CHUNK	4096U
#define SIZE	(10 * CHUNK + 100)
#define T1	1764450000	/* 2025-11-29T21:00:00Z */
#define T2	(T1 + 86400)
#define T3	(T2 + 86400)

static char top[] = "/tmp/test_cli_backup_points.XXXXXX";
static char dest[256], out[256];
static unsigned char img[3][SIZE];
static struct cli_result res;

static void fill(unsigned char *p, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++) {
		seed = seed * 1103515245U + 12345U;
		p[i] = (unsigned char)(seed >> 16);
	}
}

static void one_run(int64_t t, const unsigned char *image, uint64_t off,
		    uint64_t len)
{
	char why[RP_MSG_LEN];
	struct rp_run *r;

	assert_int_equal(rp_begin(dest, t, SIZE, CHUNK, &r, why, sizeof(why)), 0);
	assert_int_equal(rp_write(r, off, image + off, len), 0);
	assert_int_equal(rp_commit(r), 0);
}

/* A medium in @name with the points T1 (full), T2 and T3. */
static void medium(const char *name)
{
	char dir[sizeof(top) + 32];

	snprintf(dir, sizeof(dir), "%s/%s", top, name);
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(dest, sizeof(dest), "%s/home.img", dir);
	snprintf(out, sizeof(out), "%s/restored.img", dir);
	one_run(T1, img[0], 0, SIZE);
	one_run(T2, img[1], 3 * CHUNK + 5, 100);
	one_run(T3, img[2], 7 * CHUNK, 2 * CHUNK);
}

static void run(const char *const *args)
{
	const struct cli_env env = { 0 };

	assert_true(run_cli(&env, args, &res));
}

#define RUN(...)	run((const char *[]){ __VA_ARGS__, NULL })

static void assert_exit(int status)
{
	if (res.status != status)
		fail_msg("exit %d, wanted %d: %s%s", res.status, status,
			 res.out, res.err);
}

static void assert_file_is(const char *path, const unsigned char *want)
{
	static unsigned char got[SIZE + 1];
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(read(fd, got, sizeof(got)), SIZE);
	close(fd);
	assert_memory_equal(got, want, SIZE);
}

static size_t lines(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(top))
		return -1;
	fill(img[0], SIZE, 1);
	memcpy(img[1], img[0], SIZE);
	fill(img[1] + 3 * CHUNK + 5, 100, 2);
	memcpy(img[2], img[1], SIZE);
	fill(img[2] + 7 * CHUNK, 2 * CHUNK, 3);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return scratch_tree_remove(top);
}

static void backup_list_json_has_each_point_with_time_size_complete(void **state)
{
	static const char *const times[] = {
		"2025-11-29T21:00:00Z", "2025-11-30T21:00:00Z", "2025-12-01T21:00:00Z",
	};
	struct json_object *root, *arr, *o, *v;
	size_t i;

	(void)state;
	medium("listjson");
	RUN("backup", "list", "--json", dest);
	assert_exit(0);
	assert_string_equal(res.err, "");
	root = json_tokener_parse(res.out);
	assert_non_null(root);
	assert_true(json_object_object_get_ex(root, "dest", &v));
	assert_string_equal(json_object_get_string(v), dest);
	assert_true(json_object_object_get_ex(root, "restore-points", &arr));
	assert_int_equal(json_object_array_length(arr), 3);
	for (i = 0; i < 3; i++) {
		o = json_object_array_get_idx(arr, i);
		assert_true(json_object_object_get_ex(o, "time", &v));
		assert_string_equal(json_object_get_string(v), times[i]);
		assert_true(json_object_object_get_ex(o, "size", &v));
		assert_true(json_object_is_type(v, json_type_int));
		assert_true(json_object_get_int64(v) > 0);
		assert_true(json_object_object_get_ex(o, "image-size", &v));
		assert_int_equal(json_object_get_int64(v), SIZE);
		assert_true(json_object_object_get_ex(o, "complete", &v));
		assert_true(json_object_is_type(v, json_type_boolean));
		assert_true(json_object_get_boolean(v));
		assert_true(json_object_object_get_ex(o, "latest", &v));
		assert_int_equal(json_object_get_boolean(v), i == 2);
		assert_false(json_object_object_get_ex(o, "why", NULL));
	}
	json_object_put(root);
}

static void backup_list_has_a_row_per_point(void **state)
{
	(void)state;
	medium("listtext");
	RUN("backup", "list", dest);
	assert_exit(0);
	assert_non_null(strstr(res.out, "TIME"));
	assert_non_null(strstr(res.out, "COMPLETE"));
	assert_non_null(strstr(res.out, "2025-11-29T21:00:00Z"));
	assert_non_null(strstr(res.out, "2025-12-01T21:00:00Z"));
	assert_non_null(strstr(res.out, "latest (DEST)"));
}

static void backup_restore_at_writes_that_point(void **state)
{
	(void)state;
	medium("restoreat");
	RUN("backup", "restore", "--at", "2025-11-29T22:00:00+01:00", "--to",
	    out, dest);
	assert_exit(0);
	assert_file_is(out, img[0]);
	assert_non_null(strstr(res.out, "restored the point of "
			       "2025-11-29T21:00:00Z (40K) to"));
	unlink(out);
	RUN("backup", "restore", "-a", "2025-11-30T21:00:00Z", "-t", out, dest);
	assert_exit(0);
	assert_file_is(out, img[1]);
}

static void backup_restore_without_at_writes_the_latest(void **state)
{
	(void)state;
	medium("restorelatest");
	RUN("backup", "restore", "--to", out, dest);
	assert_exit(0);
	assert_file_is(out, img[2]);
	assert_non_null(strstr(res.out, "2025-12-01T21:00:00Z"));
}

static void backup_restore_overwrites_only_with_force(void **state)
{
	(void)state;
	medium("force");
	close(open(out, O_WRONLY | O_CREAT, 0600));
	RUN("backup", "restore", "--to", out, dest);
	assert_exit(1);
	assert_non_null(strstr(res.err, "exists; give --force"));
	RUN("backup", "restore", "--force", "--to", out, dest);
	assert_exit(0);
	assert_file_is(out, img[2]);
	RUN("backup", "restore", "--force", "--to", dest, dest);
	assert_exit(1);
	assert_non_null(strstr(res.err, "is the backup image itself"));
}

static void backup_restore_of_a_point_not_kept_fails_and_leaves_nothing(void **state)
{
	(void)state;
	medium("notkept");
	RUN("backup", "restore", "--at", "2025-11-29T21:00:01Z", "--to", out, dest);
	assert_exit(1);
	assert_non_null(strstr(res.err, "no restore point of 2025-11-29T21:00:01Z"));
	assert_int_equal(access(out, F_OK), -1);
	RUN("backup", "restore", "--at", "yesterday", "--to", out, dest);
	assert_exit(2);
	assert_non_null(strstr(res.err, "--at 'yesterday'"));
}

static void backup_restore_names_a_damaged_chunk(void **state)
{
	unsigned char c = 0xff;
	int fd;

	(void)state;
	medium("damaged");
	fd = open(dest, O_WRONLY);
	assert_int_equal(pwrite(fd, &c, 1, 2 * CHUNK + 1), 1);
	close(fd);
	RUN("backup", "restore", "--to", out, dest);
	assert_exit(1);
	assert_non_null(strstr(res.err, "chunk at byte 8192 does not match"));
	assert_int_equal(access(out, F_OK), -1);
}

static void flip(const char *path, off_t at)
{
	unsigned char c;
	int fd = open(path, O_RDWR);

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &c, 1, at), 1);
	c ^= 0x01;
	assert_int_equal(pwrite(fd, &c, 1, at), 1);
	close(fd);
}

/* "restore-points" of verify's --json: "time=ok ..." newest first. */
static void verify_json(const char *want_points, bool want_ok, size_t want_damaged,
			struct json_object **damaged_out)
{
	struct json_object *root, *arr, *o, *x;
	char got[256] = "";
	size_t i, len = 0;

	root = json_tokener_parse(res.out);
	assert_non_null(root);
	assert_true(json_object_object_get_ex(root, "ok", &x));
	assert_int_equal(json_object_get_boolean(x), want_ok);
	assert_true(json_object_object_get_ex(root, "bytes-read", &x));
	/* DEST whole at least, unless nothing could be checked. */
	if (*want_points)
		assert_true(json_object_get_int64(x) >= SIZE);
	assert_true(json_object_object_get_ex(root, "restore-points", &arr));
	for (i = 0; i < json_object_array_length(arr); i++) {
		o = json_object_array_get_idx(arr, i);
		assert_true(json_object_object_get_ex(o, "time", &x));
		len += snprintf(got + len, sizeof(got) - len, "%s%s=", i ? " " : "",
				json_object_get_string(x));
		assert_true(json_object_object_get_ex(o, "ok", &x));
		len += snprintf(got + len, sizeof(got) - len, "%s",
				json_object_get_boolean(x) ? "ok" : "bad");
	}
	assert_string_equal(got, want_points);
	assert_true(json_object_object_get_ex(root, "damaged", &arr));
	assert_int_equal(json_object_array_length(arr), want_damaged);
	if (damaged_out)
		*damaged_out = json_object_get(arr);
	json_object_put(root);
}

#define ALL_OK	"2025-12-01T21:00:00Z=ok 2025-11-30T21:00:00Z=ok 2025-11-29T21:00:00Z=ok"

static void backup_verify_of_a_whole_medium_finds_nothing(void **state)
{
	(void)state;
	medium("verify-whole");
	RUN("backup", "verify", "--json", dest);
	assert_exit(0);
	assert_string_equal(res.err, "");
	verify_json(ALL_OK, true, 0, NULL);
	RUN("backup", "verify", dest);
	assert_exit(0);
	assert_non_null(strstr(res.out, ": 3 of 3 restore points whole"));
	assert_int_equal(lines(res.out), 1);
}

/* Image bytes of one damaged range of verify's --json. */
static void assert_range(struct json_object *arr, size_t i, const char *file,
			 int64_t offset, int64_t length)
{
	struct json_object *o = json_object_array_get_idx(arr, i), *x;

	assert_true(json_object_object_get_ex(o, "file", &x));
	assert_string_equal(json_object_get_string(x), file);
	assert_true(json_object_object_get_ex(o, "offset", &x));
	assert_int_equal(json_object_get_int64(x), offset);
	assert_true(json_object_object_get_ex(o, "length", &x));
	assert_int_equal(json_object_get_int64(x), length);
}

static void backup_verify_names_every_damaged_range_of_dest(void **state)
{
	struct json_object *arr;

	(void)state;
	medium("verify-dest");
	/* Chunk 1 alone, chunks 4 and 5 together, and the short last chunk. */
	flip(dest, CHUNK + 7);
	flip(dest, 4 * CHUNK + 1);
	flip(dest, 5 * CHUNK + CHUNK - 1);
	flip(dest, SIZE - 1);
	RUN("backup", "verify", "--json", dest);
	assert_exit(1);
	verify_json("2025-12-01T21:00:00Z=bad 2025-11-30T21:00:00Z=bad "
		    "2025-11-29T21:00:00Z=bad", false, 3, &arr);
	assert_range(arr, 0, dest, CHUNK, CHUNK);
	assert_range(arr, 1, dest, 4 * CHUNK, 2 * CHUNK);
	assert_range(arr, 2, dest, 10 * CHUNK, 100);
	json_object_put(arr);
	assert_non_null(strstr(res.err, "damaged on the backup medium; the next "
			       "'blksnap backup --full' to it rewrites"));
	assert_int_equal(lines(res.err), 1);
	RUN("backup", "verify", dest);
	assert_exit(1);
	assert_non_null(strstr(res.out, "home.img: bytes 4096-8191 (4K) damaged: "
			       "does not match the checksum file\n"));
	assert_non_null(strstr(res.out, "home.img: bytes 16384-24575 (8K) damaged"));
	assert_non_null(strstr(res.out, ": 0 of 3 restore points whole"));
}

static void backup_verify_names_a_damaged_undo_file_and_the_points_it_takes(void **state)
{
	char undo[sizeof(dest) + 64];
	struct json_object *arr, *o, *x;

	(void)state;
	medium("verify-undo");
	/* T2's run saved chunk 3 of T1: the data of its first record. */
	snprintf(undo, sizeof(undo), "%s.blksnap/undo-20251130T210000Z", dest);
	flip(undo, UNDO_HEADER_SIZE + UNDO_RECORD_HEAD + 10);
	RUN("backup", "verify", "--json", dest);
	assert_exit(1);
	verify_json("2025-12-01T21:00:00Z=ok 2025-11-30T21:00:00Z=ok "
		    "2025-11-29T21:00:00Z=bad", false, 1, &arr);
	o = json_object_array_get_idx(arr, 0);
	assert_true(json_object_object_get_ex(o, "file", &x));
	assert_string_equal(json_object_get_string(x), undo);
	assert_false(json_object_object_get_ex(o, "offset", &x));
	assert_true(json_object_object_get_ex(o, "why", &x));
	assert_non_null(strstr(json_object_get_string(x), "record data damaged"));
	json_object_put(arr);
	/* What the point of T2 needs is whole. */
	RUN("backup", "verify", "--at", "2025-11-30T21:00:00Z", "--json", dest);
	assert_exit(0);
	verify_json("2025-12-01T21:00:00Z=ok 2025-11-30T21:00:00Z=ok", true, 0, NULL);
	RUN("backup", "verify", "--at", "2025-11-29T21:00:00Z", dest);
	assert_exit(1);
	assert_non_null(strstr(res.out, "undo-20251130T210000Z: damaged: "));
	assert_non_null(strstr(res.out, "the point of 2025-11-29T21:00:00Z cannot be "
			       "restored whole"));
}

/*
 * A run that rewrites a damaged chunk of DEST (it differs from the
 * source) saves the damaged contents for the point before it: verify
 * names that point, and T2 (T3's run did not save chunk 3), as not whole;
 * T1 is whole (T2's run saved T1's chunk 3); list and restore agree.
 */
static void backup_verify_names_the_points_a_rewritten_damaged_chunk_took(void **state)
{
	char why[RP_MSG_LEN], undo[sizeof(dest) + 64];
	struct json_object *arr, *o, *x;
	struct rp_run *r;

	(void)state;
	medium("verify-lost");
	flip(dest, 3 * CHUNK + 9);
	assert_int_equal(rp_begin(dest, T3 + 86400, SIZE, CHUNK, &r, why, sizeof(why)), 0);
	assert_int_equal(rp_save_data(r, 0, img[2], SIZE, true), 0);
	assert_int_equal(rp_write(r, 0, img[2], SIZE), 0);
	assert_int_equal(rp_lost_bytes(r), CHUNK);
	assert_int_equal(rp_commit(r), 0);
	RUN("backup", "verify", "--json", dest);
	assert_exit(1);
	verify_json("2025-12-02T21:00:00Z=ok 2025-12-01T21:00:00Z=bad "
		    "2025-11-30T21:00:00Z=bad 2025-11-29T21:00:00Z=ok", false, 1, &arr);
	snprintf(undo, sizeof(undo), "%s.blksnap/undo-20251202T210000Z", dest);
	o = json_object_array_get_idx(arr, 0);
	assert_true(json_object_object_get_ex(o, "file", &x));
	assert_string_equal(json_object_get_string(x), undo);
	assert_true(json_object_object_get_ex(o, "why", &x));
	assert_string_equal(json_object_get_string(x), "bytes 12288-16383 of the point "
			    "of 2025-12-01T21:00:00Z were damaged or changed in DEST "
			    "before this run saved them");
	json_object_put(arr);
	RUN("backup", "list", "--json", dest);
	assert_exit(0);
	assert_non_null(strstr(res.out, "damaged or changed on the backup medium"));
	RUN("backup", "restore", "--at", "2025-11-30T21:00:00Z", "--to", out, dest);
	assert_exit(1);
	assert_non_null(strstr(res.err, "the first at byte 12288"));
	assert_int_equal(access(out, F_OK), -1);
	RUN("backup", "restore", "--at", "2025-11-29T21:00:00Z", "--to", out, dest);
	assert_exit(0);
	assert_file_is(out, img[0]);
	unlink(out);
}

static void backup_verify_of_a_missing_point_or_checksum_file_fails(void **state)
{
	char sums[sizeof(dest) + 32];

	(void)state;
	medium("verify-missing");
	RUN("backup", "verify", "--at", "2025-11-29T21:00:01Z", dest);
	assert_exit(1);
	assert_non_null(strstr(res.err, "no restore point of 2025-11-29T21:00:01Z"));
	RUN("backup", "verify", "--at", "now", dest);
	assert_exit(2);
	snprintf(sums, sizeof(sums), "%s.blksnap/sums", dest);
	flip(sums, 200);
	RUN("backup", "verify", "--json", dest);
	assert_exit(1);
	verify_json("", false, 1, NULL);
	assert_non_null(strstr(res.out, sums));
}

/*
 * An interrupted run's writes, not rolled back (a medium mounted
 * read-only): its records stand for what DEST no longer holds, as
 * restore takes them; the engine is called without the CLI's repair.
 */
static void verify_counts_an_interrupted_runs_records_not_damage(void **state)
{
	static unsigned char junk[2 * CHUNK];
	struct rp_verify_result vr;
	char why[RP_MSG_LEN];
	struct rp_run *r;

	(void)state;
	medium("verify-interrupted");
	memset(junk, 0x5a, sizeof(junk));
	assert_int_equal(rp_begin(dest, T3 + 60, SIZE, CHUNK, &r, why, sizeof(why)), 0);
	assert_int_equal(rp_write(r, CHUNK, junk, sizeof(junk)), 0);
	rp_leave(r);
	assert_int_equal(rp_verify(dest, 0, NULL, NULL, &vr, why, sizeof(why)), 0);
	assert_int_equal(vr.npoints, 3);
	free(vr.points);
	/* And DEST's damage where no record stands for it is still found. */
	flip(dest, 6 * CHUNK);
	assert_int_equal(rp_verify(dest, 0, NULL, NULL, &vr, why, sizeof(why)),
			 -EBADMSG);
	free(vr.points);
}

static void backup_list_rolls_back_an_interrupted_run_and_says_so(void **state)
{
	struct json_object *root, *arr;
	int status;
	pid_t pid;

	(void)state;
	medium("interrupted");
	/* A run that dies after its first write. */
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		char why[RP_MSG_LEN];
		struct rp_run *r;
		static unsigned char junk[CHUNK];

		if (rp_begin(dest, T3 + 60, SIZE, CHUNK, &r, why, sizeof(why)) ||
		    rp_write(r, 0, junk, sizeof(junk)))
			_exit(1);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && !WEXITSTATUS(status));
	RUN("backup", "list", "--json", dest);
	assert_exit(0);
	assert_non_null(strstr(res.err, "rolled back the interrupted run of "
			       "2025-12-01T21:01:00Z (4096 bytes put back)"));
	root = json_tokener_parse(res.out);
	assert_non_null(root);
	assert_true(json_object_object_get_ex(root, "restore-points", &arr));
	assert_int_equal(json_object_array_length(arr), 3);
	json_object_put(root);
	assert_file_is(dest, img[2]);
}

static void backup_list_during_a_run_says_a_run_is_writing(void **state)
{
	char why[RP_MSG_LEN];
	struct rp_run *r;

	(void)state;
	medium("busy");
	assert_int_equal(rp_begin(dest, T3 + 60, SIZE, CHUNK, &r, why, sizeof(why)), 0);
	RUN("backup", "list", dest);
	assert_exit(1);
	assert_non_null(strstr(res.err, "a backup run is writing it; try again"));
	/* One line: no warning about the repair it could not try. */
	assert_int_equal(lines(res.err), 1);
	RUN("backup", "restore", "--to", out, dest);
	assert_exit(1);
	assert_int_equal(access(out, F_OK), -1);
	assert_int_equal(rp_abort(r), 0);
	RUN("backup", "restore", "--to", out, dest);
	assert_exit(0);
	assert_file_is(out, img[2]);
}

static void backup_list_of_a_plain_file_says_no_restore_points(void **state)
{
	char plain[sizeof(top) + 16];

	(void)state;
	snprintf(plain, sizeof(plain), "%s/plain.img", top);
	close(open(plain, O_WRONLY | O_CREAT, 0600));
	RUN("backup", "list", plain);
	assert_exit(1);
	assert_non_null(strstr(res.err, "no restore points there"));
}

static void backup_subcommands_have_help(void **state)
{
	(void)state;
	RUN("backup", "list", "--help");
	assert_exit(0);
	assert_non_null(strstr(res.out, "backup list [options] DEST"));
	RUN("help", "backup", "restore");
	assert_exit(0);
	assert_non_null(strstr(res.out, "--at TIME"));
	RUN("help", "backup", "verify");
	assert_exit(0);
	assert_non_null(strstr(res.out, "backup verify [options] DEST"));
	RUN("backup", "--help");
	assert_exit(0);
	assert_non_null(strstr(res.out, "backup restore [options]"));
	assert_non_null(strstr(res.out, "backup verify [options]"));
	RUN("backup", "list");
	assert_exit(2);
	assert_non_null(strstr(res.err, "no DEST given"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(backup_list_json_has_each_point_with_time_size_complete),
		cmocka_unit_test(backup_list_has_a_row_per_point),
		cmocka_unit_test(backup_restore_at_writes_that_point),
		cmocka_unit_test(backup_restore_without_at_writes_the_latest),
		cmocka_unit_test(backup_restore_overwrites_only_with_force),
		cmocka_unit_test(backup_restore_of_a_point_not_kept_fails_and_leaves_nothing),
		cmocka_unit_test(backup_restore_names_a_damaged_chunk),
		cmocka_unit_test(backup_verify_of_a_whole_medium_finds_nothing),
		cmocka_unit_test(backup_verify_names_every_damaged_range_of_dest),
		cmocka_unit_test(backup_verify_names_a_damaged_undo_file_and_the_points_it_takes),
		cmocka_unit_test(backup_verify_names_the_points_a_rewritten_damaged_chunk_took),
		cmocka_unit_test(backup_verify_of_a_missing_point_or_checksum_file_fails),
		cmocka_unit_test(verify_counts_an_interrupted_runs_records_not_damage),
		cmocka_unit_test(backup_list_rolls_back_an_interrupted_run_and_says_so),
		cmocka_unit_test(backup_list_during_a_run_says_a_run_is_writing),
		cmocka_unit_test(backup_list_of_a_plain_file_says_no_restore_points),
		cmocka_unit_test(backup_subcommands_have_help),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
