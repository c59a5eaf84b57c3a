#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Proves the HAVE_BLK_FILTER probe selects correctly: absent on a real
# kernel, present when a fake linux/blk-filter.h of the shape filter_native.c
# is written for and CONFIG_BLK_FILTER are added, absent again when only the
# header is there or when the header has the older v7 shape.
# usage: probe-selftest.sh KDIR      prints "N passed, M failed"
set -eu
kdir=$1
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

# check NAME EXPECTED(set|unset) EXTRA_CFLAGS
check() {
	"$here/../probe.sh" "$kdir" "$out/config.h" "$3"
	if grep -q "^#define HAVE_BLK_FILTER 1" "$out/config.h"; then
		got=set
	else
		got=unset
	fi
	if [ "$got" = "$2" ]; then
		result "$1" ""
	else
		result "$1" "HAVE_BLK_FILTER $got, expected $2"
	fi
	rm -f "$out/config.h"
}

check probe_finds_no_blkfilter_in_real_kernel unset ""
check probe_finds_native_blkfilter_when_present set \
	"-I$here/fake-blkfilter-2025 -DCONFIG_BLK_FILTER"
check probe_needs_config_blk_filter_too unset "-I$here/fake-blkfilter-2025"
check probe_rejects_the_v7_shape unset \
	"-I$here/fake-blkfilter-v7 -DCONFIG_BLK_FILTER"
finish
