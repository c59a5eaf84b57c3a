// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Replaces lib/ioctl.c in the test binary; see ioctl_stub.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "blksnap-private.h"
#include "ioctl_stub.h"

struct ioctl_stub stub;

void ioctl_stub_reset(void)
{
	memset(&stub, 0, sizeof(stub));
}

static void record_ctl(struct stub_call *call, struct blksnap_filter_ctl *ctl,
		       int result)
{
	void *opt = (void *)(uintptr_t)ctl->opt;

	call->ctl = *ctl;
	switch (ctl->cmd) {
	case BLKFILTER_CTL_BLKSNAP_CBTINFO:
		if (!result)
			memcpy(opt, &stub.cbtinfo, sizeof(stub.cbtinfo));
		break;
	case BLKFILTER_CTL_BLKSNAP_CBTMAP:
		call->cbtmap = *(struct blksnap_cbtmap *)opt;
		if (!result)
			memset((void *)(uintptr_t)call->cbtmap.buffer,
			       stub.map_fill, call->cbtmap.length);
		break;
	case BLKFILTER_CTL_BLKSNAP_CBTDIRTY:
		call->cbtdirty = *(struct blksnap_cbtdirty *)opt;
		break;
	case BLKFILTER_CTL_BLKSNAP_SNAPSHOTADD:
		call->snapshotadd = *(struct blksnap_snapshotadd *)opt;
		break;
	case BLKFILTER_CTL_BLKSNAP_SNAPSHOTINFO:
		if (!result)
			memcpy(opt, &stub.snapinfo, sizeof(stub.snapinfo));
		break;
	}
}

/* The module's side of SNAPSHOT_COLLECT. */
static int collect(struct stub_call *call, struct blksnap_snapshot_collect *arg)
{
	struct blksnap_uuid *ids = (void *)(uintptr_t)arg->ids;
	unsigned int i, room = arg->count;

	call->collect = *arg;
	arg->count = stub.collect_have;
	if (!ids) {
		stub.collect_have += stub.collect_grow;
		stub.collect_grow = 0;
		return 0;
	}
	if (room < stub.collect_have)
		return -ENODATA;
	for (i = 0; i < stub.collect_have; i++) {
		memset(&ids[i], 0, sizeof(ids[i]));
		ids[i].b[0] = i + 1;
	}
	return 0;
}

int blksnap__ioctl(struct blksnap_ctx *ctx, unsigned long req, void *arg)
{
	struct blksnap_snapshot_event *ev = arg;
	struct blksnap_snapshot_create *create = arg;
	struct stub_call *call;
	int result;

	assert_non_null(ctx);
	assert_true(stub.ncalls < STUB_MAX_CALLS);
	result = stub.result_at[stub.ncalls] ? stub.result_at[stub.ncalls] :
		 stub.result;
	call = &stub.calls[stub.ncalls++];
	call->req = req;

	switch (req) {
	case IOCTL_BLKSNAP_VERSION:
		if (!result)
			memcpy(arg, &stub.version, sizeof(stub.version));
		break;
	case IOCTL_BLKSNAP_FILTER_ATTACH:
		call->attach = *(struct blksnap_filter_attach *)arg;
		break;
	case IOCTL_BLKSNAP_FILTER_DETACH:
		call->detach = *(struct blksnap_filter_detach *)arg;
		break;
	case IOCTL_BLKSNAP_FILTER_CTL:
		record_ctl(call, arg, result);
		break;
	case IOCTL_BLKSNAP_SNAPSHOT_CREATE:
		call->create = *create;
		strncpy(call->path, (const char *)(uintptr_t)create->diff_storage_path,
			sizeof(call->path) - 1);
		if (!result)
			create->id = stub.created_id;
		break;
	case IOCTL_BLKSNAP_SNAPSHOT_TAKE:
	case IOCTL_BLKSNAP_SNAPSHOT_DESTROY:
		call->uuid = *(struct blksnap_uuid *)arg;
		break;
	case IOCTL_BLKSNAP_SNAPSHOT_COLLECT:
		if (!result)
			result = collect(call, arg);
		break;
	case IOCTL_BLKSNAP_SNAPSHOT_WAIT_EVENT:
		call->wait.id = ev->id;
		call->wait.timeout_ms = ev->timeout_ms;
		if (!result) {
			memcpy(&ev->code, &stub.event.code,
			       sizeof(*ev) - offsetof(struct blksnap_snapshot_event, code));
		}
		break;
	default:
		fail_msg("unexpected request %#lx", req);
	}
	return result;
}

int blksnap__bdev_ioctl(dev_t dev, unsigned long req, void *arg)
{
	struct stub_call *call;
	int result;

	assert_true(stub.ncalls < STUB_MAX_CALLS);
	result = stub.result_at[stub.ncalls] ? stub.result_at[stub.ncalls] :
		 stub.result;
	call = &stub.calls[stub.ncalls++];
	call->req = req;
	call->bdev = dev;

	switch (req) {
	case BLKSNAP_NATIVE_ATTACH:
		call->native_attach = *(struct blksnap_native_attach *)arg;
		break;
	case BLKSNAP_NATIVE_DETACH:
		call->native_detach = *(struct blksnap_native_detach *)arg;
		break;
	default:
		fail_msg("unexpected block device request %#lx", req);
	}
	return result;
}
