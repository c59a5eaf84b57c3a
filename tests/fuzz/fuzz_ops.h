/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The fuzzer's operations: one per ioctl of the control node, one per
 * filter CTL command, unknown commands and malformed request numbers,
 * and the changes of the machine it makes (a write to a device whose data
 * is no one's, a loop device made or removed).  Each builds random and edge arguments for its request (see
 * fuzz_mem.h for the pointers, fuzz_world.h for what it names), makes the
 * call and counts its answer.
 */
#ifndef BLKSNAP_FUZZ_OPS_H
#define BLKSNAP_FUZZ_OPS_H

#include <stdbool.h>
#include "fuzz_mem.h"
#include "fuzz_rand.h"
#include "fuzz_stats.h"
#include "fuzz_world.h"

/* What one thread works with. */
struct fuzz_ctx {
	struct fuzz_rng rng;
	struct fuzz_arena arena;
	struct fuzz_world *world;
	int ctl_fd;
	unsigned int thread;
	/* Counts per operation (fuzz_nr_ops of them). */
	struct fuzz_counts *counts;
	/*
	 * Room to build arrays (ranges) before they are placed, and data to
	 * write; page-aligned, for direct I/O.
	 */
	unsigned char *scratch;
	/* --trace: each call printed before it is made. */
	bool trace;
	char desc[512];
};

/* Operation mixes: every request evenly, or the racing lifecycle. */
enum fuzz_mix {
	MIX_BROAD,
	MIX_RACE,
	MIX_COUNT,
};

struct fuzz_op {
	const char *name;
	/* A request to the control node (counted as one call). */
	bool ioctl;
	unsigned int weight[MIX_COUNT];
	void (*run)(struct fuzz_ctx *c, unsigned int op);
};

extern const struct fuzz_op fuzz_ops[];
extern const unsigned int fuzz_nr_ops;

/* Room fuzz_ctx.scratch must have. */
#define FUZZ_SCRATCH_BYTES	(128 << 10)

/* Picks an operation of @mix and runs it; returns its index. */
unsigned int fuzz_one(struct fuzz_ctx *c, enum fuzz_mix mix);

#endif /* BLKSNAP_FUZZ_OPS_H */
