// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * LD_PRELOAD stand-in for blksnap.ko: answers libblksnap's ioctl()s with a
 * fixed device state, so the CLI can be run end to end on a host where the
 * module must not be loaded.  Point BLKSNAP_CONTROL at /dev/null.
 *
 * The device: 6 tracking blocks of 64 KiB, the last one only 4 KiB long,
 * generation FAKE_GENERATION at change number 5, map { 0, 3, 5, 5, 0, 4 }.
 * Attach answers EALREADY and detach ENOENT, to exercise those messages.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <linux/blksnap.h>
#include "fake_module.h"

static const uint8_t map[] = { 0, 3, 5, 5, 0, 4 };

static int fail(int err)
{
	errno = err;
	return -1;
}

static int filter_ctl(struct blksnap_filter_ctl *ctl)
{
	void *opt = (void *)(uintptr_t)ctl->opt;
	struct blksnap_cbtinfo info = {
		.device_capacity = FAKE_CAPACITY,
		.block_size = FAKE_BLOCK_SIZE,
		.block_count = sizeof(map),
		.generation_id = { { FAKE_GENERATION_BYTES } },
		.changes_number = FAKE_CHANGES,
	};
	struct blksnap_cbtmap *m = opt;

	switch (ctl->cmd) {
	case BLKFILTER_CTL_BLKSNAP_CBTINFO:
		memcpy(opt, &info, sizeof(info));
		return 0;
	case BLKFILTER_CTL_BLKSNAP_CBTMAP:
		if (m->offset > sizeof(map) || m->length > sizeof(map) - m->offset)
			return fail(EINVAL);
		memcpy((void *)(uintptr_t)m->buffer, map + m->offset, m->length);
		return 0;
	case BLKFILTER_CTL_BLKSNAP_CBTDIRTY:
	case BLKFILTER_CTL_BLKSNAP_CBTSWITCH:
		return 0;
	}
	return fail(EINVAL);
}

int ioctl(int fd, unsigned long req, ...)
{
	static const struct blksnap_version version = { 0, 1, 0, 0 };
	int (*real_ioctl)(int, unsigned long, ...);
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);

	switch (req) {
	case IOCTL_BLKSNAP_VERSION:
		memcpy(arg, &version, sizeof(version));
		return 0;
	case IOCTL_BLKSNAP_FILTER_ATTACH:
		return fail(EALREADY);
	case IOCTL_BLKSNAP_FILTER_DETACH:
		return fail(ENOENT);
	case IOCTL_BLKSNAP_FILTER_CTL:
		return filter_ctl(arg);
	}
	real_ioctl = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl");
	return real_ioctl ? real_ioctl(fd, req, arg) : fail(ENOSYS);
}
