// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The backup state file: what is written reads back the same; a file cut
 * short, garbage, or of another device, size, generation or destination
 * is refused with a one-line reason (so the backup copies everything);
 * a write that fails leaves the old state and no temporary file.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "backup/backup_state.h"
#include "backup/identity.h"
#include "common/generation.h"

static char dir[] = "/tmp/test_backup_state.XXXXXX";
static char path[PATH_MAX];
static char why[BACKUP_WHY_LEN];

static const char gen_a[] = "6f1c2f0e-5b7d-4c1e-9a7b-2d0c4c8e1f3a";
static const char gen_b[] = "0b8e9a7e-2a4f-4f0e-8a57-5d1f3a2c9e11";

static void sample(struct backup_state *st)
{
	memset(st, 0, sizeof(*st));
	strcpy(st->id.device, "/dev/vdb1");
	st->id.size = 100ULL << 20;
	strcpy(st->id.fs_uuid, "2c7c0e4e-1111-4a6b-8c1d-3f2e5d6c7b8a");
	strcpy(st->id.part_uuid, "a1b2c3d4-01");
	assert_int_equal(generation_parse(gen_a, &st->generation), 0);
	st->number = 7;
	st->time = 1764450000;
	strcpy(st->dest, "/backup/data \"quoted\" %.img");
	st->dest_size = 100ULL << 20;
	st->dest_id.kind = BACKUP_DEST_FILE;
	st->dest_id.dev = 0xfd01;
	st->dest_id.ino = 1234567;
	st->dest_id.mtime_ns = 1764450012345678901LL;
}

static struct backup_dest_id sample_file_id(void)
{
	struct backup_state st;

	sample(&st);
	return st.dest_id;
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/dest.state", dir);
	return 0;
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) ? -1 : 0;
}

static size_t entries_in_dir(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static void written_state_reads_back_the_same(void **state)
{
	struct backup_state a, b;

	(void)state;
	sample(&a);
	assert_int_equal(backup_state_write(path, &a), 0);
	assert_int_equal(backup_state_read(path, &b, why, sizeof(why)), 0);
	assert_memory_equal(&a, &b, sizeof(a));
	/* The state file and nothing else: no temporary left over. */
	assert_int_equal(entries_in_dir(), 1);
	unlink(path);
}

static void missing_state_is_enoent(void **state)
{
	struct backup_state st;

	(void)state;
	assert_int_equal(backup_state_read(path, &st, why, sizeof(why)), -ENOENT);
}

static void every_truncation_is_refused(void **state)
{
	struct backup_state a, b;
	char *text;
	size_t len, i;

	(void)state;
	sample(&a);
	text = backup_state_format(&a);
	assert_non_null(text);
	len = strlen(text);
	/* Cut anywhere inside the object (the final "}\n" included). */
	for (i = 0; i + 2 < len; i++) {
		why[0] = '\0';
		assert_int_equal(backup_state_parse(text, i, &b, why, sizeof(why)),
				 -EBADMSG);
		assert_true(why[0] != '\0');
	}
	assert_int_equal(backup_state_parse(text, 0, &b, why, sizeof(why)), -EBADMSG);
	assert_string_equal(why, "truncated");
	assert_int_equal(backup_state_parse(text, len, &b, why, sizeof(why)), 0);
	free(text);
}

static void garbage_is_refused_with_a_reason(void **state)
{
	static const char *const bad[] = {
		"\x7f" "ELF\x02\x01\x01",
		"hello world\n",
		"[1, 2, 3]\n",
		"{\"format\": 1}\n",
		"{\"format\": 2, \"device\": \"/dev/vdb1\"}\n",
		"{} {}\n",
	};
	struct backup_state a, st;
	char *text, *p;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		assert_int_equal(backup_state_parse(bad[i], strlen(bad[i]), &st,
						    why, sizeof(why)), -EBADMSG);
		assert_true(why[0] != '\0');
	}
	/* A member of the wrong type or range. */
	sample(&a);
	text = backup_state_format(&a);
	p = strstr(text, "\"number\": 7");
	assert_non_null(p);
	memcpy(p, "\"number\":-1", 11);
	assert_int_equal(backup_state_parse(text, strlen(text), &st, why,
					    sizeof(why)), -EBADMSG);
	assert_non_null(strstr(why, "number"));
	free(text);
}

