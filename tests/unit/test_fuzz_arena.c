// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The fuzzer's places (tests/fuzz/fuzz_mem.c) say truly whether the kernel
 * can read and write them: its "must fail" verdicts rest on that.  Probed
 * through a pipe, which answers EFAULT where the kernel cannot copy.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "fuzz_mem.h"
#include "fuzz_rand.h"

/* Whether the kernel can copy @size bytes from @p. */
static bool kernel_reads(const void *p, size_t size)
{
	int fds[2];
	ssize_t n;
	char *sink = malloc(size);

	assert_non_null(sink);
	assert_int_equal(pipe2(fds, O_NONBLOCK), 0);
	assert_int_equal(fcntl(fds[1], F_SETPIPE_SZ, 1 << 20) >= 0, 1);
	n = write(fds[1], p, size);
	if (n > 0)
		assert_int_equal(read(fds[0], sink, (size_t)n), n);
	close(fds[0]);
	close(fds[1]);
	free(sink);
	return n == (ssize_t)size;
}

/* Whether the kernel can copy @size bytes to @p. */
static bool kernel_writes(void *p, size_t size)
{
	int fds[2];
	ssize_t n;
	char *src = calloc(1, size);

	assert_non_null(src);
	assert_int_equal(pipe2(fds, O_NONBLOCK), 0);
	assert_int_equal(fcntl(fds[1], F_SETPIPE_SZ, 1 << 20) >= 0, 1);
	assert_int_equal(write(fds[1], src, size), (ssize_t)size);
	n = read(fds[0], p, size);
	close(fds[0]);
	close(fds[1]);
	free(src);
	return n == (ssize_t)size;
}

/* An unlinked file big enough for every thread's shared pages. */
static int shared_file(void)
{
	char tmpl[] = "/tmp/fuzz-arena.XXXXXX";
	int fd = mkstemp(tmpl);

	assert_true(fd >= 0);
	unlink(tmpl);
	assert_int_equal(ftruncate(fd, 4 << 20), 0);
	return fd;
}

static void places_tell_what_the_kernel_can_copy(void **state)
{
	static const size_t sizes[] = { 1, 7, 16, 40, 4096, 65536 };
	struct fuzz_arena a;
	struct fuzz_rng r;
	unsigned int k, s, slot, i;
	int fd = shared_file();

	(void)state;
	assert_int_equal(arena_init(&a, fd, 0), 0);
	rng_seed(&r, 1, 0);
	for (i = 0; i < 20; i++) {
		for (slot = 0; slot < SLOT_COUNT; slot++) {
			for (k = 0; k < PTR_KINDS; k++) {
				for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
					struct fuzz_place pl = arena_put(&a, &r, slot, k,
									 NULL, sizes[s]);

					if (pl.readable != kernel_reads(pl.p, sizes[s]))
						fail_msg("%s, %zu bytes, slot %u: readable says %d",
							 ptr_name(pl.kind), sizes[s], slot,
							 pl.readable);
					if (pl.writable != kernel_writes(pl.p, sizes[s]))
						fail_msg("%s, %zu bytes, slot %u: writable says %d",
							 ptr_name(pl.kind), sizes[s], slot,
							 pl.writable);
				}
			}
		}
	}
	arena_done(&a);
	close(fd);
}

/*
 * Two threads' arenas on one shared file: what one writes into a shared
 * page never shows in the other's, nor in another slot's of the same
 * thread (a request judged invalid must stay as it was judged until its
 * call).
 */
static void threads_have_their_own_shared_page(void **state)
{
	struct fuzz_arena a, b;
	int fd = shared_file();

	(void)state;
	assert_int_equal(arena_init(&a, fd, 0), 0);
	assert_int_equal(arena_init(&b, fd, 1), 0);
	memset(a.shared[SLOT_ARG], 0xaa, a.page);
	memset(a.shared[SLOT_INNER], 0x11, a.page);
	memset(b.shared[SLOT_ARG], 0x55, b.page);
	assert_int_equal(a.shared[SLOT_ARG][0], 0xaa);
	assert_int_equal(a.shared[SLOT_ARG][a.page - 1], 0xaa);
	assert_int_equal(a.shared[SLOT_INNER][0], 0x11);
	assert_int_equal(b.shared[SLOT_ARG][0], 0x55);
	arena_done(&a);
	arena_done(&b);
	close(fd);
}

static void good_places_hold_what_was_put(void **state)
{
	unsigned char src[100], back[100];
	struct fuzz_arena a;
	struct fuzz_rng r;
	unsigned int k;

	(void)state;
	assert_int_equal(arena_init(&a, -1, 0), 0);
	rng_seed(&r, 2, 0);
	rng_fill(&r, src, sizeof(src));
	for (k = 0; k < PTR_KINDS; k++) {
		struct fuzz_place pl = arena_put(&a, &r, SLOT_ARG, k, src, sizeof(src));

		if (!pl.readable)
			continue;
		assert_true(arena_get(&pl, back));
		assert_memory_equal(src, back, sizeof(src));
	}
	arena_done(&a);
}

static void a_seed_repeats_its_streams(void **state)
{
	struct fuzz_rng a, b, c;
	unsigned int i, same = 0;

	(void)state;
	rng_seed(&a, 20, 1);
	rng_seed(&b, 20, 1);
	rng_seed(&c, 20, 2);
	for (i = 0; i < 1000; i++) {
		uint64_t x = rng_next(&a);

		assert_int_equal(x, rng_next(&b));
		same += x == rng_next(&c);
	}
	assert_int_equal(same, 0);
	for (i = 0; i < 1000; i++) {
		assert_true(rng_below(&a, 7) < 7);
		assert_true(rng_range(&a, 5, 9) >= 5);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(places_tell_what_the_kernel_can_copy),
		cmocka_unit_test(threads_have_their_own_shared_page),
		cmocka_unit_test(good_places_hold_what_was_put),
		cmocka_unit_test(a_seed_repeats_its_streams),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
