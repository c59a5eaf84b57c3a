// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The arena's slots and the bad addresses of x86-64 (and of 64-bit
 * kernels in general: the top half is the kernel's).
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "fuzz_mem.h"

/* Read-write bytes per slot: a 4 KiB event with room to move, a 1 MiB map window, a path past PATH_MAX. */
static const size_t slot_rw[SLOT_COUNT] = {
	[SLOT_ARG] = 16 << 10,
	[SLOT_BUF] = (1 << 20) + (64 << 10),
	[SLOT_INNER] = 12 << 10,
};

int arena_init(struct fuzz_arena *a, int shared_fd, unsigned int nr)
{
	unsigned int s;

	memset(a, 0, sizeof(*a));
	a->page = (size_t)sysconf(_SC_PAGESIZE);
	for (s = 0; s < SLOT_COUNT; s++) {
		size_t rw = slot_rw[s];
		size_t len = rw + 3 * a->page;
		unsigned char *m = mmap(NULL, len, PROT_NONE,
					MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (m == MAP_FAILED)
			return -errno;
		if (mprotect(m, rw, PROT_READ | PROT_WRITE) ||
		    mprotect(m + rw + a->page, a->page, PROT_READ))
			return -errno;
		a->rw[s] = m;
		a->rw_len[s] = rw;
		a->guard[s] = m + rw;
		a->ro[s] = m + rw + a->page;
	}
	/*
	 * A page of its own per thread and slot: an argument written into a
	 * page that another thread, or another slot of the same request,
	 * also writes to could turn a request judged invalid into a valid
	 * one between the judgement and the call.
	 */
	for (s = 0; shared_fd >= 0 && s < SLOT_COUNT; s++) {
		void *m = mmap(NULL, a->page, PROT_READ | PROT_WRITE, MAP_SHARED,
			       shared_fd, (off_t)(nr * SLOT_COUNT + s) * (off_t)a->page);

		if (m == MAP_FAILED)
			return -errno;
		a->shared[s] = m;
	}
	return 0;
}

void arena_done(struct fuzz_arena *a)
{
	unsigned int s;

	for (s = 0; s < SLOT_COUNT; s++) {
		if (a->rw[s])
			munmap(a->rw[s], a->rw_len[s] + 3 * a->page);
		if (a->shared[s])
			munmap(a->shared[s], a->page);
	}
	memset(a, 0, sizeof(*a));
}

enum fuzz_ptr arena_pick(struct fuzz_rng *r, unsigned int bad_percent)
{
	static const unsigned int good[] = {
		[PTR_GOOD] = 70, [PTR_UNALIGNED] = 12, [PTR_AT_GUARD] = 12,
		[PTR_SHARED_FILE] = 6,
	};
	static const unsigned int bad[] = {
		[PTR_ACROSS_GUARD] = 30, [PTR_READ_ONLY] = 20, [PTR_NULL] = 15,
		[PTR_UNMAPPED] = 15, [PTR_KERNEL] = 12, [PTR_NONCANONICAL] = 8,
	};

	if (rng_chance(r, bad_percent))
		return (enum fuzz_ptr)rng_weighted(r, bad, sizeof(bad) / sizeof(bad[0]));
	return (enum fuzz_ptr)rng_weighted(r, good, sizeof(good) / sizeof(good[0]));
}

static uintptr_t kernel_address(struct fuzz_rng *r)
{
	static const uint64_t bases[] = {
		0xffff888000000000ULL,	/* direct map */
		0xffffffff81000000ULL,	/* kernel text */
		0xffffffffff600000ULL,	/* vsyscall page */
		0xfffffe0000000000ULL,	/* cpu entry area */
		0xffffffffc0000000ULL,	/* modules */
	};

	return (uintptr_t)(bases[rng_below(r, 5)] + rng_below(r, 1 << 16) * 8);
}

static uintptr_t noncanonical_address(struct fuzz_rng *r)
{
	static const uint64_t bases[] = {
		0x0000800000000000ULL,	/* just past user space */
		0x8000000000000000ULL,
		0x7fffffffffff0000ULL,
		0xfffffffffffff000ULL,	/* wraps with the size */
	};

	return (uintptr_t)(bases[rng_below(r, 4)] + rng_below(r, 4096));
}

/* Copies what is mapped of @size bytes at @p from @src. */
static void fill(struct fuzz_arena *a, enum fuzz_slot slot, unsigned char *p,
		 const void *src, size_t size)
{
	unsigned char *end = a->rw[slot] + a->rw_len[slot];

	if (!src || p < a->rw[slot] || p >= end)
		return;
	memcpy(p, src, size < (size_t)(end - p) ? size : (size_t)(end - p));
}

struct fuzz_place arena_put(struct fuzz_arena *a, struct fuzz_rng *r,
			    enum fuzz_slot slot, enum fuzz_ptr kind,
			    const void *src, size_t size)
{
	size_t rw = a->rw_len[slot], tail;
	struct fuzz_place pl = { .size = size, .kind = kind };
	unsigned char *p = a->rw[slot];

	if (kind == PTR_SHARED_FILE && (!a->shared[slot] || size > a->page))
		kind = pl.kind = PTR_GOOD;
	switch (kind) {
	case PTR_GOOD:
		break;
	case PTR_UNALIGNED:
		p += 1 + 2 * rng_below(r, 4);
		break;
	case PTR_AT_GUARD:
		if (size <= rw)
			p = a->guard[slot] - size;
		break;
	case PTR_ACROSS_GUARD:
		/* 1 to 64 bytes of it in the guard. */
		tail = size ? 1 + rng_below(r, size < 64 ? size : 64) : 0;
		p = a->guard[slot] - (size - tail < rw ? size - tail : rw);
		break;
	case PTR_READ_ONLY:
		p = a->ro[slot];
		if (src && !mprotect(p, a->page, PROT_READ | PROT_WRITE)) {
			memcpy(p, src, size < a->page ? size : a->page);
			mprotect(p, a->page, PROT_READ);
		}
		break;
	case PTR_SHARED_FILE:
		p = a->shared[slot];
		if (src)
			memcpy(p, src, size);
		break;
	case PTR_NULL:
		p = NULL;
		if (rng_chance(r, 20))
			p = (unsigned char *)(uintptr_t)rng_below(r, 4096);
		break;
	case PTR_UNMAPPED:
		p = a->guard[slot] + rng_below(r, a->page);
		break;
	case PTR_KERNEL:
		p = (unsigned char *)kernel_address(r);
		break;
	case PTR_NONCANONICAL:
	default:
		p = (unsigned char *)noncanonical_address(r);
		break;
	}
	pl.p = p;
	fill(a, slot, p, src, size);
	/* Mapped and readable: which bytes lie in which pages. */
	if (!size) {
		pl.readable = true;
	} else if (p >= a->rw[slot] && p < a->guard[slot]) {
		pl.readable = size <= (size_t)(a->guard[slot] - p);
	} else if (p == a->ro[slot]) {
		pl.readable = size <= a->page;
	} else if (a->shared[slot] && p == a->shared[slot]) {
		pl.readable = size <= a->page;
	}
	pl.writable = pl.readable && (!size || p != a->ro[slot]);
	return pl;
}

bool arena_get(const struct fuzz_place *pl, void *dst)
{
	if (!pl->readable || !pl->size)
		return false;
	memcpy(dst, pl->p, pl->size);
	return true;
}

const char *ptr_name(enum fuzz_ptr kind)
{
	static const char *const names[PTR_KINDS] = {
		[PTR_GOOD] = "good", [PTR_UNALIGNED] = "unaligned",
		[PTR_AT_GUARD] = "at-guard", [PTR_ACROSS_GUARD] = "across-guard",
		[PTR_READ_ONLY] = "read-only", [PTR_SHARED_FILE] = "shared-file",
		[PTR_NULL] = "null", [PTR_UNMAPPED] = "unmapped",
		[PTR_KERNEL] = "kernel", [PTR_NONCANONICAL] = "noncanonical",
	};

	return kind < PTR_KINDS ? names[kind] : "?";
}