static void unusable_state_says_why(void **state)
{
	struct backup_state st;
	struct backup_identity now;
	struct backup_dest_now dest;
	struct blksnap_uuid gen, other;

	(void)state;
	sample(&st);
	now = st.id;
	dest = (struct backup_dest_now){ st.dest, true, st.dest_size, false,
					 st.dest_id };
	gen = st.generation;
	assert_int_equal(generation_parse(gen_b, &other), 0);

	assert_true(backup_state_usable(&st, &now, &gen, 9, &dest, why, sizeof(why)));
	assert_true(backup_state_usable(&st, &now, &gen, 7, &dest, why, sizeof(why)));

	strcpy(now.device, "/dev/vdc1");
	assert_false(backup_state_usable(&st, &now, &gen, 9, &dest, why, sizeof(why)));
	assert_non_null(strstr(why, "another device"));
	now = st.id;
	strcpy(now.fs_uuid, "99999999-1111-4a6b-8c1d-3f2e5d6c7b8a");
	assert_false(backup_state_usable(&st, &now, &gen, 9, &dest, why, sizeof(why)));
	assert_non_null(strstr(why, "another device"));
	/* A UUID unknown on one side proves nothing either way. */
	now.fs_uuid[0] = '\0';
	assert_true(backup_state_usable(&st, &now, &gen, 9, &dest, why, sizeof(why)));

	now = st.id;
	now.size += 512;
	assert_false(backup_state_usable(&st, &now, &gen, 9, &dest, why, sizeof(why)));
	assert_non_null(strstr(why, "bytes) now"));

	now = st.id;
	assert_false(backup_state_usable(&st, &now, &other, 9, &dest, why, sizeof(why)));
	assert_non_null(strstr(why, "generation"));
	assert_false(backup_state_usable(&st, &now, &gen, 6, &dest, why, sizeof(why)));
	assert_non_null(strstr(why, "ahead"));

	dest.path = "/backup/other.img";
	assert_false(backup_state_usable(&st, &now, &gen, 9, &dest, why, sizeof(why)));
	assert_non_null(strstr(why, "went to"));
	dest.path = st.dest;
	dest.exists = false;
	assert_false(backup_state_usable(&st, &now, &gen, 9, &dest, why, sizeof(why)));
	assert_non_null(strstr(why, "does not exist"));
	dest.exists = true;
	dest.size = 4096;
	assert_false(backup_state_usable(&st, &now, &gen, 9, &dest, why, sizeof(why)));
	assert_non_null(strstr(why, "at the last backup"));
}

static void every_dest_kind_reads_back_the_same(void **state)
{
	struct backup_state a, b;

	(void)state;
	sample(&a);
	a.dest_id = (struct backup_dest_id){ .kind = BACKUP_DEST_BDEV,
					     .rdev = 0x800011 };
	assert_int_equal(backup_state_write(path, &a), 0);
	assert_int_equal(backup_state_read(path, &b, why, sizeof(why)), 0);
	assert_memory_equal(&a, &b, sizeof(a));
	a.dest_id = (struct backup_dest_id){ .kind = BACKUP_DEST_EXTERNAL };
	assert_int_equal(backup_state_write(path, &a), 0);
	assert_int_equal(backup_state_read(path, &b, why, sizeof(why)), 0);
	assert_memory_equal(&a, &b, sizeof(a));
	/* Before 1970, for a clock that was wrong. */
	sample(&a);
	a.dest_id.mtime_ns = -5;
	assert_int_equal(backup_state_write(path, &a), 0);
	assert_int_equal(backup_state_read(path, &b, why, sizeof(why)), 0);
	assert_memory_equal(&a, &b, sizeof(a));
	unlink(path);
}

/* The text of @st with its "dest-kind" and following members cut off. */
static char *without_dest_id(const struct backup_state *st)
{
	char *text = backup_state_format(st), *p;

	assert_non_null(text);
	p = strstr(text, ",\n  \"dest-kind\"");
	assert_non_null(p);
	strcpy(p, "\n}\n");
	return text;
}

static void state_without_dest_id_means_full(void **state)
{
	struct backup_state a, b;
	struct backup_dest_now dest;
	char *text;

	(void)state;
	sample(&a);
	text = without_dest_id(&a);
	/* A state file of an older blksnap still reads... */
	assert_int_equal(backup_state_parse(text, strlen(text), &b, why,
					    sizeof(why)), 0);
	assert_int_equal(b.dest_id.kind, BACKUP_DEST_UNKNOWN);
	free(text);
	/* ...but cannot be continued: which DEST it wrote is not known. */
	dest = (struct backup_dest_now){ a.dest, true, a.dest_size, false,
					 a.dest_id };
	assert_false(backup_state_usable(&b, &a.id, &a.generation, a.number,
					 &dest, why, sizeof(why)));
	assert_non_null(strstr(why, "older blksnap"));
	assert_null(strchr(why, '\n'));
}

