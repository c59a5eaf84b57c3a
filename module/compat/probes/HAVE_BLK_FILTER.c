// SPDX-License-Identifier: GPL-2.0
/* The kernel has the native block device filter API (blkfilter); the
 * module then registers with it instead of intercepting bio submission.
 */
#include <linux/blk-filter.h>

#ifndef CONFIG_BLK_FILTER
#error "CONFIG_BLK_FILTER is not set"
#endif

static struct blkfilter_operations probe_ops = {
	.name = "probe",
};

static __maybe_unused int probe(void)
{
	return blkfilter_register(&probe_ops);
}
