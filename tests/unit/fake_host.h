/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A struct host (tools/blksnap-cli/target/host.h) for unit tests: the mount table
 * and sysfs are files the test names, the rest answers from tables.
 */
#ifndef BLKSNAP_TEST_FAKE_HOST_H
#define BLKSNAP_TEST_FAKE_HOST_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "target/host.h"

/*
 * A file: stat() gives @mode and st_rdev @major:@minor; realpath() gives
 * @real or @path.
 */
struct fake_node {
	const char *path;
	mode_t mode;		/* S_IFDIR, S_IFREG, S_IFBLK, S_IFCHR */
	unsigned int major, minor;
	const char *real;
};

/* A tag blkid knows: @token=@value is @path, holding @type (or NULL). */
struct fake_tag {
	const char *token;
	const char *value;
	const char *path;
	const char *type;
};

/* statvfs() and access(W_OK) of a directory. */
struct fake_space {
	const char *path;
	uint64_t free_bytes;
	bool writable;
};

/* Each table ends with an entry whose first member is NULL. */
struct fake_host_tables {
	const struct fake_node *nodes;
	const struct fake_tag *tags;
	const struct fake_space *spaces;
};

/* @h answers from @t (kept, not copied) and the files given. */
void fake_host_init(struct host *h, const char *mountinfo, const char *sysfs,
		    const struct fake_host_tables *t);

#endif
