// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>
#include "bdev_open.h"

/* udev's probe of a disk takes milliseconds: look again this often. */
#define BUSY_POLL_MS	50

static int try_open(const char *path, int flags, int lock)
{
	int fd = open(path, flags);
	int err;

	if (fd < 0)
		return -errno;
	if (!lock)
		return fd;
	while (flock(fd, lock | LOCK_NB)) {
		if (errno == EINTR)
			continue;
		err = errno == EWOULDBLOCK ? -EBUSY : -errno;
		close(fd);
		return err;
	}
	return fd;
}

int bdev_open_waiting(const char *path, int flags, int lock,
		      unsigned int wait_ms)
{
	const struct timespec poll = { 0, BUSY_POLL_MS * 1000000L };
	unsigned int waited = 0;
	int fd;

	for (;;) {
		fd = try_open(path, flags, lock);
		if (fd != -EBUSY || waited >= wait_ms)
			return fd;
		nanosleep(&poll, NULL);
		waited += BUSY_POLL_MS;
	}
}
