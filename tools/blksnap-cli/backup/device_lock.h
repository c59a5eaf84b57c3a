/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One backup of a device at a time, whatever its DEST: a lock file per
 * device, flock()ed by the run that backs it up and holding that run's
 * pid and DEST, so that another run can say who has it.  Without it the
 * second run's snapshot fails with EBUSY, which reads as a snapshot left
 * to destroy.  The files live in DEVICE_LOCK_DIR, a tmpfs: a reboot ends
 * every run, and their locks with them.
 */
#ifndef BLKSNAP_CLI_DEVICE_LOCK_H
#define BLKSNAP_CLI_DEVICE_LOCK_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

#define DEVICE_LOCK_DIR	"/run/blksnap"

/* The run holding a device's lock, as its lock file says. */
struct device_lock_holder {
	long pid;		/* 0 if unknown */
	char dest[PATH_MAX];	/* "" if unknown */
};

/*
 * Lock device @dev in @dir (made 0700 if missing) for a run to @dest.
 * With @wait, wait for the run that holds it; without, -EBUSY with
 * @holder filled.  0 with *@fd to close when the run ends; another
 * -errno if the lock file cannot be made (the caller goes on unlocked).
 */
int device_lock(const char *dir, dev_t dev, bool wait, const char *dest,
		int *fd, struct device_lock_holder *holder);

#endif /* BLKSNAP_CLI_DEVICE_LOCK_H */
