/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Termination signals (SIGHUP, SIGINT, SIGQUIT, SIGTERM) held back while
 * a command has something to undo, so that a snapshot is never left
 * half-made or a backup half-recorded.  The command polls for them at
 * safe points, undoes its work and then lets the signal take effect.
 */
#ifndef BLKSNAP_CLI_SIGNALS_H
#define BLKSNAP_CLI_SIGNALS_H

#include <signal.h>
#include <stdbool.h>

/* Block the termination signals; @saved receives the old mask. */
void signals_hold(sigset_t *saved);

/* True if a held termination signal is waiting. */
bool signals_pending(void);

/* Restore @saved: a waiting signal takes effect now. */
void signals_release(const sigset_t *saved);

#endif /* BLKSNAP_CLI_SIGNALS_H */
