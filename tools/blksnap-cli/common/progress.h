/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The progress line of a long copy, for a person at a terminal: bytes
 * done of total, rate and time left, redrawn in place a few times a
 * second on stderr.  Silent when stderr is not a terminal, so that cron
 * mail holds only the summary.
 */
#ifndef BLKSNAP_CLI_PROGRESS_H
#define BLKSNAP_CLI_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

struct progress {
	bool on;		/* stderr is a terminal */
	const char *label;
	uint64_t total;
	double start;		/* seconds, monotonic */
	double last;		/* last redraw */
	bool drawn;
};

/* Monotonic seconds. */
double progress_now(void);

void progress_start(struct progress *p, const char *label, uint64_t total);

/* A copy callback: redraw if a quarter second has passed. */
void progress_update(void *p, uint64_t done);

/* Clear the line, if one was drawn. */
void progress_end(struct progress *p);

#endif /* BLKSNAP_CLI_PROGRESS_H */
