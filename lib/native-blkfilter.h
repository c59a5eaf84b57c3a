/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The kernel's own filter requests, for a kernel with the native blkfilter
 * API (no mainline kernel has it; the module then refuses the control
 * node's attach and detach with EOPNOTSUPP).  They are issued on the block
 * device itself.  Layout and numbers as in the 2025 posting of the API,
 * the shape the module's filter_native.c is built for; named here so as
 * not to collide with a <linux/fs.h> that may one day define its own.
 */
#ifndef BLKSNAP_NATIVE_BLKFILTER_H
#define BLKSNAP_NATIVE_BLKFILTER_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define BLKSNAP_NATIVE_NAME_LENGTH	32

struct blksnap_native_attach {
	__u8 name[BLKSNAP_NATIVE_NAME_LENGTH];
	__u64 opt;
	__u32 optlen;
};

struct blksnap_native_detach {
	__u8 name[BLKSNAP_NATIVE_NAME_LENGTH];
};

#define BLKSNAP_NATIVE_ATTACH	_IOWR(0x12, 142, struct blksnap_native_attach)
#define BLKSNAP_NATIVE_DETACH	_IOWR(0x12, 143, struct blksnap_native_detach)

#endif /* BLKSNAP_NATIVE_BLKFILTER_H */
