// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdio.h>
#include <time.h>
#include <unistd.h>
#include "parse_size.h"
#include "progress.h"

#define REDRAW_SECONDS	0.25

double progress_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

void progress_start(struct progress *p, const char *label, uint64_t total)
{
	p->on = isatty(STDERR_FILENO);
	p->label = label;
	p->total = total;
	p->start = p->last = progress_now();
	p->drawn = false;
}

void progress_update(void *arg, uint64_t done)
{
	struct progress *p = arg;
	char done_s[32], total_s[32], rate_s[32];
	double now, rate;
	unsigned long eta;

	if (!p->on)
		return;
	now = progress_now();
	if (now - p->last < REDRAW_SECONDS && done < p->total)
		return;
	p->last = now;
	rate = now > p->start ? done / (now - p->start) : 0;
	eta = rate > 0 ? (unsigned long)((p->total - done) / rate) : 0;
	size_format(done, done_s, sizeof(done_s));
	size_format(p->total, total_s, sizeof(total_s));
	size_format((uint64_t)rate, rate_s, sizeof(rate_s));
	fprintf(stderr, "\r\033[K%s: %s of %s (%u%%) %s/s ETA %lu:%02lu",
		p->label, done_s, total_s,
		p->total ? (unsigned int)(done * 100 / p->total) : 100,
		rate_s, eta / 60, eta % 60);
	fflush(stderr);
	p->drawn = true;
}

void progress_end(struct progress *p)
{
	if (p->drawn)
		fputs("\r\033[K", stderr);
	p->drawn = false;
}
