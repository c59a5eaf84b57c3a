/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The fuzzer's random numbers: one xoshiro256** stream per thread, all
 * derived from --seed, so that a run is repeated by its seed (exactly with
 * one thread; with several, each thread repeats its own choices and only
 * their interleaving differs).  Besides plain numbers it hands out the
 * values that find bugs at edges: 0, 1, powers of two and their
 * neighbours, all ones.  Used by one thread at a time per stream.
 */
#ifndef BLKSNAP_FUZZ_RAND_H
#define BLKSNAP_FUZZ_RAND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fuzz_rng {
	uint64_t s[4];
};

/* Stream @stream (a thread number) of run @seed. */
void rng_seed(struct fuzz_rng *r, uint64_t seed, uint64_t stream);
uint64_t rng_next(struct fuzz_rng *r);
/* Uniform in [0, @n); @n > 0. */
uint64_t rng_below(struct fuzz_rng *r, uint64_t n);
/* Uniform in [@lo, @hi]. */
uint64_t rng_range(struct fuzz_rng *r, uint64_t lo, uint64_t hi);
/* True with probability @percent / 100. */
bool rng_chance(struct fuzz_rng *r, unsigned int percent);
/* An edge value of 64 (or 32) bits: 0, 1, 2^k and 2^k +- 1, all ones. */
uint64_t rng_edge64(struct fuzz_rng *r);
uint32_t rng_edge32(struct fuzz_rng *r);
/* An index into @weights (@n of them, not all zero), by weight. */
unsigned int rng_weighted(struct fuzz_rng *r, const unsigned int *weights,
			  unsigned int n);
void rng_fill(struct fuzz_rng *r, void *buf, size_t len);

#endif /* BLKSNAP_FUZZ_RAND_H */
