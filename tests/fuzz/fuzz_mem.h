/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Where the fuzzer puts what it hands the kernel: good memory, and the bad
 * places user pointers can name.  Each thread has an arena of slots (the
 * ioctl's argument, a buffer the argument points to, a path), each slot
 * laid out as
 *
 *	[ read-write pages ][ guard (PROT_NONE) ][ read-only page ][ guard ]
 *
 * so that a structure can sit right against an unmapped page, straddle
 * it, or lie in memory the kernel may read but not write.  Used by its
 * own thread only.
 */
#ifndef BLKSNAP_FUZZ_MEM_H
#define BLKSNAP_FUZZ_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include "fuzz_rand.h"

enum fuzz_slot {
	SLOT_ARG,	/* the ioctl's own argument: up to a 4 KiB event */
	SLOT_BUF,	/* a buffer it points to: map window, ranges, ids */
	SLOT_INNER,	/* a path (also past PATH_MAX), or a CTL payload */
	SLOT_COUNT,
};

enum fuzz_ptr {
	PTR_GOOD,		/* start of the read-write pages */
	PTR_UNALIGNED,		/* read-write, at an odd address */
	PTR_AT_GUARD,		/* read-write, ending right at the guard */
	PTR_ACROSS_GUARD,	/* its tail lies in the guard */
	PTR_READ_ONLY,		/* the read-only page (writes fault) */
	PTR_SHARED_FILE,	/* a MAP_SHARED page of a file (faults wait
				 * while its filesystem is frozen) */
	PTR_NULL,
	PTR_UNMAPPED,		/* inside the guard */
	PTR_KERNEL,		/* the kernel's direct map or text */
	PTR_NONCANONICAL,
	PTR_KINDS,
};

struct fuzz_arena {
	unsigned char *rw[SLOT_COUNT];
	size_t rw_len[SLOT_COUNT];
	unsigned char *guard[SLOT_COUNT];
	unsigned char *ro[SLOT_COUNT];
	/* Per slot, one page of a file on a scratch filesystem, or NULL. */
	unsigned char *shared[SLOT_COUNT];
	size_t page;
};

/*
 * Maps the slots; @shared_fd, if not negative, is a file of at least
 * (@nr + 1) * SLOT_COUNT pages, of which thread @nr maps its own page per
 * slot MAP_SHARED.  0 or a negative errno.
 */
int arena_init(struct fuzz_arena *a, int shared_fd, unsigned int nr);
void arena_done(struct fuzz_arena *a);

/* A kind of pointer: a bad one with probability @bad_percent. */
enum fuzz_ptr arena_pick(struct fuzz_rng *r, unsigned int bad_percent);

/*
 * A place for @size bytes.  @readable: the kernel can copy all @size bytes
 * from it (always, for 0 bytes); @writable: and to it.
 */
struct fuzz_place {
	void *p;
	size_t size;
	enum fuzz_ptr kind;
	bool readable;
	bool writable;
};

/*
 * A @kind place in @slot for @size bytes, with @src copied to as much of
 * it as is mapped (the read-only page too); @src NULL leaves the memory
 * as it is.
 */
struct fuzz_place arena_put(struct fuzz_arena *a, struct fuzz_rng *r,
			    enum fuzz_slot slot, enum fuzz_ptr kind,
			    const void *src, size_t size);
/* Copies @pl's bytes back to @dst; false (nothing copied) if unreadable. */
bool arena_get(const struct fuzz_place *pl, void *dst);

const char *ptr_name(enum fuzz_ptr kind);

#endif /* BLKSNAP_FUZZ_MEM_H */
