// SPDX-License-Identifier: GPL-2.0-or-later
#include <stddef.h>
#include "cli.h"
#include "signals.h"

static const int held_signals[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM };

static void held_set(sigset_t *set)
{
	size_t i;

	sigemptyset(set);
	for (i = 0; i < ARRAY_SIZE(held_signals); i++)
		sigaddset(set, held_signals[i]);
}

void signals_hold(sigset_t *saved)
{
	sigset_t held;

	held_set(&held);
	sigprocmask(SIG_BLOCK, &held, saved);
}

bool signals_pending(void)
{
	sigset_t pending;
	size_t i;

	if (sigpending(&pending))
		return false;
	for (i = 0; i < ARRAY_SIZE(held_signals); i++)
		if (sigismember(&pending, held_signals[i]))
			return true;
	return false;
}

void signals_release(const sigset_t *saved)
{
	sigprocmask(SIG_SETMASK, saved, NULL);
}
