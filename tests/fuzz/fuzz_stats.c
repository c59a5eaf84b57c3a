// SPDX-License-Identifier: GPL-2.0-or-later
#include <string.h>
#include "fuzz_stats.h"

void counts_add(struct fuzz_counts *c, int err)
{
	if (err < 0 || err >= STATS_ERRNOS)
		err = STATS_ERRNOS - 1;
	c->by_errno[err]++;
}

void counts_sum(struct fuzz_counts *to, const struct fuzz_counts *from,
		unsigned int nr)
{
	unsigned int i, e;

	for (i = 0; i < nr; i++) {
		for (e = 0; e < STATS_ERRNOS; e++)
			to[i].by_errno[e] += from[i].by_errno[e];
		to[i].unexpected_ok += from[i].unexpected_ok;
	}
}

uint64_t counts_calls(const struct fuzz_counts *c)
{
	uint64_t n = 0;
	unsigned int e;

	for (e = 0; e < STATS_ERRNOS; e++)
		n += c->by_errno[e];
	return n;
}

void counts_print(FILE *f, const char *name, const struct fuzz_counts *c)
{
	const char *sep = "";
	const char *en;
	unsigned int e;

	fprintf(f, "%s: %llu calls:", name, (unsigned long long)counts_calls(c));
	for (e = 0; e < STATS_ERRNOS; e++) {
		if (!c->by_errno[e])
			continue;
		en = e == 0 ? "OK" : e == STATS_ERRNOS - 1 ? "other" : strerrorname_np((int)e);
		if (en)
			fprintf(f, "%s %s %llu", sep, en, (unsigned long long)c->by_errno[e]);
		else
			fprintf(f, "%s errno%u %llu", sep, e, (unsigned long long)c->by_errno[e]);
		sep = ",";
	}
	if (c->unexpected_ok)
		fprintf(f, "; UNEXPECTED SUCCESS %llu", (unsigned long long)c->unexpected_ok);
	fputc('\n', f);
}
