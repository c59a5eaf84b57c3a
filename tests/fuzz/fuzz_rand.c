// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xoshiro256** (Blackman and Vigna), seeded through splitmix64: small,
 * fast, and the same sequence on every machine for one seed.
 */
#include <string.h>
#include "fuzz_rand.h"

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

void rng_seed(struct fuzz_rng *r, uint64_t seed, uint64_t stream)
{
	uint64_t x = seed ^ (stream * 0xd1342543de82ef95ULL);
	int i;

	for (i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

uint64_t rng_next(struct fuzz_rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

uint64_t rng_below(struct fuzz_rng *r, uint64_t n)
{
	/* Lemire's multiply-shift would need 128-bit math; the bias is moot. */
	return n ? rng_next(r) % n : 0;
}

uint64_t rng_range(struct fuzz_rng *r, uint64_t lo, uint64_t hi)
{
	if (hi <= lo)
		return lo;
	if (lo == 0 && hi == UINT64_MAX)
		return rng_next(r);
	return lo + rng_below(r, hi - lo + 1);
}

bool rng_chance(struct fuzz_rng *r, unsigned int percent)
{
	return rng_below(r, 100) < percent;
}

/* An edge value of an unsigned field @bits wide (1 to 64). */
static uint64_t rng_edge(struct fuzz_rng *r, unsigned int bits)
{
	uint64_t max = bits == 64 ? UINT64_MAX : (1ULL << bits) - 1;
	unsigned int k = (unsigned int)rng_below(r, bits);

	switch (rng_below(r, 7)) {
	case 0:
		return 0;
	case 1:
		return 1;
	case 2:
		return max;
	case 3:
		return 1ULL << k;
	case 4:
		return (1ULL << k) - 1;
	case 5:
		return ((1ULL << k) + 1) & max;
	default:
		return rng_next(r) & max;
	}
}

uint64_t rng_edge64(struct fuzz_rng *r)
{
	return rng_edge(r, 64);
}

uint32_t rng_edge32(struct fuzz_rng *r)
{
	return (uint32_t)rng_edge(r, 32);
}

unsigned int rng_weighted(struct fuzz_rng *r, const unsigned int *weights,
			  unsigned int n)
{
	uint64_t total = 0, pick;
	unsigned int i;

	for (i = 0; i < n; i++)
		total += weights[i];
	pick = rng_below(r, total);
	for (i = 0; i < n; i++) {
		if (pick < weights[i])
			return i;
		pick -= weights[i];
	}
	return n - 1;
}

void rng_fill(struct fuzz_rng *r, void *buf, size_t len)
{
	unsigned char *p = buf;
	uint64_t v;

	while (len >= sizeof(v)) {
		v = rng_next(r);
		memcpy(p, &v, sizeof(v));
		p += sizeof(v);
		len -= sizeof(v);
	}
	if (len) {
		v = rng_next(r);
		memcpy(p, &v, len);
	}
}
