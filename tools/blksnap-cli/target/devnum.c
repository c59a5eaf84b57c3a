// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdlib.h>
#include <sys/sysmacros.h>
#include "devnum.h"

/* Linux device numbers: 12-bit major, 20-bit minor. */
#define MAJOR_MAX	0xfffUL
#define MINOR_MAX	0xfffffUL

static int parse_part(const char *s, char stop, unsigned long max,
		      unsigned long *val, const char **end)
{
	char *e;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*val = strtoul(s, &e, 10);
	if (errno || *e != stop || *val > max)
		return -EINVAL;
	*end = e;
	return 0;
}

int devnum_parse(const char *arg, dev_t *dev)
{
	unsigned long major, minor;
	const char *end;

	if (parse_part(arg, ':', MAJOR_MAX, &major, &end) ||
	    parse_part(end + 1, '\0', MINOR_MAX, &minor, &end))
		return -EINVAL;
	*dev = makedev(major, minor);
	return 0;
}