static void bad_dest_id_is_refused(void **state)
{
	struct backup_state a, b;
	char *text, *p;

	(void)state;
	sample(&a);
	text = backup_state_format(&a);
	p = strstr(text, "\"file\"");
	assert_non_null(p);
	memcpy(p, "\"fil?\"", 6);
	assert_int_equal(backup_state_parse(text, strlen(text), &b, why,
					    sizeof(why)), -EBADMSG);
	assert_non_null(strstr(why, "dest-kind"));
	free(text);
	/* A file kind without its inode. */
	text = backup_state_format(&a);
	p = strstr(text, "\"dest-inode\"");
	assert_non_null(p);
	memcpy(p, "\"dest-INODE\"", 12);
	assert_int_equal(backup_state_parse(text, strlen(text), &b, why,
					    sizeof(why)), -EBADMSG);
	assert_non_null(strstr(why, "dest-inode"));
	free(text);
}

static void replugged_device_dest_is_known_by_its_area_uuid(void **state)
{
	struct backup_dest_id then = { .kind = BACKUP_DEST_BDEV, .rdev = 0x800011 };
	struct backup_dest_id now = then;
	struct backup_state a, b;

	(void)state;
	snprintf(then.fs_uuid, sizeof(then.fs_uuid),
		 "5f0c7a52-8f0e-4c1b-9d57-3c1f2b7e6a10");
	now = then;
	/* Back under another device number: the same DEST. */
	now.rdev = 0x800021;
	assert_true(backup_dest_id_same(&then, &now));
	/* Another area at the old number: another DEST. */
	now.rdev = then.rdev;
	now.fs_uuid[0] = '0';
	assert_false(backup_dest_id_same(&then, &now));
	/* A state without the UUID (an older blksnap): the number decides. */
	now.fs_uuid[0] = '\0';
	assert_true(backup_dest_id_same(&then, &now));
	/* The state keeps it. */
	sample(&a);
	a.dest_id = then;
	assert_int_equal(backup_state_write(path, &a), 0);
	assert_int_equal(backup_state_read(path, &b, why, sizeof(why)), 0);
	assert_string_equal(b.dest_id.fs_uuid, then.fs_uuid);
}

static void changed_dest_means_full(void **state)
{
	struct backup_state st;
	struct backup_dest_now dest;
	struct backup_dest_id bdev = { .kind = BACKUP_DEST_BDEV, .rdev = 0x800011 };

	(void)state;
	sample(&st);
	dest = (struct backup_dest_now){ st.dest, true, st.dest_size, false,
					 st.dest_id };
	assert_true(backup_state_usable(&st, &st.id, &st.generation, 9, &dest,
					why, sizeof(why)));
	/* Another file at the same path, of the same size. */
	dest.id.ino++;
	assert_false(backup_state_usable(&st, &st.id, &st.generation, 9, &dest,
					 why, sizeof(why)));
	assert_non_null(strstr(why, "changed since the last backup (replaced"));
	dest.id = st.dest_id;
	dest.id.dev++;
	assert_false(backup_state_usable(&st, &st.id, &st.generation, 9, &dest,
					 why, sizeof(why)));
	assert_non_null(strstr(why, "replaced"));
	/* The same file, written since. */
	dest.id = st.dest_id;
	dest.id.mtime_ns += 1;
	assert_false(backup_state_usable(&st, &st.id, &st.generation, 9, &dest,
					 why, sizeof(why)));
	assert_non_null(strstr(why, "changed since the last backup (modified"));
	assert_null(strchr(why, '\n'));
	/* ...by a run from this state that was interrupted: it repairs. */
	st.dest_writing = true;
	assert_true(backup_state_usable(&st, &st.id, &st.generation, 9, &dest,
					why, sizeof(why)));
	/* Never across another file, though. */
	dest.id.ino++;
	assert_false(backup_state_usable(&st, &st.id, &st.generation, 9, &dest,
					 why, sizeof(why)));
	st.dest_writing = false;
	/* A block device: its number is what counts, not a time. */
	st.dest_id = bdev;
	dest.is_bdev = true;
	dest.id = bdev;
	assert_true(backup_state_usable(&st, &st.id, &st.generation, 9, &dest,
					why, sizeof(why)));
	dest.id.rdev++;
	assert_false(backup_state_usable(&st, &st.id, &st.generation, 9, &dest,
					 why, sizeof(why)));
	assert_non_null(strstr(why, "another device"));
	/* A file where the device was. */
	dest.is_bdev = false;
	dest.id = sample_file_id();
	assert_false(backup_state_usable(&st, &st.id, &st.generation, 9, &dest,
					 why, sizeof(why)));
	/* --ranges-out: the caller writes DEST, whatever it is. */
	st.dest_id.kind = BACKUP_DEST_EXTERNAL;
	assert_true(backup_state_usable(&st, &st.id, &st.generation, 9, &dest,
					why, sizeof(why)));
}

