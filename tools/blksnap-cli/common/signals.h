/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Termination signals (SIGHUP, SIGINT, SIGQUIT, SIGTERM) noted, not
 * obeyed, while a command has something to undo, so that a snapshot is
 * never left half-made or a backup half-recorded.  The command polls for
 * them at safe points, undoes its work, and the signal takes effect when
 * it releases them.
 *
 * They are caught rather than blocked, and without SA_RESTART, so that a
 * system call that may wait for a long time (a take waiting for writes
 * issued before it, a sleep of --bwlimit) returns EINTR at once.
 */
#ifndef BLKSNAP_CLI_SIGNALS_H
#define BLKSNAP_CLI_SIGNALS_H

#include <signal.h>
#include <stdbool.h>

struct signals_saved {
	struct sigaction act[4];
};

/* Catch the termination signals; @saved receives the old handlers. */
void signals_hold(struct signals_saved *saved);

/* True once a held termination signal came. */
bool signals_pending(void);

/* Restore @saved; a signal that came meanwhile is raised again now. */
void signals_release(const struct signals_saved *saved);

#endif /* BLKSNAP_CLI_SIGNALS_H */
