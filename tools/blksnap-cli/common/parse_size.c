// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdio.h>
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

enum parse_err parse_percent(const char *s, unsigned int *percent)
{
	size_t len = strlen(s);
	uint64_t n;
	enum parse_err err;

	if (!len || s[len - 1] != '%')
		return PARSE_SYNTAX;
	/* Digits only: parse_size_n would take a unit suffix. */
	if (len == 1 || strspn(s, "0123456789") != len - 1)
		return PARSE_SYNTAX;
	err = parse_size_n(s, s + len - 1, &n);
	if (err)
		return err;
	if (!n)
		return PARSE_EMPTY;
	if (n > 100)
		return PARSE_TOO_LARGE;
	*percent = n;
	return PARSE_OK;
}

void size_format(uint64_t bytes, char *buf, size_t size)
{
	static const char units[] = "KMGTPE";
	unsigned int i = 0;
	uint64_t whole, tenths;

	if (bytes < 1024) {
		snprintf(buf, size, "%llu", (unsigned long long)bytes);
		return;
	}
	while (i + 1 < sizeof(units) - 1 && bytes >> (10 * (i + 2)))
		i++;
	whole = bytes >> (10 * (i + 1));
	tenths = ((bytes - (whole << (10 * (i + 1)))) * 10) >> (10 * (i + 1));
	if (whole < 10 && tenths)
		snprintf(buf, size, "%llu.%llu%c", (unsigned long long)whole,
			 (unsigned long long)tenths, units[i]);
	else
		snprintf(buf, size, "%llu%c", (unsigned long long)whole,
			 units[i]);
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
