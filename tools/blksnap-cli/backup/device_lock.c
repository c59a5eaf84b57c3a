// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "device_lock.h"

/* "PID DEST" of the run holding @fd's lock; best effort. */
static void read_holder(int fd, struct device_lock_holder *h)
{
	char buf[PATH_MAX + 32], *end;
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	memset(h, 0, sizeof(*h));
	if (n <= 0)
		return;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	h->pid = strtol(buf, &end, 10);
	if (end == buf || *end != ' ') {
		h->pid = 0;
		return;
	}
	snprintf(h->dest, sizeof(h->dest), "%s", end + 1);
}

int device_lock(const char *dir, dev_t dev, bool wait, const char *dest,
		int *fd, struct device_lock_holder *holder)
{
	char path[PATH_MAX], line[PATH_MAX + 32];
	int len, err;

	*fd = -1;
	if (mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	if ((size_t)snprintf(path, sizeof(path), "%s/backup-%u:%u.lock", dir,
			     major(dev), minor(dev)) >= sizeof(path))
		return -ENAMETOOLONG;
	*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (*fd < 0)
		return -errno;
	while (flock(*fd, LOCK_EX | (wait ? 0 : LOCK_NB))) {
		if (errno == EINTR)
			continue;
		err = errno == EWOULDBLOCK ? -EBUSY : -errno;
		if (err == -EBUSY)
			read_holder(*fd, holder);
		close(*fd);
		*fd = -1;
		return err;
	}
	len = snprintf(line, sizeof(line), "%ld %s\n", (long)getpid(), dest);
	if (ftruncate(*fd, 0) || pwrite(*fd, line, len, 0) != len) {
		err = -errno;
		close(*fd);
		*fd = -1;
		return err;
	}
	return 0;
}