/*
 * A USB disk plugged back into another port: the same filesystem (UUID)
 * and inode under another device number is the same DEST; another
 * filesystem with the same inode number is not; a state from before the
 * UUID was recorded compares device numbers, as it did.
 */
static void replugged_dest_is_known_by_its_filesystem_uuid(void **state)
{
	struct backup_state st, b;
	struct backup_dest_now dest;

	(void)state;
	sample(&st);
	strcpy(st.dest_id.fs_uuid, "5b1f9c1e-2d3a-4e5f-8a9b-0c1d2e3f4a5b");
	assert_int_equal(backup_state_write(path, &st), 0);
	assert_int_equal(backup_state_read(path, &b, why, sizeof(why)), 0);
	assert_memory_equal(&st, &b, sizeof(st));
	unlink(path);
	dest = (struct backup_dest_now){ st.dest, true, st.dest_size, false,
					 st.dest_id };
	dest.id.dev = 0x820;
	assert_true(backup_state_usable(&st, &st.id, &st.generation, 9, &dest,
					why, sizeof(why)));
	strcpy(dest.id.fs_uuid, "00000000-2d3a-4e5f-8a9b-0c1d2e3f4a5b");
	dest.id.dev = st.dest_id.dev;
	assert_false(backup_state_usable(&st, &st.id, &st.generation, 9, &dest,
					 why, sizeof(why)));
	assert_non_null(strstr(why, "replaced"));
	st.dest_id.fs_uuid[0] = '\0';
	dest.id.dev = 0x820;
	assert_false(backup_state_usable(&st, &st.id, &st.generation, 9, &dest,
					 why, sizeof(why)));
	dest.id.dev = st.dest_id.dev;
	assert_true(backup_state_usable(&st, &st.id, &st.generation, 9, &dest,
					why, sizeof(why)));
}

/* The module's new generation at the wrap of the change number is named. */
static void wrapped_change_numbers_say_so(void **state)
{
	struct backup_state st;
	struct backup_dest_now dest;
	struct blksnap_uuid other;

	(void)state;
	sample(&st);
	assert_int_equal(generation_parse(gen_b, &other), 0);
	dest = (struct backup_dest_now){ st.dest, true, st.dest_size, false,
					 st.dest_id };
	st.number = 254;
	assert_false(backup_state_usable(&st, &st.id, &other, 1, &dest, why,
					 sizeof(why)));
	assert_non_null(strstr(why, "8-bit change numbers ran out (254 at the "
			       "last backup)"));
	/* A reload in the middle of the numbers is a restart, as before. */
	st.number = 100;
	assert_false(backup_state_usable(&st, &st.id, &other, 1, &dest, why,
					 sizeof(why)));
	assert_non_null(strstr(why, "change tracking restarted"));
}

/* Images in --to DIR are named by what stays from boot to boot. */
static void dir_image_names_survive_a_reboot(void **state)
{
	static const char uuid[] = "2c7c0e4e-1111-4a6b-8c1d-3f2e5d6c7b8a";
	char name[NAME_MAX + 1], longmp[NAME_MAX + 8];

	(void)state;
	assert_int_equal(identity_image_name("/", uuid, "/dev/sda2", name,
					     sizeof(name)), 0);
	assert_string_equal(name, "root.img");
	assert_int_equal(identity_image_name("/var/lib", uuid, "/dev/sda3", name,
					     sizeof(name)), 0);
	assert_string_equal(name, "var-lib.img");
	/* A device not mounted: its filesystem's UUID, not sdb1. */
	assert_int_equal(identity_image_name("", uuid, "/dev/sdb1", name,
					     sizeof(name)), 0);
	assert_string_equal(name, "2c7c0e4e-1111-4a6b-8c1d-3f2e5d6c7b8a.img");
	/* Nothing stable: the kernel's name, the last resort. */
	assert_int_equal(identity_image_name("", "", "/dev/mapper/vg-root", name,
					     sizeof(name)), 0);
	assert_string_equal(name, "vg-root.img");
	memset(longmp, 'a', sizeof(longmp) - 1);
	longmp[0] = '/';
	longmp[sizeof(longmp) - 1] = '\0';
	assert_int_equal(identity_image_name(longmp, uuid, "/dev/sdb1", name,
					     sizeof(name)), -ENAMETOOLONG);
}

