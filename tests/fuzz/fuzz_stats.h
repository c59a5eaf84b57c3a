/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the calls answered: per operation, how many ended with each errno
 * (0 for success), and how many succeeded although their arguments could
 * not be valid.  Each thread counts into its own table; the tables are
 * summed and printed at the end, one line per operation.
 */
#ifndef BLKSNAP_FUZZ_STATS_H
#define BLKSNAP_FUZZ_STATS_H

#include <stdint.h>
#include <stdio.h>

/* errno 0..254 counted each; 255 holds any larger one. */
#define STATS_ERRNOS	256

struct fuzz_counts {
	uint64_t by_errno[STATS_ERRNOS];
	/* Succeeded with an argument that must have failed. */
	uint64_t unexpected_ok;
};

void counts_add(struct fuzz_counts *c, int err);
/* Adds @nr tables of @from into @to. */
void counts_sum(struct fuzz_counts *to, const struct fuzz_counts *from,
		unsigned int nr);
uint64_t counts_calls(const struct fuzz_counts *c);
/* "NAME: N calls: OK 12, EINVAL 30, ..." */
void counts_print(FILE *f, const char *name, const struct fuzz_counts *c);

#endif /* BLKSNAP_FUZZ_STATS_H */
