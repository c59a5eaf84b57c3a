/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * DEVICE given as MAJOR:MINOR, as lsblk and /proc/partitions show it: the
 * only way to name a device whose node is gone (a removed disk whose
 * filter is still attached).
 */
#ifndef BLKSNAP_CLI_DEVNUM_H
#define BLKSNAP_CLI_DEVNUM_H

#include <sys/types.h>

/* 0 and *dev set if @arg is "MAJOR:MINOR" in decimal, -EINVAL otherwise. */
int devnum_parse(const char *arg, dev_t *dev);

#endif
