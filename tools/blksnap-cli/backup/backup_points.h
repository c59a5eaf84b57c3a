/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What 'backup list' and 'backup restore' share around the restore point
 * engine (restore_point.h): the repair an interrupted run needs, said in
 * one line, and the messages for its errors.
 */
#ifndef BLKSNAP_CLI_BACKUP_POINTS_H
#define BLKSNAP_CLI_BACKUP_POINTS_H

#include <stdbool.h>

/*
 * Finish what an interrupted run left on @dest's medium and say so on
 * stderr.  With @read_only_ok (the readers: they undo such a run in what
 * they read), a medium that cannot be written (mounted read-only, not
 * ours) is left as it is, and another failure is a warning line.
 * Returns an exit code.
 */
int backup_points_recover(const char *dest, bool read_only_ok);

/*
 * "blksnap: @dest: cannot @what: <why>; <what to do>" for -errno
 * @err of the engine, @why its reason ("" if none); returns an exit code.
 */
int backup_points_fail(const char *dest, const char *what, int err,
		       const char *why);

#endif /* BLKSNAP_CLI_BACKUP_POINTS_H */
