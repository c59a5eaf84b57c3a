// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <string.h>
#include <uuid/uuid.h>
#include "generation.h"

/* The UAPI bytes are in RFC 4122 order, which is libuuid's uuid_t layout. */
_Static_assert(sizeof(uuid_t) == sizeof(struct blksnap_uuid),
	       "uuid_t and struct blksnap_uuid differ");

void generation_format(const struct blksnap_uuid *id,
		       char out[GENERATION_STR_LEN])
{
	uuid_unparse_lower(id->b, out);
}

int generation_parse(const char *s, struct blksnap_uuid *id)
{
	if (strlen(s) != GENERATION_STR_LEN - 1)
		return -EINVAL;
	return uuid_parse(s, id->b) ? -EINVAL : 0;
}

bool generation_equal(const struct blksnap_uuid *a,
		      const struct blksnap_uuid *b)
{
	return memcmp(a->b, b->b, sizeof(a->b)) == 0;
}