static void writing_marker_belongs_to_its_state(void **state)
{
	struct backup_state a, b;

	(void)state;
	sample(&a);
	assert_int_equal(backup_state_write(path, &a), 0);
	assert_int_equal(backup_state_read(path, &b, why, sizeof(why)), 0);
	assert_false(b.dest_writing);
	assert_int_equal(backup_state_mark_writing(path, &a), 0);
	assert_int_equal(backup_state_read(path, &b, why, sizeof(why)), 0);
	assert_true(b.dest_writing);
	/* Left over by a run that advanced the state: not this state's. */
	a.number++;
	assert_int_equal(backup_state_write(path, &a), 0);
	assert_int_equal(backup_state_read(path, &b, why, sizeof(why)), 0);
	assert_false(b.dest_writing);
	assert_int_equal(backup_state_clear_writing(path), 0);
	assert_int_equal(backup_state_clear_writing(path), 0);
	assert_int_equal(entries_in_dir(), 1);
	unlink(path);
}

static void failed_write_keeps_the_old_state(void **state)
{
	struct backup_state a, b, c;
	char sub[PATH_MAX], inner[PATH_MAX + 8];

	(void)state;
	sample(&a);
	assert_int_equal(backup_state_write(path, &a), 0);
	/* The rename cannot replace a directory: the write fails late. */
	snprintf(sub, sizeof(sub), "%s/isdir", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	snprintf(inner, sizeof(inner), "%s/x", sub);
	assert_int_equal(mkdir(inner, 0700), 0);
	b = a;
	b.number = 8;
	assert_true(backup_state_write(sub, &b) < 0);
	/* Nothing left but the old state and the directory. */
	assert_int_equal(entries_in_dir(), 2);
	assert_int_equal(backup_state_read(path, &c, why, sizeof(why)), 0);
	assert_int_equal(c.number, 7);
	rmdir(inner);
	rmdir(sub);
	unlink(path);
}

static void second_lock_without_wait_is_refused(void **state)
{
	int fd1, fd2;

	(void)state;
	assert_int_equal(backup_state_lock(path, false, &fd1), 0);
	assert_int_equal(backup_state_lock(path, false, &fd2), -EWOULDBLOCK);
	close(fd1);
	assert_int_equal(backup_state_lock(path, false, &fd2), 0);
	close(fd2);
}

static void default_path_escapes_the_destination(void **state)
{
	char out[PATH_MAX];

	(void)state;
	assert_int_equal(backup_state_default_path("/var/lib/blksnap",
		"/backup/home%1.img", out, sizeof(out)), 0);
	assert_string_equal(out, "/var/lib/blksnap/backup%2Fhome%251.img.state");
	assert_int_equal(backup_state_default_path("/s", "/a/b", out, 8),
			 -ENAMETOOLONG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(written_state_reads_back_the_same),
		cmocka_unit_test(missing_state_is_enoent),
		cmocka_unit_test(every_truncation_is_refused),
		cmocka_unit_test(garbage_is_refused_with_a_reason),
		cmocka_unit_test(unusable_state_says_why),
		cmocka_unit_test(every_dest_kind_reads_back_the_same),
		cmocka_unit_test(state_without_dest_id_means_full),
		cmocka_unit_test(bad_dest_id_is_refused),
		cmocka_unit_test(replugged_device_dest_is_known_by_its_area_uuid),
		cmocka_unit_test(changed_dest_means_full),
		cmocka_unit_test(replugged_dest_is_known_by_its_filesystem_uuid),
		cmocka_unit_test(wrapped_change_numbers_say_so),
		cmocka_unit_test(dir_image_names_survive_a_reboot),
		cmocka_unit_test(writing_marker_belongs_to_its_state),
		cmocka_unit_test(failed_write_keeps_the_old_state),
		cmocka_unit_test(second_lock_without_wait_is_refused),
		cmocka_unit_test(default_path_escapes_the_destination),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
