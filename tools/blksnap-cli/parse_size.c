// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "parse_size.h"

static const struct {
	const char *name;
	unsigned int shift;
} suffixes[] = {
	{ "", 0 },
	{ "K", 10 }, { "KiB", 10 },
	{ "M", 20 }, { "MiB", 20 },
	{ "G", 30 }, { "GiB", 30 },
	{ "T", 40 }, { "TiB", 40 },
};

/* Parse [s, end) so that extents need not copy their halves. */
static enum parse_err parse_size_n(const char *s, const char *end,
				   uint64_t *bytes)
{
	uint64_t n = 0;
	const char *p = s;
	size_t i, len;

	/* Digits only: strtoull would accept signs, spaces and hex. */
	for (; p < end && *p >= '0' && *p <= '9'; p++) {
		unsigned int d = *p - '0';

		if (n > (UINT64_MAX - d) / 10)
			return PARSE_TOO_LARGE;
		n = n * 10 + d;
	}
	if (p == s)
		return PARSE_SYNTAX;

	len = end - p;
	for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		unsigned int shift = suffixes[i].shift;

		if (strlen(suffixes[i].name) != len ||
		    strncasecmp(p, suffixes[i].name, len))
			continue;
		if (shift && n > UINT64_MAX >> shift)
			return PARSE_TOO_LARGE;
		*bytes = n << shift;
		return PARSE_OK;
	}
	return PARSE_SYNTAX;
}

enum parse_err parse_size(const char *s, uint64_t *bytes)
{
	return parse_size_n(s, s + strlen(s), bytes);
}

enum parse_err parse_extent(const char *s, struct blksnap_sectors *out)
{
	const char *colon = strchr(s, ':');
	uint64_t offset, length;
	enum parse_err err;

	if (!colon)
		return PARSE_NOT_EXTENT;
	err = parse_size_n(s, colon, &offset);
	if (err)
		return err;
	err = parse_size(colon + 1, &length);
	if (err)
		return err;
	if (!length)
		return PARSE_EMPTY;
	if (offset % SECTOR_SIZE || length % SECTOR_SIZE)
		return PARSE_UNALIGNED;
	if (length > UINT64_MAX - offset)
		return PARSE_TOO_LARGE;

	out->offset = offset / SECTOR_SIZE;
	out->count = length / SECTOR_SIZE;
	return PARSE_OK;
}

const char *parse_strerror(enum parse_err err)
{
	switch (err) {
	case PARSE_OK:
		return "no error";
	case PARSE_SYNTAX:
		return "not a size (bytes, or a number with K, M, G or T)";
	case PARSE_NOT_EXTENT:
		return "not OFFSET:LENGTH";
	case PARSE_TOO_LARGE:
		return "too large";
	case PARSE_UNALIGNED:
		return "not a multiple of 512 bytes";
	case PARSE_EMPTY:
		return "zero length";
	}
	return "invalid";
}
