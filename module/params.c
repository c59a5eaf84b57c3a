// SPDX-License-Identifier: GPL-2.0
#define pr_fmt(fmt) KBUILD_MODNAME "-params: " fmt
#include <linux/module.h>
#include <linux/moduleparam.h>
#include "params.h"

unsigned int blksnap_tracking_block_minimum_shift = 16;
module_param_named(tracking_block_minimum_shift,
		   blksnap_tracking_block_minimum_shift, uint, 0444);
MODULE_PARM_DESC(tracking_block_minimum_shift,
		 "Smallest change-tracking block as log2 of bytes (12..30, default 16 = 64 KiB)");

unsigned int blksnap_tracking_block_maximum_count = 2097152;
module_param_named(tracking_block_maximum_count,
		   blksnap_tracking_block_maximum_count, uint, 0444);
MODULE_PARM_DESC(tracking_block_maximum_count,
		 "Most blocks in one change-tracking map, one byte each (1024..16777216, default 2097152)");

unsigned int blksnap_chunk_minimum_shift = 18;
module_param_named(chunk_minimum_shift, blksnap_chunk_minimum_shift, uint,
		   0444);
MODULE_PARM_DESC(chunk_minimum_shift,
		 "Smallest copy-on-write chunk as log2 of bytes (12..26, default 18 = 256 KiB)");

unsigned int blksnap_chunk_maximum_count = 2097152;
module_param_named(chunk_maximum_count, blksnap_chunk_maximum_count, uint,
		   0444);
MODULE_PARM_DESC(chunk_maximum_count,
		 "Most copy-on-write chunks of one device, 8 bytes of table each; chunks grow with the device beyond it (1024..16777216, default 2097152 = 16 MiB)");

unsigned int blksnap_chunk_maximum_in_flight = 64;
module_param_named(chunk_maximum_in_flight, blksnap_chunk_maximum_in_flight,
		   uint, 0444);
MODULE_PARM_DESC(chunk_maximum_in_flight,
		 "Most chunks being copied at once; bounds copy-on-write memory (twice over for metadata while the storage on a snapshotted filesystem grows; the pages of as many freed chunks are kept for the next copies while a snapshot exists) (1..4096, default 64)");

unsigned long long blksnap_diff_storage_minimum = 2097152;
module_param_named(diff_storage_minimum, blksnap_diff_storage_minimum, ullong,
		   0444);
MODULE_PARM_DESC(diff_storage_minimum,
		 "Difference storage growth step in 512-byte sectors (2048..2^32, default 2097152 = 1 GiB)");

/*
 * Writable at run time (raising it must not need a reload, which would
 * end every device's change history), within 1..100: writers the take
 * holds longer than the kernel's default hung-task time (120 s) would be
 * reported, or panic a hung_task_panic system.
 */
#define TAKE_DRAIN_TIMEOUT_MAX	100

static int take_drain_timeout_set(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 1, TAKE_DRAIN_TIMEOUT_MAX);
}

static const struct kernel_param_ops take_drain_timeout_ops = {
	.set = take_drain_timeout_set,
	.get = param_get_uint,
};

unsigned int blksnap_take_drain_timeout = 60;
module_param_cb(take_drain_timeout, &take_drain_timeout_ops,
		&blksnap_take_drain_timeout, 0644);
MODULE_PARM_DESC(take_drain_timeout,
		 "Seconds a take waits for writes issued before it, with writes held and filesystems frozen, before it gives up (1..100, default 60; writable)");

static int check_range(const char *name, unsigned long long val,
		       unsigned long long min, unsigned long long max)
{
	if (val >= min && val <= max)
		return 0;
	pr_err("parameter %s=%llu is out of range %llu..%llu\n",
	       name, val, min, max);
	return -EINVAL;
}

int params_check(void)
{
	int ret = 0;

	ret |= check_range("tracking_block_minimum_shift",
			   blksnap_tracking_block_minimum_shift, 12, 30);
	ret |= check_range("tracking_block_maximum_count",
			   blksnap_tracking_block_maximum_count,
			   1024, 16777216);
	ret |= check_range("chunk_minimum_shift",
			   blksnap_chunk_minimum_shift, 12, 26);
	ret |= check_range("chunk_maximum_count",
			   blksnap_chunk_maximum_count, 1024, 16777216);
	ret |= check_range("chunk_maximum_in_flight",
			   blksnap_chunk_maximum_in_flight, 1, 4096);
	ret |= check_range("diff_storage_minimum",
			   blksnap_diff_storage_minimum, 2048, 1ULL << 32);
	return ret ? -EINVAL : 0;
}
