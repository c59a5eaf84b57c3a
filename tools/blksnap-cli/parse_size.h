/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Sizes and OFFSET:LENGTH extents given on the command line.  Pure logic,
 * no I/O.
 *
 * A size is decimal bytes with an optional binary suffix: K, M, G, T (also
 * written KiB, MiB, GiB, TiB) multiply by 2^10, 2^20, 2^30, 2^40.
 */
#ifndef BLKSNAP_CLI_PARSE_SIZE_H
#define BLKSNAP_CLI_PARSE_SIZE_H

#include <stdint.h>
#include <linux/blksnap.h>

#define SECTOR_SIZE	512

enum parse_err {
	PARSE_OK,
	PARSE_SYNTAX,		/* not a size */
	PARSE_NOT_EXTENT,	/* no ':' between offset and length */
	PARSE_TOO_LARGE,	/* does not fit 64 bits */
	PARSE_UNALIGNED,	/* not a multiple of SECTOR_SIZE */
	PARSE_EMPTY,		/* zero length */
};

enum parse_err parse_size(const char *s, uint64_t *bytes);

/*
 * "OFFSET:LENGTH" in bytes, both multiples of 512, LENGTH not zero, into
 * a range of sectors.
 */
enum parse_err parse_extent(const char *s, struct blksnap_sectors *out);

/* What is wrong, e.g. "not a multiple of 512 bytes". */
const char *parse_strerror(enum parse_err err);

#endif /* BLKSNAP_CLI_PARSE_SIZE_H */
