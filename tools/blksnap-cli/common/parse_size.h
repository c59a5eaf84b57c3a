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

#include <stddef.h>
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

/*
 * "N%", a percentage from 1 to 100 in whole numbers, into *@percent;
 * PARSE_SYNTAX if @s has no '%', PARSE_TOO_LARGE above 100, PARSE_EMPTY
 * for 0.
 */
enum parse_err parse_percent(const char *s, unsigned int *percent);

/*
 * @bytes for people: "0", "512", "1.5K", "12G", one decimal below 10 of a
 * unit (K, M, G, T, P, binary), rounded down.
 */
void size_format(uint64_t bytes, char *buf, size_t size);

/* What is wrong, e.g. "not a multiple of 512 bytes". */
const char *parse_strerror(enum parse_err err);

#endif /* BLKSNAP_CLI_PARSE_SIZE_H */
