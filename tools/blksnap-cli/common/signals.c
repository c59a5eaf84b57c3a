// SPDX-License-Identifier: GPL-2.0-or-later
#include <stddef.h>
#include "cli.h"
#include "signals.h"

static const int held_signals[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM };
static volatile sig_atomic_t noted;

_Static_assert(ARRAY_SIZE(held_signals) ==
	       ARRAY_SIZE(((struct signals_saved *)0)->act),
	       "one saved action per held signal");

static void note(int sig)
{
	noted = sig;
}

void signals_hold(struct signals_saved *saved)
{
	struct sigaction sa = { .sa_handler = note };
	size_t i;

	sigemptyset(&sa.sa_mask);
	for (i = 0; i < ARRAY_SIZE(held_signals); i++) {
		sigaction(held_signals[i], NULL, &saved->act[i]);
		/* A signal ignored by whoever started us (nohup, &) stays so. */
		if (saved->act[i].sa_handler != SIG_IGN)
			sigaction(held_signals[i], &sa, NULL);
	}
}

bool signals_pending(void)
{
	return noted != 0;
}

void signals_release(const struct signals_saved *saved)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(held_signals); i++)
		sigaction(held_signals[i], &saved->act[i], NULL);
	if (noted)
		raise(noted);
}
