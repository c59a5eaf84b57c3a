// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Change-block tracking commands of the blksnap filter.
 */
#include <errno.h>
#include <stdint.h>
#include "blksnap-private.h"

/*
 * Bounds each CBTMAP request, so that the module never has to pin or copy
 * more than this much user memory at once, however large the device.
 */
#define CBT_MAP_WINDOW	(1024 * 1024)

int blksnap_cbt_info(struct blksnap_ctx *ctx, dev_t dev,
		     struct blksnap_cbtinfo *out)
{
	if (!out)
		return -EINVAL;
	return blksnap__filter_ctl(ctx, dev, BLKFILTER_CTL_BLKSNAP_CBTINFO,
				   out, sizeof(*out));
}

int blksnap_cbt_read_map(struct blksnap_ctx *ctx, dev_t dev,
			 uint8_t *buf, size_t len)
{
	size_t done = 0;
	int ret;

	if (!buf && len)
		return -EINVAL;
	if (len > UINT32_MAX)
		return -EINVAL;

	while (done < len) {
		struct blksnap_cbtmap map = {
			.offset = done,
			.length = len - done < CBT_MAP_WINDOW ?
				  len - done : CBT_MAP_WINDOW,
			.buffer = (uintptr_t)(buf + done),
		};

		ret = blksnap__filter_ctl(ctx, dev, BLKFILTER_CTL_BLKSNAP_CBTMAP,
					  &map, sizeof(map));
		if (ret)
			return ret;
		done += map.length;
	}
	return 0;
}

int blksnap_cbt_mark_dirty(struct blksnap_ctx *ctx, dev_t dev,
			   const struct blksnap_sectors *ranges, size_t count)
{
	struct blksnap_cbtdirty dirty = {
		.count = count,
		.dirty_sectors = (uintptr_t)ranges,
	};

	if (!count)
		return ctx ? 0 : -EINVAL;
	if (!ranges || count > UINT32_MAX)
		return -EINVAL;
	return blksnap__filter_ctl(ctx, dev, BLKFILTER_CTL_BLKSNAP_CBTDIRTY,
				   &dirty, sizeof(dirty));
}

int blksnap_cbt_switch(struct blksnap_ctx *ctx, dev_t dev)
{
	return blksnap__filter_ctl(ctx, dev, BLKFILTER_CTL_BLKSNAP_CBTSWITCH,
				   NULL, 0);
}
