// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The snapshot lifecycle: create, add devices, take, wait for events,
 * destroy.  Create, take, collect, wait and destroy go to the control node;
 * adding a device and asking for its image are commands of the device's
 * filter.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "blksnap-private.h"

#define SECTOR_SIZE	512

/*
 * Snapshots created between two COLLECT requests make the second one fail
 * with -ENODATA; give up after this many rounds rather than loop forever.
 */
#define COLLECT_TRIES	8

int blksnap_snapshot_create(struct blksnap_ctx *ctx, const char *storage_path,
			    enum blksnap_storage_kind kind, uint64_t limit_bytes,
			    struct blksnap_uuid *id)
{
	struct blksnap_snapshot_create arg = { 0 };
	int ret;

	if (!ctx || !storage_path || !id)
		return -EINVAL;
	if ((unsigned int)kind > BLKSNAP_STORAGE_BDEV)
		return -EINVAL;
	if (!limit_bytes || limit_bytes % SECTOR_SIZE)
		return -EINVAL;

	arg.diff_storage_limit_sect = limit_bytes / SECTOR_SIZE;
	arg.diff_storage_path = (uintptr_t)storage_path;
	arg.storage_kind = kind;
	ret = blksnap__ioctl(ctx, IOCTL_BLKSNAP_SNAPSHOT_CREATE, &arg);
	if (ret < 0)
		return ret;
	*id = arg.id;
	return 0;
}

int blksnap_snapshot_add(struct blksnap_ctx *ctx, const struct blksnap_uuid *id,
			 dev_t dev)
{
	struct blksnap_snapshotadd add = { 0 };
	bool attached;
	int ret;

	if (!ctx || !id)
		return -EINVAL;
	ret = blksnap_attach(ctx, dev);
	if (ret && ret != -EALREADY)
		return ret;
	attached = !ret;

	add.id = *id;
	ret = blksnap__filter_ctl(ctx, dev, BLKFILTER_CTL_BLKSNAP_SNAPSHOTADD,
				  &add, sizeof(add));
	/* Leave the device as it was: without a filter if it had none. */
	if (ret && attached)
		blksnap_detach(ctx, dev);
	return ret;
}

int blksnap_snapshot_free_space(struct blksnap_ctx *ctx, dev_t dev,
				const struct blksnap_sectors *ranges,
				size_t count)
{
	struct blksnap_snapshotfree arg = {
		.count = count,
		.free_sectors = (uintptr_t)ranges,
	};

	if (!ctx || (count && !ranges) ||
	    count > BLKSNAP_SNAPSHOT_FREE_RANGES_MAX)
		return -EINVAL;
	return blksnap__filter_ctl(ctx, dev, BLKFILTER_CTL_BLKSNAP_SNAPSHOTFREE,
				   &arg, sizeof(arg));
}

/* TAKE and DESTROY: the id alone. */
static int snapshot_request(struct blksnap_ctx *ctx, unsigned long req,
			    const struct blksnap_uuid *id)
{
	struct blksnap_uuid arg;
	int ret;

	if (!ctx || !id)
		return -EINVAL;
	arg = *id;
	ret = blksnap__ioctl(ctx, req, &arg);
	return ret < 0 ? ret : 0;
}

int blksnap_snapshot_take(struct blksnap_ctx *ctx, const struct blksnap_uuid *id)
{
	return snapshot_request(ctx, IOCTL_BLKSNAP_SNAPSHOT_TAKE, id);
}

int blksnap_snapshot_destroy(struct blksnap_ctx *ctx,
			     const struct blksnap_uuid *id)
{
	return snapshot_request(ctx, IOCTL_BLKSNAP_SNAPSHOT_DESTROY, id);
}

int blksnap_snapshot_collect(struct blksnap_ctx *ctx, struct blksnap_uuid **ids,
			     size_t *count)
{
	struct blksnap_snapshot_collect arg = { 0 };
	struct blksnap_uuid *buf = NULL, *tmp;
	unsigned int tries;
	__u32 room;
	int ret;

	if (!ctx || !ids || !count)
		return -EINVAL;
	*ids = NULL;
	*count = 0;

	/* With ids zero the module only counts. */
	ret = blksnap__ioctl(ctx, IOCTL_BLKSNAP_SNAPSHOT_COLLECT, &arg);
	if (ret < 0 && ret != -ENODATA)
		return ret;

	for (tries = 0; arg.count; tries++) {
		if (tries == COLLECT_TRIES) {
			ret = -EAGAIN;
			goto err_free;
		}
		room = arg.count;
		tmp = realloc(buf, room * sizeof(*buf));
		if (!tmp) {
			ret = -ENOMEM;
			goto err_free;
		}
		buf = tmp;
		arg = (struct blksnap_snapshot_collect){
			.count = room,
			.ids = (uintptr_t)buf,
		};
		ret = blksnap__ioctl(ctx, IOCTL_BLKSNAP_SNAPSHOT_COLLECT, &arg);
		if (ret == -ENODATA)
			continue;	/* more than @room now; arg.count says how many */
		if (ret < 0)
			goto err_free;
		if (!arg.count)
			break;
		*ids = buf;
		*count = arg.count < room ? arg.count : room;
		return 0;
	}
	free(buf);
	return 0;

err_free:
	free(buf);
	return ret;
}

int blksnap_snapshot_info(struct blksnap_ctx *ctx, dev_t dev,
			  struct blksnap_snapshotinfo *out)
{
	int ret;

	if (!out)
		return -EINVAL;
	ret = blksnap__filter_ctl(ctx, dev, BLKFILTER_CTL_BLKSNAP_SNAPSHOTINFO,
				  out, sizeof(*out));
	if (!ret)
		out->image[sizeof(out->image) - 1] = '\0';
	return ret;
}

int blksnap_snapshot_wait_event(struct blksnap_ctx *ctx,
				const struct blksnap_uuid *id,
				uint32_t timeout_ms,
				struct blksnap_snapshot_event *ev)
{
	int ret;

	if (!ctx || !id || !ev)
		return -EINVAL;
	memset(ev, 0, sizeof(*ev));
	ev->id = *id;
	ev->timeout_ms = timeout_ms;
	ret = blksnap__ioctl(ctx, IOCTL_BLKSNAP_SNAPSHOT_WAIT_EVENT, ev);
	return ret < 0 ? ret : 0;
}
