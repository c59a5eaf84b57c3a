// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Replaces lib/ioctl.c in the test binary; see ioctl_stub.h.
 */
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

static void record_ctl(struct stub_call *call, struct blksnap_filter_ctl *ctl)
{
	void *opt = (void *)(uintptr_t)ctl->opt;

	call->ctl = *ctl;
	switch (ctl->cmd) {
	case BLKFILTER_CTL_BLKSNAP_CBTINFO:
		if (!stub.result)
			memcpy(opt, &stub.cbtinfo, sizeof(stub.cbtinfo));
		break;
	case BLKFILTER_CTL_BLKSNAP_CBTMAP:
		call->cbtmap = *(struct blksnap_cbtmap *)opt;
		if (!stub.result)
			memset((void *)(uintptr_t)call->cbtmap.buffer,
			       stub.map_fill, call->cbtmap.length);
		break;
	case BLKFILTER_CTL_BLKSNAP_CBTDIRTY:
		call->cbtdirty = *(struct blksnap_cbtdirty *)opt;
		break;
	}
}

int blksnap__ioctl(struct blksnap_ctx *ctx, unsigned long req, void *arg)
{
	struct stub_call *call;

	assert_non_null(ctx);
	assert_true(stub.ncalls < STUB_MAX_CALLS);
	call = &stub.calls[stub.ncalls++];
	call->req = req;

	switch (req) {
	case IOCTL_BLKSNAP_VERSION:
		if (!stub.result)
			memcpy(arg, &stub.version, sizeof(stub.version));
		break;
	case IOCTL_BLKSNAP_FILTER_ATTACH:
		call->attach = *(struct blksnap_filter_attach *)arg;
		break;
	case IOCTL_BLKSNAP_FILTER_DETACH:
		call->detach = *(struct blksnap_filter_detach *)arg;
		break;
	case IOCTL_BLKSNAP_FILTER_CTL:
		record_ctl(call, arg);
		break;
	default:
		fail_msg("unexpected request %#lx", req);
	}
	return stub.result;
}
